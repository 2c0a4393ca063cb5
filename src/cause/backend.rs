//! Wording of the backend stage: one match over what it saw (`facts::diagnosis::Backend`).

use super::Finding;
use crate::facts::diagnosis::backend::{BackendKind, Diagnosis};

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
        } => Some(super::pipeline_text::canary_not_in_backend(
            name(*kind),
            url,
            trace_id,
            *waited,
        )),
    }
}
