//! The protocol stage: does the peer speak gRPC (h2) or HTTP as configured.

pub mod verify;
pub mod wire;

use super::{proxy, Probe};
use crate::config::Protocol;
use crate::facts::answer::{classify, Class, Sent};
pub use crate::facts::diagnosis::protocol::{Diagnosis, ReconnectFailure, Seen};
use crate::facts::{Change, PeerDid, TlsSign, Waiting};
use std::net::SocketAddr;
use wire::OpenFailure;

const HEALTH_PATH: &str = "/grpc.health.v1.Health/Check";

/// Runs the protocol stage against `addr` (a TCP address that connected; TLS passed if used).
pub async fn run(probe: &Probe<'_>, addr: SocketAddr) -> Seen {
    run_keep(probe, addr).await.0
}

/// Runs the protocol stage, and keeps its connection when the peer answered in the configured
/// protocol, for the export stage to reuse (`export::run_on`).
pub async fn run_keep(probe: &Probe<'_>, addr: SocketAddr) -> (Seen, Option<wire::Ready>) {
    let grpc = probe.settings.protocol.value == Protocol::Grpc;
    let (diagnosis, ready) = if grpc {
        grpc_check(probe, addr).await
    } else {
        http_check(probe, addr).await
    };
    // tonic ignores proxies: say so whenever one would apply to an HTTP exporter.
    let endpoint = probe.endpoint;
    let ignored_proxy = grpc
        .then(|| proxy::proxy_for(&endpoint.host, endpoint.port, endpoint.tls, probe.proxy))
        .and_then(|p| p.ok().flatten());
    let seen = Seen {
        diagnosis,
        ignored_proxy,
    };
    (seen, ready)
}

/// h2 handshake plus `grpc.health.v1.Health/Check` (information only).
async fn grpc_check(probe: &Probe<'_>, addr: SocketAddr) -> (Diagnosis, Option<wire::Ready>) {
    let opened = match wire::open(probe, addr, true).await {
        Ok(o) => o,
        Err(e) => return (open_failed(probe, Waiting::Protocol, e), None),
    };
    let alpn = opened.conn.alpn.clone();
    let req = wire::grpc_request(probe, addr.port(), HEALTH_PATH, &[], false);
    let (ex, ready) = wire::exchange_opened(opened, req, probe.bounds()).await;
    match ex.result {
        Ok(answer) if answer.body_end == wire::BodyEnd::TimedOut => {
            (body_stalled(probe, Waiting::Protocol, &answer, None), None)
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
                },
                "elapsed_ms": ex.elapsed.as_millis() as u64,
            });
            let d = Diagnosis::SpeaksH2 {
                grpc_status,
                http_status: answer.status.as_u16(),
                evidence,
            };
            (d, ready)
        }
        Err(failure) => {
            let framing = wire::Framing::GRPC;
            let how = Waiting::Protocol;
            let d = exchange_failed(probe, addr, failure, &ex.app, framing, None, how).await;
            (d, None)
        }
    }
}

/// One empty export POST: does the peer answer HTTP at all.
async fn http_check(probe: &Probe<'_>, addr: SocketAddr) -> (Diagnosis, Option<wire::Ready>) {
    let opened = match wire::open(probe, addr, false).await {
        Ok(o) => o,
        Err(e) => return (open_failed(probe, Waiting::Protocol, e), None),
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
            let at = Waiting::Protocol;
            if let Some(d) =
                forward_proxy_refused(probe, at, framing, proxy_target.as_ref(), &answer)
            {
                return (d, None);
            }
            if answer.body_end == wire::BodyEnd::TimedOut {
                return (body_stalled(probe, at, &answer, proxy.as_deref()), None);
            }
            let sent = Sent {
                grpc: false,
                tls: probe.endpoint.tls,
            };
            // nginx and Go's net/http say in words that plaintext reached their TLS port.
            if let Class::PlaintextToTls { sign } = classify(&answer.facts(), sent) {
                let tried = vec![verify::try_tls(probe, addr).await];
                let evidence = serde_json::json!({
                    "http_status": 400,
                    "body": wire::quote(&answer.body, probe.opts.verbose),
                });
                let d = Diagnosis::PlaintextToTls {
                    at,
                    sign,
                    tried,
                    evidence,
                };
                return (d, None);
            }
            let evidence = serde_json::json!({
                "http_version": crate::facts::http_version(answer.version),
                "status": answer.status.as_u16(),
                "proxy": proxy,
                "elapsed_ms": ex.elapsed.as_millis() as u64,
            });
            let d = Diagnosis::SpeaksHttp {
                version: answer.version,
                status: answer.status.as_u16(),
                evidence,
            };
            (d, ready)
        }
        Err(failure) => {
            let p = proxy_target.as_ref();
            let how = Waiting::Protocol;
            let d = exchange_failed(probe, addr, failure, &ex.app, framing, p, how).await;
            (d, None)
        }
    }
}

/// An answer whose head arrived but whose body did not end within the timeout (a trickling
/// body): the exchange waited its whole timeout, and the exporter would too.
pub(crate) fn body_stalled(
    probe: &Probe<'_>,
    at: Waiting,
    answer: &wire::Answer,
    proxy: Option<&str>,
) -> Diagnosis {
    let evidence = serde_json::json!({
        "http_version": crate::facts::http_version(answer.version),
        "status": answer.status.as_u16(),
        "content_type": answer.media_type(),
        "content_length": answer.header("content-length"),
        "body_bytes_read": answer.body.len(),
        "body_end": answer.body_end,
        "proxy": proxy,
    });
    Diagnosis::BodyStalled {
        at,
        status: answer.status.as_u16(),
        bytes_read: answer.body.len(),
        timeout: probe.bounds().answer,
        evidence,
    }
}

/// The diagnosis of an exchange that got no response head (`h2`: HTTP/2 was spoken): what
/// the peer did, from the bytes it sent, with any verified fix tried.
pub(crate) async fn exchange_failed(
    probe: &Probe<'_>,
    addr: SocketAddr,
    failure: wire::Failure,
    app: &super::net::Recording,
    framing: wire::Framing,
    proxy: Option<&proxy::ProxyTarget>,
    at: Waiting,
) -> Diagnosis {
    let did = wire::peer_did(failure, app, framing.h2);
    let ev = serde_json::json!({
        "peer": did,
        "wire": app.evidence(),
        "proxy": proxy.map(|p| p.display.clone()),
    });
    if let Some(p) = proxy.filter(|_| framing.absolute_form) {
        return forward_proxy_failure(probe, at, p, forward_failure(did, app), ev);
    }
    failure_diagnosis(probe, addr, did, at, ev).await
}

/// What a failed exchange shows, with the verified fixes tried where one applies.
async fn failure_diagnosis(
    probe: &Probe<'_>,
    addr: SocketAddr,
    did: PeerDid,
    at: Waiting,
    evidence: serde_json::Value,
) -> Diagnosis {
    let grpc = probe.settings.protocol.value == Protocol::Grpc;
    let plaintext = !probe.endpoint.tls;
    let signal_path = probe.settings.signal.http_path();
    let other = |port: u16| SocketAddr::new(addr.ip(), port);
    let try_http_here = || {
        verify::try_http(
            probe,
            addr,
            Change::Http(Protocol::HttpProtobuf),
            Protocol::HttpProtobuf,
            signal_path,
            probe.settings.compression.value,
        )
    };
    match did {
        PeerDid::SpokeTls if plaintext => Diagnosis::PlaintextToTls {
            at,
            sign: TlsSign::TlsRecord,
            tried: vec![verify::try_tls(probe, addr).await],
            evidence,
        },
        PeerDid::SpokeHttp1 if grpc => {
            let mut tried = vec![try_http_here().await];
            // A TLS port may answer the plaintext preface with a generic HTTP/1 error page
            // (nginx `ssl http2`: `400 Bad Request`); only a ClientHello tells it apart.
            let tls = match !tried[0].worked && plaintext {
                true => Some(verify::try_tls(probe, addr).await),
                false => None,
            };
            match tls {
                Some(tls) if tls.speaks_tls() => {
                    let mut evidence = evidence;
                    evidence["ruled_out"] = serde_json::json!([tried[0].evidence()]);
                    Diagnosis::PlaintextToTls {
                        at,
                        sign: TlsSign::Http1Answer,
                        tried: vec![tls],
                        evidence,
                    }
                }
                _ => {
                    if !tried[0].worked && addr.port() != 4317 {
                        tried.push(verify::try_grpc(probe, other(4317)).await);
                    }
                    Diagnosis::GrpcToHttpPort {
                        at,
                        did,
                        tried,
                        evidence,
                    }
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
            Diagnosis::HttpToGrpcPort {
                at,
                did,
                tried,
                evidence,
            }
        }
        PeerDid::Reset | PeerDid::Closed => {
            // A gRPC port resets HTTP/1 requests; a TLS port may close on plaintext.
            if grpc {
                let tried = vec![try_http_here().await];
                if tried[0].worked {
                    return Diagnosis::GrpcToHttpPort {
                        at,
                        did,
                        tried,
                        evidence,
                    };
                }
            } else if did == PeerDid::Reset {
                let tried = vec![verify::try_grpc(probe, addr).await];
                if tried[0].worked {
                    return Diagnosis::HttpToGrpcPort {
                        at,
                        did,
                        tried,
                        evidence,
                    };
                }
            }
            if plaintext {
                let tried = vec![verify::try_tls(probe, addr).await];
                if tried[0].speaks_tls() {
                    return Diagnosis::PlaintextToTls {
                        at,
                        sign: TlsSign::Closed,
                        tried,
                        evidence,
                    };
                }
            }
            Diagnosis::Closed {
                at,
                addr,
                did,
                tls: probe.endpoint.tls,
                evidence,
            }
        }
        PeerDid::Silent => Diagnosis::Silent {
            at,
            timeout: probe.bounds().answer,
            evidence,
        },
        PeerDid::StreamReset { code: 7 } => Diagnosis::StreamRefused { at, evidence },
        other_did => Diagnosis::Unparseable {
            at,
            did: other_did,
            evidence,
        },
    }
}

/// The diagnosis when no connection could be opened.
pub(crate) fn open_failed(probe: &Probe<'_>, at: Waiting, e: OpenFailure) -> Diagnosis {
    match e {
        OpenFailure::InvalidProxy(invalid) => Diagnosis::ProxyInvalid { at, invalid },
        OpenFailure::Proxy(p, err) => {
            let evidence = serde_json::json!({ "proxy": p.display, "source": p.source, "error": proxy_error_evidence(&err) });
            Diagnosis::ProxyFailure {
                at,
                proxy: p,
                error: err,
                waited: probe.opts.timeout,
                forwarded: false,
                evidence,
            }
        }
        OpenFailure::TunnelTls {
            proxy: p,
            stalled,
            received,
        } => {
            let evidence = serde_json::json!({
                "proxy": p.display,
                "source": p.source,
                "tunnel": { "stalled": stalled, "bytes_received": received },
            });
            Diagnosis::ProxyTunnelTls {
                at,
                proxy: p,
                stalled,
                received,
                waited: probe.opts.timeout,
                evidence,
            }
        }
        OpenFailure::Net(err) => {
            let failure = match err {
                super::net::OpenError::Connect(c) => ReconnectFailure::Connect(c),
                super::net::OpenError::TlsSetup(s) => ReconnectFailure::Tls(s.to_string()),
                super::net::OpenError::Handshake { error, .. } => {
                    ReconnectFailure::Tls(error.kind().to_string())
                }
                super::net::OpenError::HandshakeTimeout { .. } => {
                    ReconnectFailure::Tls("timeout".to_string())
                }
            };
            Diagnosis::Reconnect { at, failure }
        }
    }
}

pub(crate) fn proxy_error_evidence(e: &proxy::ProxyError) -> serde_json::Value {
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
    at: Waiting,
    proxy: &proxy::ProxyTarget,
    error: proxy::ProxyError,
    mut evidence: serde_json::Value,
) -> Diagnosis {
    evidence["proxy"] = serde_json::json!(proxy.display);
    evidence["source"] = serde_json::json!(proxy.source);
    evidence["error"] = proxy_error_evidence(&error);
    // Through a forward proxy the exporter waits for its answer as long as for any answer.
    Diagnosis::ProxyFailure {
        at,
        proxy: proxy.clone(),
        error,
        waited: probe.bounds().answer,
        forwarded: true,
        evidence,
    }
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
    at: Waiting,
    framing: wire::Framing,
    proxy: Option<&proxy::ProxyTarget>,
    answer: &wire::Answer,
) -> Option<Diagnosis> {
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
    Some(forward_proxy_failure(probe, at, proxy, error, ev))
}

/// `grpc.health.v1.HealthCheckResponse`.
#[derive(Clone, PartialEq, prost::Message)]
struct HealthCheckResponse {
    #[prost(int32, tag = "1")]
    status: i32,
}
