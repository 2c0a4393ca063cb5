//! The protocol stage: does the peer speak gRPC (h2) or HTTP as configured.

pub mod verify;
pub mod wire;

use super::{proxy, Probe, StageResult};
use crate::cause::proto_text::{self as text};
use crate::cause::{net_text, Cause, Finding, Severity, Stage};
use crate::config::Protocol;
use crate::facts::{Change, TlsSign, Waiting};
use crate::report::{Check, Status};
use std::net::SocketAddr;
use std::time::Instant;
use wire::{OpenFailure, PeerDid};

const HEALTH_PATH: &str = "/grpc.health.v1.Health/Check";

/// Runs the protocol stage against `addr` (a TCP address that connected; TLS passed if used).
pub async fn run(probe: &Probe<'_>, addr: SocketAddr) -> StageResult {
    run_keep(probe, addr).await.0
}

/// Runs the protocol stage, and keeps its connection when the peer answered in the configured
/// protocol, for the export stage to reuse (`export::run_on`).
pub async fn run_keep(probe: &Probe<'_>, addr: SocketAddr) -> (StageResult, Option<wire::Ready>) {
    let started = Instant::now();
    let grpc = probe.settings.protocol.value == Protocol::Grpc;
    let (mut result, ready) = if grpc {
        grpc_check(probe, addr).await
    } else {
        http_check(probe, addr).await
    };
    if grpc {
        // tonic ignores proxies: say so whenever one would apply to an HTTP exporter.
        let endpoint = probe.endpoint;
        if let Ok(Some(p)) =
            proxy::proxy_for(&endpoint.host, endpoint.port, endpoint.tls, probe.proxy)
        {
            let works = result.check.status == Status::Pass;
            result
                .findings
                .push(text::grpc_ignores_proxy(probe, &p, works));
        }
    }
    result.check = result.check.took(started.elapsed());
    (result, ready)
}

/// h2 handshake plus `grpc.health.v1.Health/Check` (information only).
async fn grpc_check(probe: &Probe<'_>, addr: SocketAddr) -> (StageResult, Option<wire::Ready>) {
    let opened = match wire::open(probe, addr, true).await {
        Ok(o) => o,
        Err(e) => return (open_failed(probe, Stage::Protocol, e), None),
    };
    let alpn = opened.conn.alpn.clone();
    let req = wire::grpc_request(probe, addr.port(), HEALTH_PATH, &[], false);
    let (ex, ready) = wire::exchange_opened(opened, req, probe.bounds()).await;
    match ex.result {
        Ok(answer) if answer.body_end == wire::BodyEnd::TimedOut => {
            (body_stalled(probe, Stage::Protocol, &answer, None), None)
        }
        Ok(answer) => {
            let grpc_status: Option<u32> = answer
                .grpc_field("grpc-status")
                .and_then(|s| s.trim().parse().ok());
            let serving = wire::grpc_message(&answer.body)
                .and_then(|m| <HealthCheckResponse as prost::Message>::decode(m.as_slice()).ok());
            let evidence = serde_json::json!({
                "http_version": "HTTP/2",
                "alpn": alpn.map(|a| String::from_utf8_lossy(&a).into_owned()),
                "health_check": {
                    "http_status": answer.status.as_u16(),
                    "content_type": answer.media_type(),
                    "grpc_status": grpc_status,
                    "grpc_message": answer.grpc_field("grpc-message").map(crate::facts::peer_text::PeerText::from_text),
                    "serving_status": serving.map(|s| s.status),
                    "note": text::health_note(grpc_status, answer.status.as_u16()),
                },
                "elapsed_ms": ex.elapsed.as_millis() as u64,
            });
            let r = StageResult::new(
                Check::new(
                    Stage::Protocol,
                    Status::Pass,
                    text::speaks_h2_summary(probe),
                )
                .evidence(evidence),
            );
            (r, ready)
        }
        Err(failure) => {
            let how = (Stage::Protocol, Waiting::Protocol);
            let framing = wire::Framing::GRPC;
            let r = exchange_failed(probe, addr, failure, &ex.app, framing, None, how).await;
            (r, None)
        }
    }
}

/// One empty export POST: does the peer answer HTTP at all.
async fn http_check(probe: &Probe<'_>, addr: SocketAddr) -> (StageResult, Option<wire::Ready>) {
    let opened = match wire::open(probe, addr, false).await {
        Ok(o) => o,
        Err(e) => return (open_failed(probe, Stage::Protocol, e), None),
    };
    let framing = opened.framing();
    let proxy_target = opened.proxy.clone();
    let proxy = opened.proxy.as_ref().map(|p| p.display.clone());
    let path = wire::url_path(probe);
    let req = wire::http_request(
        probe,
        opened.framing(),
        addr.port(),
        &path,
        probe.settings.protocol.value,
        probe.settings.compression.value,
    );
    let (ex, ready) = wire::exchange_opened(opened, req, probe.bounds()).await;
    match ex.result {
        Ok(answer) => {
            let stage = Stage::Protocol;
            if let Some(r) =
                forward_proxy_refused(probe, stage, framing, proxy_target.as_ref(), &answer)
            {
                return (r, None);
            }
            if answer.body_end == wire::BodyEnd::TimedOut {
                return (body_stalled(probe, stage, &answer, proxy.as_deref()), None);
            }
            let plain_to_https = answer.status == 400
                && contains(&answer.body, b"plain HTTP request was sent to HTTPS port");
            if plain_to_https && !probe.endpoint.tls {
                let tried = [verify::try_tls(probe, addr).await];
                let ev = serde_json::json!({
                    "http_status": 400,
                    "body": wire::quote(&answer.body, probe.opts.verbose),
                });
                let f = text::plaintext_to_tls(probe, TlsSign::PlainHttpToHttpsPort, &tried, ev);
                let r = from_findings(
                    Stage::Protocol,
                    vec![f],
                    String::new(),
                    serde_json::Value::Null,
                );
                return (r, None);
            }
            let evidence = serde_json::json!({
                "http_version": crate::facts::http_version(answer.version),
                "status": answer.status.as_u16(),
                "proxy": proxy,
                "elapsed_ms": ex.elapsed.as_millis() as u64,
            });
            let r = StageResult::new(
                Check::new(
                    Stage::Protocol,
                    Status::Pass,
                    text::speaks_http_summary(probe, answer.version, answer.status.as_u16()),
                )
                .evidence(evidence),
            );
            (r, ready)
        }
        Err(failure) => {
            let how = (Stage::Protocol, Waiting::Protocol);
            let p = proxy_target.as_ref();
            let r = exchange_failed(probe, addr, failure, &ex.app, framing, p, how).await;
            (r, None)
        }
    }
}

/// An answer whose head arrived but whose body did not end within the timeout (a trickling
/// body): the exchange waited its whole timeout, and the exporter would too.
pub(crate) fn body_stalled(
    probe: &Probe<'_>,
    stage: Stage,
    answer: &wire::Answer,
    proxy: Option<&str>,
) -> StageResult {
    let ev = serde_json::json!({
        "http_version": crate::facts::http_version(answer.version),
        "status": answer.status.as_u16(),
        "content_type": answer.media_type(),
        "content_length": answer.header("content-length"),
        "body_bytes_read": answer.body.len(),
        "body_end": answer.body_end,
        "proxy": proxy,
    });
    let f = text::body_timeout(
        probe,
        stage,
        answer.status.as_u16(),
        answer.body.len(),
        probe.bounds().answer,
        ev,
    );
    from_findings(stage, vec![f], String::new(), serde_json::Value::Null)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The stage result of an exchange that got no response head (`h2`: HTTP/2 was spoken): what
/// the peer did, from the bytes it sent, and the findings with any verified fix.
pub(crate) async fn exchange_failed(
    probe: &Probe<'_>,
    addr: SocketAddr,
    failure: wire::Failure,
    app: &super::net::Recording,
    framing: wire::Framing,
    proxy: Option<&proxy::ProxyTarget>,
    (stage, waiting): (Stage, Waiting),
) -> StageResult {
    let did = wire::peer_did(failure, app, framing.h2);
    let ev = serde_json::json!({
        "peer": did,
        "wire": app.evidence(),
        "proxy": proxy.map(|p| p.display.clone()),
    });
    if let Some(p) = proxy.filter(|_| framing.absolute_form) {
        return forward_proxy_failure(probe, stage, p, forward_failure(did, app), ev);
    }
    let findings = failure_findings(probe, addr, did, stage, waiting, ev).await;
    from_findings(stage, findings, String::new(), serde_json::Value::Null)
}

/// Findings for a failed exchange, with the verified fixes tried where one applies.
async fn failure_findings(
    probe: &Probe<'_>,
    addr: SocketAddr,
    did: PeerDid,
    stage: Stage,
    waiting: Waiting,
    ev: serde_json::Value,
) -> Vec<Finding> {
    let grpc = probe.settings.protocol.value == Protocol::Grpc;
    let plaintext = !probe.endpoint.tls;
    let signal_path = probe.settings.signal.http_path();
    let other = |port: u16| SocketAddr::new(addr.ip(), port);
    let f = match did {
        PeerDid::SpokeTls if plaintext => {
            let tried = [verify::try_tls(probe, addr).await];
            text::plaintext_to_tls(probe, TlsSign::TlsRecord, &tried, ev)
        }
        PeerDid::SpokeHttp1 if grpc => {
            let mut tried = vec![
                verify::try_http(
                    probe,
                    addr,
                    Change::Http(Protocol::HttpProtobuf),
                    Protocol::HttpProtobuf,
                    signal_path,
                    probe.settings.compression.value,
                )
                .await,
            ];
            // A TLS port may answer the plaintext preface with a generic HTTP/1 error page
            // (nginx `ssl http2`: `400 Bad Request`); only a ClientHello tells it apart.
            let tls = match !tried[0].worked && plaintext {
                true => Some(verify::try_tls(probe, addr).await),
                false => None,
            };
            match tls {
                Some(tls) if tls.worked => {
                    let mut ev = ev;
                    ev["ruled_out"] = serde_json::json!([tried[0].evidence()]);
                    text::plaintext_to_tls(probe, TlsSign::Http1Answer, &[tls], ev)
                }
                _ => {
                    if !tried[0].worked && addr.port() != 4317 {
                        tried.push(verify::try_grpc(probe, other(4317)).await);
                    }
                    text::grpc_to_http_port(probe, Some(did), &tried, ev)
                }
            }
        }
        PeerDid::SpokeH2 if !grpc => {
            let mut tried = vec![verify::try_grpc(probe, addr).await];
            if !tried[0].worked && addr.port() != 4318 {
                let proto = probe.settings.protocol.value;
                let path = wire::url_path(probe);
                tried.push(
                    verify::try_http(
                        probe,
                        other(4318),
                        Change::Port(4318, proto),
                        proto,
                        &path,
                        probe.settings.compression.value,
                    )
                    .await,
                );
            }
            text::http_to_grpc_port(probe, did, &tried, ev)
        }
        PeerDid::Reset | PeerDid::Closed => {
            // A gRPC port resets HTTP/1 requests; a TLS port may close on plaintext.
            let mut found = None;
            if grpc {
                let tried = [verify::try_http(
                    probe,
                    addr,
                    Change::Http(Protocol::HttpProtobuf),
                    Protocol::HttpProtobuf,
                    signal_path,
                    probe.settings.compression.value,
                )
                .await];
                if tried[0].worked {
                    found = Some(text::grpc_to_http_port(
                        probe,
                        Some(did),
                        &tried,
                        ev.clone(),
                    ));
                }
            } else if did == PeerDid::Reset {
                let tried = [verify::try_grpc(probe, addr).await];
                if tried[0].worked {
                    found = Some(text::http_to_grpc_port(probe, did, &tried, ev.clone()));
                }
            }
            if found.is_none() && plaintext {
                let tried = [verify::try_tls(probe, addr).await];
                if tried[0].worked {
                    found = Some(text::plaintext_to_tls(
                        probe,
                        TlsSign::Closed,
                        &tried,
                        ev.clone(),
                    ));
                }
            }
            let signal = probe.settings.signal;
            let request = waiting.request();
            // Nothing came back before the close or reset: on a plaintext connection the peer
            // never spoke at all, a front end with no live backend (accept_then_close). Over
            // TLS it had completed a handshake, so a reset is mid-conversation.
            match did {
                PeerDid::Reset if probe.endpoint.tls => found.unwrap_or_else(|| {
                    net_text::connection_reset(signal, stage, addr, request, ev)
                }),
                _ => {
                    let kind = if did == PeerDid::Reset {
                        net_text::CloseKind::Reset
                    } else {
                        net_text::CloseKind::Eof
                    };
                    found.unwrap_or_else(|| {
                        net_text::accept_then_close(signal, stage, addr, request, kind, ev)
                    })
                }
            }
        }
        PeerDid::Silent => text::response_timeout(probe, stage, waiting, probe.bounds().answer, ev),
        PeerDid::StreamReset { code: 7 } => text::stream_refused(probe, stage, ev),
        other_did => text::unparseable(probe, stage, other_did, ev),
    };
    vec![f]
}

/// A stage result when no connection could be opened.
pub(crate) fn open_failed(probe: &Probe<'_>, stage: Stage, e: OpenFailure) -> StageResult {
    let f = match &e {
        OpenFailure::InvalidProxy(invalid) => text::proxy_invalid(probe, invalid),
        OpenFailure::Proxy(p, err) => {
            let ev = serde_json::json!({ "proxy": p.display, "source": p.source, "error": proxy_error_evidence(err) });
            text::proxy_failure(probe, p, err, probe.opts.timeout, ev)
        }
        OpenFailure::TunnelTls {
            proxy: p,
            stalled,
            received,
        } => {
            let ev = serde_json::json!({
                "proxy": p.display,
                "source": p.source,
                "tunnel": { "stalled": stalled, "bytes_received": received },
            });
            text::proxy_tunnel_tls(probe, p, *stalled, *received, probe.opts.timeout, ev)
        }
        OpenFailure::Net(err) => {
            let (cause, detail) = match err {
                super::net::OpenError::Connect(c) => (
                    match c {
                        super::net::ConnectFailure::Refused => Cause::TcpRefused,
                        super::net::ConnectFailure::Timeout => Cause::TcpTimeout,
                        super::net::ConnectFailure::Reset => Cause::AcceptThenClose,
                        _ => Cause::TcpUnreachable,
                    },
                    c.to_string(),
                ),
                super::net::OpenError::TlsSetup(s) => (Cause::TlsHandshakeFailed, s.to_string()),
                super::net::OpenError::Handshake { error, .. } => {
                    (Cause::TlsHandshakeFailed, error.kind().to_string())
                }
                super::net::OpenError::HandshakeTimeout { .. } => {
                    (Cause::TlsHandshakeFailed, "timeout".to_string())
                }
            };
            text::reconnect_failed(probe, stage, cause, &detail)
        }
    };
    from_findings(stage, vec![f], String::new(), serde_json::Value::Null)
}

fn proxy_error_evidence(e: &proxy::ProxyError) -> serde_json::Value {
    use super::net::ConnectFailure as C;
    use proxy::ProxyError as E;
    let kind = match e {
        E::Resolve => "resolve",
        E::Connect(C::Refused) => "connect_refused",
        E::Connect(C::Timeout) => "connect_timeout",
        E::Connect(C::Unreachable) => "connect_unreachable",
        E::Connect(C::Reset) => "connect_reset",
        E::Connect(C::Other(_)) => "connect_failed",
        E::Refused { .. } => "refused",
        E::Closed { .. } => "closed",
        E::Timeout => "timeout",
        E::Garbage { .. } => "garbage",
        E::UnsupportedScheme => "unsupported_scheme",
    };
    match e {
        E::Refused { status, head } => {
            serde_json::json!({ "kind": kind, "status": status, "answer": head })
        }
        E::Closed { head } | E::Garbage { head } => {
            serde_json::json!({ "kind": kind, "answer": head })
        }
        _ => serde_json::json!({ "kind": kind }),
    }
}

/// Through a plain forward proxy (absolute-form requests) the doctor's peer is the proxy: an
/// exchange that got no answer, or a `407`, is the proxy's failure, not the endpoint's.
pub(crate) fn forward_proxy_failure(
    probe: &Probe<'_>,
    stage: Stage,
    proxy: &proxy::ProxyTarget,
    error: proxy::ProxyError,
    mut ev: serde_json::Value,
) -> StageResult {
    ev["proxy"] = serde_json::json!(proxy.display);
    ev["source"] = serde_json::json!(proxy.source);
    ev["error"] = proxy_error_evidence(&error);
    // Through a forward proxy the exporter waits for its answer as long as for any answer.
    let f = text::proxy_failure(probe, proxy, &error, probe.bounds().answer, ev).at_stage(stage);
    from_findings(stage, vec![f], String::new(), serde_json::Value::Null)
}

/// The proxy's failure when a forwarded exchange got no response head (see
/// `forward_proxy_failure`), typed from what the proxy sent.
fn forward_failure(did: PeerDid, app: &super::net::Recording) -> proxy::ProxyError {
    let head = super::net::printable(&app.first_bytes()[..app.first_bytes().len().min(512)]);
    match did {
        PeerDid::Silent => proxy::ProxyError::Timeout,
        PeerDid::Closed | PeerDid::Reset => proxy::ProxyError::Closed { head },
        _ => proxy::ProxyError::Garbage { head },
    }
}

/// A `407 Proxy Authentication Required` from a forward proxy, as the proxy's refusal.
pub(crate) fn forward_proxy_refused(
    probe: &Probe<'_>,
    stage: Stage,
    framing: wire::Framing,
    proxy: Option<&proxy::ProxyTarget>,
    answer: &wire::Answer,
) -> Option<StageResult> {
    let proxy = proxy.filter(|_| framing.absolute_form)?;
    if answer.status.as_u16() != 407 {
        return None;
    }
    let head = format!("HTTP {}", answer.status);
    let error = proxy::ProxyError::Refused { status: 407, head };
    let ev = serde_json::json!({
        "status": 407,
        "proxy_authenticate": answer.header("proxy-authenticate"),
    });
    Some(forward_proxy_failure(probe, stage, proxy, error, ev))
}

/// A check from findings: fail on an error, warn on a warning, pass otherwise.
pub(crate) fn from_findings(
    stage: Stage,
    findings: Vec<Finding>,
    pass_summary: String,
    evidence: serde_json::Value,
) -> StageResult {
    let worst = findings.iter().map(|f| f.severity).max();
    let status = match worst {
        Some(Severity::Error) => Status::Fail,
        Some(Severity::Warning) => Status::Warn,
        _ => Status::Pass,
    };
    let summary = match findings.iter().find(|f| Some(f.severity) == worst) {
        Some(f) if status != Status::Pass => f.summary.clone(),
        _ => pass_summary,
    };
    let evidence = match (&evidence, findings.first()) {
        (serde_json::Value::Null, Some(f)) => f.evidence.clone(),
        _ => evidence,
    };
    let mut result = StageResult::new(Check::new(stage, status, summary).evidence(evidence));
    result.findings = findings;
    result
}

/// `grpc.health.v1.HealthCheckResponse`.
#[derive(Clone, PartialEq, prost::Message)]
struct HealthCheckResponse {
    #[prost(int32, tag = "1")]
    status: i32,
}
