//! The OTLP/HTTP export: an empty POST to the effective URL, classified by status code,
//! content-type and decoded body.

use crate::config::{Compression, Protocol, Signal};
use crate::doctor::protocol::verify;
use crate::doctor::protocol::wire::{self, Answer};
use crate::doctor::protocol::{body_stalled, exchange_failed, forward_proxy_refused, open_failed};
use crate::doctor::Probe;
use crate::facts::answer::{classify, Class, HttpClass, Sent};
use crate::facts::diagnosis::export::{Answer as Seen, Diagnosis};
use crate::facts::diagnosis::protocol::Diagnosis as Failed;
use crate::facts::{Change, PathProblem, Tried, Waiting};
use std::net::SocketAddr;

/// The export POST, on `ready` when it is still open, else on a fresh connection: its
/// diagnosis, or (`Err`) the protocol-level failure it met, as the protocol stage words it.
pub async fn run(
    probe: &Probe<'_>,
    addr: SocketAddr,
    ready: Option<wire::Ready>,
) -> Result<Diagnosis, Failed> {
    let path = wire::url_path(probe);
    let protocol = probe.settings.protocol.value;
    let compression = probe.settings.compression.value;
    let req =
        |framing| wire::http_request(probe, framing, addr.port(), &path, protocol, compression);
    let reused = match ready {
        Some(r) => {
            let (framing, target) = (r.framing(), r.proxy().cloned());
            let req = req(framing);
            let ex = wire::exchange_on(r, req, probe.bounds()).await;
            ex.map(|ex| (ex, framing, target))
        }
        None => None,
    };
    let (ex, framing, target) = match reused {
        Some(x) => x,
        None => {
            let opened = match wire::open(probe, addr, false).await {
                Ok(o) => o,
                Err(e) => return Err(open_failed(probe, Waiting::Export, e)),
            };
            let framing = opened.framing();
            let req = req(framing);
            let ex = wire::exchange(opened.conn, framing.h2, req, probe.bounds()).await;
            (ex, framing, opened.proxy)
        }
    };
    let proxy = target.as_ref().map(|p| p.display.clone());
    let answer = match ex.result {
        Ok(a) => a,
        Err(failure) => {
            let how = Waiting::Export;
            let p = target.as_ref();
            return Err(exchange_failed(probe, addr, failure, &ex.app, framing, p, how).await);
        }
    };
    if let Some(r) =
        forward_proxy_refused(probe, Waiting::Export, framing, target.as_ref(), &answer)
    {
        return Err(r);
    }
    // A body that trickled made this stage wait its whole timeout: whatever the answer is
    // judged to be, the path blocks (`stalled`), and later stages do not wait for it again.
    let trickled = answer.body_end == wire::BodyEnd::TimedOut;
    let media = answer.media_type();
    let status = answer.status.as_u16();
    let decoded = super::decode_status(&answer.body, media.as_deref());
    let mut ev = serde_json::json!({
        "method": "POST",
        // The Settings block's redaction of URLs: a key in the query string is not shown.
        "path": crate::redact::redact_url(&path),
        "http_version": crate::facts::http_version(answer.version),
        "status": status,
        "content_type": media,
        "content_encoding_sent": (compression == Compression::Gzip).then_some("gzip"),
        "body": wire::quote(&answer.body, probe.opts.verbose),
        "body_end": answer.body_end,
        "proxy": proxy,
        "elapsed_ms": ex.elapsed.as_millis() as u64,
    });
    if let Some((code, message)) = &decoded {
        ev["status_body"] = serde_json::json!({ "code": code, "message": message });
    }
    let message = decoded.map(|(_, m)| m);
    let sent = Sent {
        grpc: false,
        tls: probe.endpoint.tls,
    };
    let class = classify(&answer.facts(), sent);
    if class == Class::Accepted {
        match success(probe, &answer, media.as_deref()) {
            Ok(_) if trickled => {
                return Err(body_stalled(
                    probe,
                    Waiting::Export,
                    &answer,
                    proxy.as_deref(),
                ))
            }
            Ok(partial) => {
                if let Some(p) = &partial {
                    ev["partial_success"] = p.evidence(probe.settings.signal);
                }
                return Ok(Diagnosis::Accepted {
                    partial,
                    took: ex.elapsed,
                    slow: false,
                    evidence: ev,
                });
            }
            Err(_) => {}
        }
    }
    let answer_facts = |ev| Seen {
        class,
        status,
        media_type: media.clone(),
        message: message.clone(),
        body_empty: answer.body.is_empty(),
        www_authenticate: answer.header("www-authenticate").map(str::to_owned),
        location: answer.header("location").map(str::to_owned),
        allow: answer.header("allow").map(str::to_owned),
        retry_after: answer.header("retry-after").map(str::to_owned),
        stalled: trickled,
        evidence: ev,
    };
    let tried = match class {
        Class::Accepted => return Ok(Diagnosis::NotOtlp(answer_facts(ev))),
        Class::PlaintextToTls { .. } => vec![verify::try_tls(probe, addr).await],
        Class::Http {
            class: HttpClass::NotFound,
        } => {
            let problem = analyse_path(&path, probe.settings.signal);
            let tried = try_corrected_path(probe, addr, &problem).await;
            ev["path_analysis"] = serde_json::to_value(&problem).unwrap_or_default();
            return Ok(Diagnosis::NotFound {
                answer: answer_facts(ev),
                path,
                problem,
                tried,
            });
        }
        Class::Http {
            class: HttpClass::BadRequest,
        } => bad_request_retry(probe, addr, &path)
            .await
            .into_iter()
            .collect(),
        Class::Http {
            class: HttpClass::UnsupportedMediaType,
        } => {
            let same = |change, protocol, compression| {
                verify::try_http(probe, addr, change, protocol, &path, compression)
            };
            let mut tried = vec![];
            if compression == Compression::Gzip {
                tried.push(same(Change::NoCompression, protocol, Compression::None).await);
            }
            if !tried.iter().any(|t| t.worked) {
                let other = match protocol {
                    Protocol::HttpJson => Protocol::HttpProtobuf,
                    _ => Protocol::HttpJson,
                };
                tried = vec![same(Change::Http(other), other, compression).await];
            }
            tried
        }
        _ => vec![],
    };
    Ok(Diagnosis::Http {
        answer: answer_facts(ev),
        tried,
    })
}

/// A bare 400: some receivers and proxies refuse a codec with 400 rather than 415, so the
/// retry is the evidence, not the status alone. Without compression when gzip was sent; as
/// protobuf when JSON was sent (a receiver that takes only protobuf). The retry that worked.
async fn bad_request_retry(probe: &Probe<'_>, addr: SocketAddr, path: &str) -> Option<Tried> {
    let protocol = probe.settings.protocol.value;
    let compression = probe.settings.compression.value;
    if compression == Compression::Gzip {
        let t = verify::try_http(
            probe,
            addr,
            Change::NoCompression,
            protocol,
            path,
            Compression::None,
        )
        .await;
        if t.worked {
            return Some(t);
        }
    }
    if protocol == Protocol::HttpJson {
        let proto = Protocol::HttpProtobuf;
        let t = verify::try_http(probe, addr, Change::Http(proto), proto, path, compression).await;
        if t.worked {
            return Some(t);
        }
    }
    None
}

/// A 2xx answer is an OTLP response when its content-type and body decode as one.
fn success(
    probe: &Probe<'_>,
    answer: &Answer,
    media: Option<&str>,
) -> Result<Option<super::PartialSuccess>, super::NotAResponse> {
    match media {
        Some("application/x-protobuf") | Some("application/protobuf") => {
            super::decode_response_protobuf(&answer.body)
        }
        Some("application/json") => {
            if answer.body.is_empty() {
                return Ok(None);
            }
            super::decode_response_json(&answer.body, probe.settings.signal)
        }
        _ => Err(super::NotAResponse),
    }
}

/// 404: is the path missing `/v1/<signal>`, duplicating it, or naming another signal? Try the
/// corrected path once.
async fn try_corrected_path(
    probe: &Probe<'_>,
    addr: SocketAddr,
    problem: &PathProblem,
) -> Vec<Tried> {
    match problem {
        PathProblem::LooksRight => vec![],
        PathProblem::Missing { corrected }
        | PathProblem::Duplicated { corrected }
        | PathProblem::OtherSignal { corrected } => vec![
            verify::try_http(
                probe,
                addr,
                Change::Path(corrected.clone()),
                probe.settings.protocol.value,
                corrected,
                probe.settings.compression.value,
            )
            .await,
        ],
    }
}

/// What is wrong with a URL path (with optional query) for `signal`.
pub fn analyse_path(path_and_query: &str, signal: Signal) -> PathProblem {
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, format!("?{q}")),
        None => (path_and_query, String::new()),
    };
    let trimmed = path.trim_end_matches('/');
    let own = signal.http_path();
    if let Some(base) = trimmed.strip_suffix(own) {
        if base.ends_with(own) {
            return PathProblem::Duplicated {
                corrected: format!("{base}{query}"),
            };
        }
        return PathProblem::LooksRight;
    }
    for other in Signal::ALL.iter().filter(|s| **s != signal) {
        if let Some(base) = trimmed.strip_suffix(other.http_path()) {
            return PathProblem::OtherSignal {
                corrected: format!("{base}{own}{query}"),
            };
        }
    }
    PathProblem::Missing {
        corrected: format!("{trimmed}{own}{query}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_analysed() {
        let t = Signal::Traces;
        assert_eq!(analyse_path("/v1/traces", t), PathProblem::LooksRight);
        assert_eq!(analyse_path("/otlp/v1/traces/", t), PathProblem::LooksRight);
        assert_eq!(
            analyse_path("/", t),
            PathProblem::Missing {
                corrected: "/v1/traces".into()
            }
        );
        assert_eq!(
            analyse_path("/otlp?x=1", t),
            PathProblem::Missing {
                corrected: "/otlp/v1/traces?x=1".into()
            }
        );
        assert_eq!(
            analyse_path("/v1/traces/v1/traces", t),
            PathProblem::Duplicated {
                corrected: "/v1/traces".into()
            }
        );
        assert_eq!(
            analyse_path("/v1/metrics", t),
            PathProblem::OtherSignal {
                corrected: "/v1/traces".into()
            }
        );
    }
}
