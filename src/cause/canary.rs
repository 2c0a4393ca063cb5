//! Wording of the canary stage: one match over its diagnosis (`facts::diagnosis::Canary`)
//! picks the cause and writes the check's line, the finding and the report's error line.

use super::{Cause, Finding, Severity};
use crate::config::{ExporterKind, Sampler, Signal, Source};
use crate::facts::diagnosis::canary::{Diagnosis, Skip};
use crate::facts::{ExportFailure, SpanPartialSuccess};
use serde_json::json;
use std::time::Duration;

mod failed;
use failed::{canary_export_failed, matching};

/// The canary stage in words.
#[derive(Clone, Debug, PartialEq)]
pub struct Worded {
    /// The canary check's line.
    pub summary: String,
    pub finding: Option<Finding>,
    /// The report's `canary.error`, when the canary was not exported whole.
    pub error: Option<String>,
}

/// Words the canary's diagnosis; `probe_findings` (the traces findings of the stages before)
/// explain a failed export when one of them saw the same problem on the wire.
pub fn finding(d: &Diagnosis, probe_findings: &[Finding]) -> Worded {
    let worded = |summary: String, finding: Option<Finding>, error: Option<String>| Worded {
        summary,
        finding,
        error,
    };
    match d {
        Diagnosis::Skipped(skip) => worded(skip_reason(skip), None, None),
        Diagnosis::Unbuildable { error } => worded(
            "the pipeline could not be built".to_owned(),
            Some(canary_pipeline_unbuildable(error)),
            Some(error.clone()),
        ),
        Diagnosis::NotSampled { sampler, source } => worded(
            "the sampler dropped the canary".to_owned(),
            Some(canary_not_sampled(sampler, source)),
            None,
        ),
        Diagnosis::NoRecord { url, bound } => worded(
            "the canary export timed out".to_owned(),
            Some(canary_timeout(url, *bound, None)),
            Some(format!(
                "export did not finish within {} ms",
                bound.as_millis()
            )),
        ),
        Diagnosis::Exported {
            exporter,
            url,
            latency,
        } => {
            let to = match exporter {
                ExporterKind::Console => {
                    "standard error (console exporter, no collector)".to_owned()
                }
                ExporterKind::File(p) => format!("{} (file exporter, no collector)", p.display()),
                _ => url.clone(),
            };
            worded(canary_exported(&to, *latency), None, None)
        }
        Diagnosis::PartiallyRejected { url, partial } => worded(
            "the collector reported a partial success".to_owned(),
            Some(canary_partial_success(url, partial)),
            Some(format!(
                "partial success: {} span(s) rejected: {}",
                partial.rejected_spans, partial.message
            )),
        ),
        Diagnosis::TimedOut { url, took, failure } => worded(
            "the canary export failed".to_owned(),
            Some(canary_timeout(url, *took, Some(failure))),
            Some(failure.chain_text()),
        ),
        Diagnosis::Failed { url, failure } => {
            let matched = matching(&failure.kind, probe_findings);
            let summary = match matched.first() {
                // One cause, one error: the orchestrator files this failure under that finding.
                Some(first) => canary_failed_as_found(first.cause),
                None => "the canary export failed".to_owned(),
            };
            let f = canary_export_failed(url, failure, &matched);
            worded(summary, Some(f), Some(failure.chain_text()))
        }
    }
}

/// Why the canary was not sent: the canary check's line.
fn skip_reason(skip: &Skip) -> String {
    match skip {
        Skip::Disabled => "canary disabled (--no-canary)".to_owned(),
        Skip::NoExporter => "no usable traces exporter (see the config findings)".to_owned(),
        Skip::ProbesTimedOut(cause) => {
            format!("canary not sent: the probes already timed out on this path ({cause})")
        }
        Skip::SdkDisabled => "canary not sent: the SDK is disabled (OTEL_SDK_DISABLED)".to_owned(),
        Skip::ExporterNone => "canary not sent: the traces exporter is `none`".to_owned(),
    }
}

/// The canary line when a probe already found why the export fails: the failure is evidence
/// under that finding, not a second error.
fn canary_failed_as_found(cause: Cause) -> String {
    format!("the canary export failed too, for the reason found above ({cause}): see that finding")
}

/// A canary failure filed under the probe finding that explains it: what the exporter saw.
pub fn canary_as_evidence(canary: &Finding) -> serde_json::Value {
    json!({
        "summary": canary.summary,
        "explanation": canary.explanation,
        "evidence": canary.evidence,
    })
}

/// The pipeline could not even be built (bad TLS files, unwritable file, ...).
fn canary_pipeline_unbuildable(error: &str) -> Finding {
    Finding::new(
        Cause::CanaryExportFailed,
        Severity::Error,
        Some(Signal::Traces),
    )
    .text(
        "The canary was not sent: the runner's telemetry pipeline could not be built.",
        format!(
            "Building the exporter exactly as `runner run` does failed: {error}. The runner \
                 would start without exporting any trace."
        ),
        "Correct the setting named in the error (see the config findings), then run the \
             doctor again.",
    )
    .evidence(json!({ "error": error }))
}

/// The collector accepted the request but rejected spans (OTLP `partial_success`).
fn canary_partial_success(url: &str, partial: &SpanPartialSuccess) -> Finding {
    let severity = if partial.rejected_spans > 0 {
        Severity::Error
    } else {
        Severity::Warning
    };
    let message = if partial.message.is_empty() {
        "(no message)".to_owned()
    } else {
        partial.message.to_string()
    };
    Finding::new(Cause::CanaryPartialSuccess, severity, Some(Signal::Traces))
        .text(
            format!(
                "The collector accepted the export but rejected {} span(s): {message}",
                partial.rejected_spans
            ),
            format!(
                "{url} answered with success and a `partial_success` of rejected_spans={} and \
                 error_message \"{message}\". Most SDKs only log this (Python ignores it), so \
                 spans vanish while every export looks successful.",
                partial.rejected_spans
            ),
            "Read the collector's message: it names the part of the span it refused (an \
             attribute limit, a missing resource attribute, a processor rule). Change the \
             collector's limits or the runner's resource attributes accordingly.",
        )
        .evidence(json!({
            "rejected_spans": partial.rejected_spans,
            "error_message": partial.message,
        }))
}

/// The sampler dropped the canary before any exporter saw it.
fn canary_not_sampled(sampler: &Sampler, source: &Source) -> Finding {
    let drops_all = matches!(sampler, Sampler::AlwaysOff | Sampler::ParentBasedAlwaysOff)
        || matches!(sampler, Sampler::TraceIdRatio(r) | Sampler::ParentBasedTraceIdRatio(r) if *r <= 0.0);
    let severity = if drops_all {
        Severity::Error
    } else {
        Severity::Warning
    };
    let name = serde_json::to_value(sampler)
        .ok()
        .and_then(|v| v.get("name").and_then(|n| n.as_str().map(str::to_owned)))
        .unwrap_or_else(|| crate::config::global::sampler_name(sampler));
    Finding::new(Cause::CanaryNotSampled, severity, Some(Signal::Traces))
        .text(
            format!("The sampler ({name}, from {source}) dropped the canary span."),
            if drops_all {
                "The span was created unsampled, so the batch processor never handed it to the \
                 exporter: with this sampler no trace of the runner is ever exported."
                    .to_owned()
            } else {
                "The span was created unsampled, so it was never exported; with a ratio sampler \
                 only a share of traces is exported and this one was not."
                    .to_owned()
            },
            format!(
                "Set OTEL_TRACES_SAMPLER=parentbased_always_on (or `sampler` in the [otel] table), \
                 replacing the value from {source}, or raise OTEL_TRACES_SAMPLER_ARG."
            ),
        )
        .evidence(json!({ "sampler": sampler, "source": source.to_string() }))
}

/// The canary check's summary when it went through: `<1 ms` rather than a `0 ms` that reads
/// as if nothing happened.
fn canary_exported(to: &str, took: Duration) -> String {
    format!("canary exported to {to} in {}", super::latency(took))
}

/// The export did not finish within the bound.
fn canary_timeout(url: &str, bound: Duration, failure: Option<&ExportFailure>) -> Finding {
    Finding::new(Cause::CanaryTimeout, Severity::Error, Some(Signal::Traces))
        .text(
            format!(
                "The canary export to {url} did not finish within {} ms.",
                bound.as_millis()
            ),
            format!(
                "The runner's exporter sent the span and waited; {}. A collector (or a proxy in \
                 front of it) that accepts connections but answers slowly or never makes every \
                 export hang until its timeout, and the batch queue backs up.",
                failure
                    .map(|f| format!("it reported: {}", f.chain_text()))
                    .unwrap_or_else(|| "no answer came back before the doctor's bound".to_owned())
            ),
            "Check the collector's load and its exporters (a blocked pipeline applies back \
             pressure to the receiver); if the collector is just slow, raise the exporter's \
             timeout OTEL_EXPORTER_OTLP_TIMEOUT (milliseconds; `timeout` in the [otel] table): \
             the doctor's canary waits as long as the exporter does.",
        )
        .evidence(json!({ "bound_ms": bound.as_millis() as u64, "failure": failure }))
}

/// The canary and backend checks of signals other than traces.
pub const CANARY_TRACES_ONLY: &str = "the canary is sent for traces only";
pub const NO_CANARY_FOR_SIGNAL: &str = "no canary for this signal";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_canary_under_a_millisecond_reads_as_such() {
        let to = "http://127.0.0.1:4318/v1/traces";
        assert_eq!(
            canary_exported(to, Duration::from_micros(300)),
            format!("canary exported to {to} in <1 ms")
        );
        assert!(canary_exported(to, Duration::from_millis(2)).ends_with("in 2 ms"));
        assert!(canary_exported(to, Duration::from_millis(4100)).ends_with("in 4.1 s"));
        assert_eq!(crate::cause::latency(Duration::from_secs(10)), "10 s");
    }
}
