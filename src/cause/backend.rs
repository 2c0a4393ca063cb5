//! Wording of the backend stage: one match over what it saw (`facts::diagnosis::Backend`).

use super::{Cause, Finding, Severity, Stage};
use crate::config::Signal;
use crate::facts::diagnosis::backend::{BackendKind, Diagnosis};
use serde_json::json;
use std::time::Duration;

fn name(kind: BackendKind) -> &'static str {
    match kind {
        BackendKind::Jaeger => "Jaeger",
        BackendKind::Tempo => "Tempo",
    }
}

/// The stage's check summary.
pub fn summary(d: &Diagnosis) -> String {
    match d {
        Diagnosis::Skipped(why) => super::skip_text::reason(*why).to_string(),
        Diagnosis::Found { kind, trace_id } => format!("{} shows trace {trace_id}", name(*kind)),
        Diagnosis::Unqueryable { kind, url } => {
            format!("{} at {url} could not be queried", name(*kind))
        }
        Diagnosis::NotFound { kind, waited, .. } => format!(
            "{} did not show the canary within {} ms",
            name(*kind),
            waited.as_millis()
        ),
    }
}

/// The stage's finding: the canary that did not arrive, or nothing.
pub fn finding(d: &Diagnosis) -> Option<Finding> {
    match d {
        Diagnosis::Skipped(_) | Diagnosis::Found { .. } | Diagnosis::Unqueryable { .. } => None,
        Diagnosis::NotFound {
            kind,
            url,
            trace_id,
            waited,
        } => Some(canary_not_in_backend(name(*kind), url, trace_id, *waited)),
    }
}

/// The collector accepted the canary but the backend never showed it.
pub fn canary_not_in_backend(
    backend: &str,
    url: &str,
    trace_id: &str,
    waited: Duration,
) -> Finding {
    Finding::new(
        Cause::CanaryNotInBackend,
        Severity::Error,
        Some(Signal::Traces),
    )
    .at_stage(Stage::Backend)
    .text(
        format!(
            "The collector accepted the canary, but {backend} at {url} did not show trace \
                 {trace_id} within {} ms.",
            waited.as_millis()
        ),
        "The export succeeded, so the runner's side is fine: the span was lost after the \
             collector took it. Typical causes: the collector's traces pipeline lacks this \
             receiver, its exporter to the backend fails (see the collector's log), a sampling \
             or filter processor drops it, or the backend ingests slowly.",
        "Look at the collector's `service.pipelines.traces` (receivers, processors, \
             exporters) and its log for export errors to the backend; then run the doctor \
             again, with a larger --timeout if the backend is slow to index.",
    )
    .evidence(json!({
        "backend": backend,
        "url": url,
        "trace_id": trace_id,
        "waited_ms": waited.as_millis() as u64,
    }))
}

/// The backend check's summary when no canary was sent.
pub const NO_CANARY_SENT: &str = "no canary was sent";
