//! Wording of a canary export that failed: the probe findings that explain it, or the answer's
//! class (a body limit, the memory limiter, credentials), or neither.

use crate::cause::{Cause, Finding, Severity, Stage};
use crate::config::Signal;
use crate::facts::answer::{BodySign, Class};
use crate::facts::{ExportFailure, FailureKind};
use serde_json::json;

/// The probe findings that explain a failure of this kind: network stages for a broken
/// connection; for a refusal (an HTTP or gRPC status), the stages that see a server answer:
/// TLS too, since a server may complete the handshake and then refuse every request over it
/// (nginx: `400 No required SSL certificate was sent`, `400 The plain HTTP request was sent
/// to HTTPS port`).
pub(super) fn matching<'a>(kind: &FailureKind, probe_findings: &'a [Finding]) -> Vec<&'a Finding> {
    let stages: &[Stage] = match kind {
        FailureKind::Transport | FailureKind::Timeout => &[
            Stage::Dns,
            Stage::Tcp,
            Stage::Tls,
            Stage::Protocol,
            Stage::Export,
        ],
        FailureKind::HttpStatus { .. }
        | FailureKind::GrpcStatus { .. }
        | FailureKind::ClientRejected { .. } => {
            &[Stage::Tls, Stage::Protocol, Stage::Export, Stage::Config]
        }
        FailureKind::Exporter => &[Stage::Config],
    };
    probe_findings
        .iter()
        .filter(|f| f.severity == Severity::Error && stages.contains(&f.stage))
        .filter(|f| f.signal.is_none_or(|s| s == Signal::Traces))
        .collect()
}

/// The canary could not be exported. `matched` are the probe findings that explain it; with
/// none, the answer's classification (the one the probes and the metrics use) names the cause.
pub(super) fn canary_export_failed(
    url: &str,
    failure: &ExportFailure,
    matched: &[&Finding],
) -> Finding {
    let what = failure_what(failure);
    let classified = failure
        .class()
        .and_then(|class| crate::cause::answer::cause_of(class).map(|c| (class, c)));
    if let (None, Some((class, cause))) = (matched.first(), classified) {
        return canary_refused(url, failure, &what, class, cause);
    }
    canary_unexplained(url, failure, &what, matched)
}

/// What came back to the canary's export, as a phrase.
fn failure_what(failure: &ExportFailure) -> String {
    match &failure.kind {
        // Only a proxy sends 407: the request did not reach the collector.
        FailureKind::HttpStatus { status: 407 } => {
            "a proxy answered HTTP 407 (Proxy Authentication Required)".to_owned()
        }
        FailureKind::HttpStatus { status } => format!("the collector answered HTTP {status}"),
        FailureKind::GrpcStatus { code, message } => {
            format!("the collector answered gRPC status {code} ({message})")
        }
        FailureKind::ClientRejected { code, message } => format!(
            "the runner's own gRPC client refused the collector's answer (it raised status \
             {code} itself: {message}; the collector sent no such status)"
        ),
        FailureKind::Transport => "no answer came back: the connection failed".to_owned(),
        FailureKind::Timeout => "no answer came back in time".to_owned(),
        FailureKind::Exporter => "the exporter itself failed".to_owned(),
    }
}

/// A canary failure no probe finding and no answer class explains.
fn canary_unexplained(
    url: &str,
    failure: &ExportFailure,
    what: &str,
    matched: &[&Finding],
) -> Finding {
    let (explanation, fix) = match matched.first() {
        Some(first) => (
            format!(
                "The runner's own exporter sent a real span to {url} and {what}: {}. The probes \
                 saw the same problem on the wire: {}.",
                failure.chain_text(),
                matched
                    .iter()
                    .map(|f| format!("{} ({})", f.cause.code(), f.summary))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            format!("Fix the probe finding first: {}", first.fix),
        ),
        None => (
            format!(
                "The runner's own exporter sent a real span to {url} and {what}: {}. The probes \
                 found nothing wrong on the path, so the exporter's request itself was refused \
                 or broken.",
                failure.chain_text()
            ),
            "Compare the exporter's settings in the report (protocol, headers, compression, \
             TLS files) with what the collector expects, and read the error chain above."
                .to_owned(),
        ),
    };
    Finding::new(
        Cause::CanaryExportFailed,
        Severity::Error,
        Some(Signal::Traces),
    )
    .text(
        format!("The canary span was not exported: {what}."),
        explanation,
        fix,
    )
    .evidence(json!({
        "failure": failure,
        "matched_findings": matched.iter().map(|f| f.cause.code()).collect::<Vec<_>>(),
    }))
}

/// The canary's export was refused with an answer that names its cause (a 413 from a body
/// limit, RESOURCE_EXHAUSTED, a 401 from an auth front), while the probes' empty export went
/// through: the refusal depends on what a real export carries.
fn canary_refused(
    url: &str,
    failure: &ExportFailure,
    what: &str,
    class: Class,
    cause: Cause,
) -> Finding {
    let (why, fix) = match cause {
        Cause::HttpPayloadTooLarge => (
            "its size: a body limit in the receiver or in a proxy in front of it is smaller \
             than one span's export, and the runner's batches (up to 512 spans) are bigger \
             still",
            "Raise the body limit where the answer came from: nginx `client_max_body_size`, \
             the collector's `max_request_body_size` on its OTLP/HTTP receiver.",
        ),
        Cause::GrpcResourceExhausted => (
            "its size or the collector's load: the gRPC receiver's message size limit \
             (`max_recv_msg_size_mib`, 4 MiB by default) or a memory limit refused it; the \
             collector's message says which",
            "Raise `max_recv_msg_size_mib` on the collector's OTLP/gRPC receiver (or the \
             proxy's body limit) when the message names the size; when it names memory, give \
             the collector more memory or look at its `memory_limiter`.",
        ),
        Cause::HttpAuthRejected | Cause::GrpcUnauthenticated => (
            "its content: the credentials are checked only on exports that carry data, and \
             these were refused",
            "Set the header the receiver expects (usually `authorization=Bearer <token>`) in \
             OTEL_EXPORTER_OTLP_HEADERS or `otel.headers`, and check the token is valid.",
        ),
        Cause::HttpUpstreamUnavailable | Cause::GrpcUnavailable
            if failure.sign() == Some(BodySign::MemoryLimiterRefused) =>
        {
            (
                "what reaches the collector's pipeline: the collector itself refused the span \
                 because its `memory_limiter` processor is over its limit (`data refused due to \
                 high memory usage`); an empty export never reaches that processor. No proxy or \
                 load balancer is involved",
                crate::cause::export::memory_limiter_fix(),
            )
        }
        Cause::CompressionUnsupported => (
            "its encoding: the receiver cannot decode the configured compression",
            "Turn compression off (OTEL_EXPORTER_OTLP_COMPRESSION=none or `compression: none`), \
             or add gzip to the receiver's `compression_algorithms`.",
        ),
        Cause::HttpUpstreamUnavailable | Cause::GrpcUnavailable | Cause::HttpThrottled => (
            "the collector's state when data arrives: a gateway with no live upstream, or a \
             collector refusing data it cannot take now (its queue is full, its memory \
             limiter refuses, it rate-limits)",
            "Check the collector behind the endpoint: its log at the time of the canary, its \
             exporters and its queue (`runner doctor collector --metrics-url URL` reads them).",
        ),
        _ => (
            "what a real export carries: the receiver refused the span itself",
            "Read the error chain above and the receiver's log at the time of the canary.",
        ),
    };
    Finding::new(cause, Severity::Error, Some(Signal::Traces))
        .at_stage(Stage::Canary)
        .text(
            format!("The canary span was not exported: {what}."),
            format!(
                "The runner's own exporter sent a real span to {url} and {what}: {}. The probes' \
                 empty export went through, so the refusal depends on {why}.",
                failure.chain_text()
            ),
            fix,
        )
        .evidence(json!({
            "failure": failure,
            "class": class,
            "matched_findings": [],
        }))
}
