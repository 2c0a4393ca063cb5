//! The export stage: an empty OTLP export request, its answer classified from typed values
//! (status code, content-type, grpc-status, decoded bodies).

pub mod grpc;
pub mod http;

use super::protocol::wire::Ready;
use super::Probe;
use crate::config::{Protocol, Signal};
pub use crate::facts::diagnosis::export::Diagnosis;
use crate::facts::diagnosis::protocol::Diagnosis as Failed;
use crate::facts::peer_text::PeerText;
use crate::facts::pipeline::rejected_field;
use std::net::SocketAddr;
use std::time::Instant;

/// Runs the export stage against `addr` (a TCP address that connected; TLS passed if used).
pub async fn run(probe: &Probe<'_>, addr: SocketAddr) -> Result<Diagnosis, Failed> {
    run_on(probe, addr, None).await
}

/// Runs the export stage on `ready` (the protocol stage's connection, see
/// `protocol::run_keep`) when it is still open, else on a connection of its own: its
/// diagnosis, or (`Err`) the protocol-level failure it met (the protocol stage's diagnosis).
pub async fn run_on(
    probe: &Probe<'_>,
    addr: SocketAddr,
    ready: Option<Ready>,
) -> Result<Diagnosis, Failed> {
    let started = Instant::now();
    let result = if probe.settings.protocol.value == Protocol::Grpc {
        grpc::run(probe, addr, ready).await
    } else {
        http::run(probe, addr, ready).await
    };
    let took = started.elapsed();
    match result {
        Ok(Diagnosis::Accepted {
            partial, evidence, ..
        }) => Ok(Diagnosis::Accepted {
            partial,
            took,
            slow: slow(probe, took),
            evidence,
        }),
        other => other,
    }
}

/// An answer is slow when it took longer than the doctor's own step bound or half the
/// exporter's timeout: it worked, with little room left.
fn slow(probe: &Probe<'_>, took: std::time::Duration) -> bool {
    took > probe.opts.timeout.min(probe.settings.timeout.value / 2)
}

/// `google.rpc.Status`, the body of OTLP error answers.
#[derive(Clone, PartialEq, prost::Message)]
pub struct RpcStatus {
    #[prost(int32, tag = "1")]
    pub code: i32,
    #[prost(string, tag = "2")]
    pub message: String,
    #[prost(message, repeated, tag = "3")]
    pub details: Vec<Any>,
}

/// `google.protobuf.Any`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Any {
    #[prost(string, tag = "1")]
    pub type_url: String,
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
}

pub use crate::facts::PartialSuccess;

/// The body is not an OTLP export response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotAResponse;

/// Decodes a protobuf export response. The three signals' responses share one wire layout
/// (field 1: partial_success { int64 rejected = 1; string error_message = 2 }), so the trace
/// type decodes all of them. `Err` when the bytes are not such a message.
pub fn decode_response_protobuf(body: &[u8]) -> Result<Option<PartialSuccess>, NotAResponse> {
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
    let msg =
        <ExportTraceServiceResponse as prost::Message>::decode(body).map_err(|_| NotAResponse)?;
    Ok(msg
        .partial_success
        .filter(|p| p.rejected_spans != 0 || !p.error_message.is_empty())
        .map(|p| PartialSuccess {
            rejected: p.rejected_spans,
            message: PeerText::from_text(&p.error_message),
        }))
}

/// Decodes a JSON export response (`{}` or `{"partialSuccess": {...}}`).
pub fn decode_response_json(
    body: &[u8],
    signal: Signal,
) -> Result<Option<PartialSuccess>, NotAResponse> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|_| NotAResponse)?;
    let obj = value.as_object().ok_or(NotAResponse)?;
    let Some(p) = obj
        .get("partialSuccess")
        .or_else(|| obj.get("partial_success"))
    else {
        return Ok(None);
    };
    let camel = match signal {
        Signal::Traces => "rejectedSpans",
        Signal::Metrics => "rejectedDataPoints",
        Signal::Logs => "rejectedLogRecords",
    };
    let rejected = p
        .get(camel)
        .or_else(|| p.get(rejected_field(signal)))
        .and_then(|v| {
            v.as_i64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        })
        .unwrap_or(0);
    let message = p
        .get("errorMessage")
        .or_else(|| p.get("error_message"))
        .and_then(|v| v.as_str())
        .map(PeerText::from_text)
        .unwrap_or_default();
    Ok((rejected != 0 || !message.is_empty()).then_some(PartialSuccess { rejected, message }))
}

/// The `google.rpc.Status` in an error body (protobuf or JSON), if it is one.
pub fn decode_status(body: &[u8], media_type: Option<&str>) -> Option<(i32, PeerText)> {
    match media_type? {
        "application/x-protobuf" | "application/protobuf" => {
            let s = <RpcStatus as prost::Message>::decode(body).ok()?;
            (s.code != 0 || !s.message.is_empty())
                .then_some((s.code, PeerText::from_text(&s.message)))
        }
        "application/json" => {
            let v: serde_json::Value = serde_json::from_slice(body).ok()?;
            let message = PeerText::from_text(v.get("message")?.as_str()?);
            let code = v.get("code").and_then(|c| c.as_i64()).unwrap_or(0) as i32;
            Some((code, message))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_partial_success_and_status() {
        use opentelemetry_proto::tonic::collector::trace::v1::{
            ExportTracePartialSuccess, ExportTraceServiceResponse,
        };
        let resp = ExportTraceServiceResponse {
            partial_success: Some(ExportTracePartialSuccess {
                rejected_spans: 3,
                error_message: "bad".into(),
            }),
        };
        let bytes = prost::Message::encode_to_vec(&resp);
        let p = decode_response_protobuf(&bytes).unwrap().unwrap();
        assert_eq!((p.rejected, p.message.as_str()), (3, "bad"));
        assert_eq!(decode_response_protobuf(b""), Ok(None));
        assert!(decode_response_protobuf(b"<html>").is_err());
        let j = br#"{"partialSuccess":{"rejectedLogRecords":"2","errorMessage":"x"}}"#;
        let p = decode_response_json(j, Signal::Logs).unwrap().unwrap();
        assert_eq!(p.rejected, 2);
        assert_eq!(decode_response_json(b"{}", Signal::Traces), Ok(None));
        let st = RpcStatus {
            code: 16,
            message: "missing token".into(),
            details: vec![],
        };
        let bytes = prost::Message::encode_to_vec(&st);
        assert_eq!(
            decode_status(&bytes, Some("application/x-protobuf")),
            Some((16, PeerText::from_text("missing token")))
        );
    }
}
