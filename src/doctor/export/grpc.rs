//! The gRPC export: an empty `Export` call on the signal's OTLP service, classified by
//! HTTP status, content-type and grpc-status.

use crate::config::{Compression, Protocol};
use crate::doctor::protocol::{body_stalled, exchange_failed, open_failed};
use crate::doctor::protocol::{verify, wire};
use crate::doctor::Probe;
use crate::facts::answer::{classify, Class, Sent};
use crate::facts::diagnosis::export::{Answer as Seen, Diagnosis};
use crate::facts::diagnosis::protocol::Diagnosis as Failed;
use crate::facts::{Change, Waiting};
use std::net::SocketAddr;

/// The export call, on `ready` when it is still open, else on a fresh connection: its
/// diagnosis, or (`Err`) the protocol-level failure it met, as the protocol stage words it.
pub async fn run(
    probe: &Probe<'_>,
    addr: SocketAddr,
    ready: Option<wire::Ready>,
) -> Result<Diagnosis, Failed> {
    let gzip = probe.settings.compression.value == Compression::Gzip;
    let path = wire::export_path(probe.settings.signal);
    let req = || wire::grpc_request(probe, addr.port(), path, &[], gzip);
    let reused = match ready {
        Some(r) => wire::exchange_on(r, req(), probe.bounds()).await,
        None => None,
    };
    let ex = match reused {
        Some(ex) => ex,
        None => {
            let opened = match wire::open(probe, addr, true).await {
                Ok(o) => o,
                Err(e) => return Err(open_failed(probe, Waiting::Export, e)),
            };
            wire::exchange(opened.conn, true, req(), probe.bounds()).await
        }
    };
    let answer = match ex.result {
        Ok(a) => a,
        Err(failure) => {
            let how = Waiting::Export;
            let framing = wire::Framing::GRPC;
            return Err(exchange_failed(probe, addr, failure, &ex.app, framing, None, how).await);
        }
    };
    // A body that trickled made this stage wait its whole timeout (see export::http).
    let trickled = answer.body_end == wire::BodyEnd::TimedOut;
    let media = answer.media_type();
    let grpc_status: Option<u32> = answer
        .grpc_field("grpc-status")
        .and_then(|s| s.trim().parse().ok());
    // The server's words (percent-decoded, as gRPC sends them), kept as a quotation.
    let grpc_message = answer.grpc_field("grpc-message").map(|m| {
        let raw: Vec<u8> = percent_encoding::percent_decode_str(m).collect();
        crate::facts::peer_text::PeerText::from_bytes(&raw)
    });
    let sent = Sent {
        grpc: true,
        tls: probe.endpoint.tls,
    };
    let class = classify(&answer.facts(), sent);
    let is_grpc = answer.facts().is_grpc();
    let mut ev = serde_json::json!({
        "path": path,
        "http_status": answer.status.as_u16(),
        "content_type": media,
        "grpc_status": grpc_status,
        "grpc_message": grpc_message,
        "grpc_encoding_sent": gzip.then_some("gzip"),
        "grpc_accept_encoding": answer.header("grpc-accept-encoding"),
        "body_end": answer.body_end,
        "elapsed_ms": ex.elapsed.as_millis() as u64,
    });
    if trickled && is_grpc {
        // The status trailers never came: the stall is the finding.
        return Err(body_stalled(probe, Waiting::Export, &answer, None));
    }
    if !is_grpc {
        ev["body"] = wire::quote(&answer.body, probe.opts.verbose)
            .as_str()
            .into();
    }
    let seen = |ev| Seen {
        class,
        status: answer.status.as_u16(),
        media_type: media.clone(),
        message: grpc_message.clone(),
        body_empty: answer.body.is_empty(),
        www_authenticate: None,
        location: None,
        allow: None,
        retry_after: None,
        stalled: trickled,
        evidence: ev,
    };
    let tried = match class {
        Class::Accepted => {
            let partial = wire::grpc_message(&answer.body)
                .and_then(|m| super::decode_response_protobuf(&m).ok())
                .flatten();
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
        Class::Grpc { code: 12 } if gzip => {
            let accepts_gzip = answer
                .header("grpc-accept-encoding")
                .map(|v| v.split(',').any(|e| e.trim() == "gzip"));
            let lower = grpc_message
                .as_ref()
                .map(|m| m.as_str().to_ascii_lowercase())
                .unwrap_or_default();
            let refused = accepts_gzip == Some(false)
                || lower.contains("compress")
                || lower.contains("encoding");
            if refused {
                let tried = vec![verify::try_grpc_as(probe, addr, Change::NoCompression).await];
                return Ok(Diagnosis::Grpc {
                    answer: seen(ev),
                    method: path,
                    tried,
                    compression_refused: true,
                });
            }
            vec![]
        }
        // An HTTP/2-capable OTLP/HTTP port answers gRPC with a plain 404: try OTLP/HTTP there.
        Class::NotGrpc | Class::PlaintextToTls { .. } | Class::ClientCertRequired => {
            vec![
                verify::try_http(
                    probe,
                    addr,
                    Change::Http(Protocol::HttpProtobuf),
                    Protocol::HttpProtobuf,
                    probe.settings.signal.http_path(),
                    probe.settings.compression.value,
                )
                .await,
            ]
        }
        _ => vec![],
    };
    Ok(Diagnosis::Grpc {
        answer: seen(ev),
        method: path,
        tried,
        compression_refused: false,
    })
}
