//! Wording of passing checks, the health-check note, and reconnect failures.

use super::describe::grpc_code_name;
use crate::cause::{Cause, Finding, Severity, Stage};
use crate::facts::diagnosis::protocol::ReconnectFailure;
use crate::facts::{ConnectFailure, Target};

/// The protocol check's summary for a gRPC endpoint that speaks HTTP/2.
pub fn speaks_h2_summary(probe: &Target<'_>) -> String {
    format!(
        "{} speaks HTTP/2{}",
        probe.endpoint.display,
        if probe.endpoint.tls {
            " over TLS"
        } else {
            " (h2c, prior knowledge)"
        }
    )
}

/// The protocol check's summary for an HTTP endpoint that answered.
pub fn speaks_http_summary(probe: &Target<'_>, version: http::Version, status: u16) -> String {
    format!(
        "{} answers {} (status {status} to an empty export)",
        probe.endpoint.display,
        crate::facts::http_version(version)
    )
}

/// What the `grpc.health.v1` answer means (information only).
pub fn health_note(grpc_status: Option<u32>, http_status: u16) -> String {
    match grpc_status {
        Some(0) => "grpc.health.v1 answered OK".into(),
        Some(5) | Some(12) => format!(
            "grpc.health.v1 is not registered ({}): normal for the OpenTelemetry Collector, \
             which does not serve it on its OTLP port; the export stage checks the OTLP service",
            grpc_code_name(grpc_status.unwrap_or(12))
        ),
        Some(code) => format!(
            "grpc.health.v1 answered {} ({code}); information only",
            grpc_code_name(code)
        ),
        None => format!(
            "grpc.health.v1 got a non-gRPC answer (HTTP {http_status}); the export stage \
             classifies the OTLP service's answer"
        ),
    }
}

/// Opening a connection again failed although the earlier stages passed.
pub fn reconnect_failed(probe: &Target<'_>, stage: Stage, failure: &ReconnectFailure) -> Finding {
    let (cause, detail) = match failure {
        ReconnectFailure::Connect(c) => (
            match c {
                ConnectFailure::Refused => Cause::TcpRefused,
                ConnectFailure::Timeout => Cause::TcpTimeout,
                ConnectFailure::Reset => Cause::AcceptThenClose,
                ConnectFailure::Unreachable | ConnectFailure::Other(_) => Cause::TcpUnreachable,
            },
            c.to_string(),
        ),
        ReconnectFailure::Tls(detail) => (Cause::TlsHandshakeFailed, detail.clone()),
    };
    let detail = detail.as_str();
    Finding::new(cause, Severity::Error, Some(probe.settings.signal))
        .at_stage(stage)
        .text(
            format!(
                "Connecting to {} again for the {stage} stage failed ({detail}).",
                probe.endpoint.display
            ),
            "The earlier stages connected, then a new connection failed: the endpoint is \
             unstable (restarting, overloaded, or a load balancer with flapping backends).",
            "Check the collector's restarts and health, and run the doctor again.",
        )
        .evidence(serde_json::json!({ "error": detail }))
}
