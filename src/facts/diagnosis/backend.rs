//! What the backend stage saw: whether the trace-by-id API showed the canary.

use crate::facts::Skip;
use std::time::Duration;

/// Which trace store was asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendKind {
    Jaeger,
    Tempo,
}

/// The backend stage's diagnosis.
#[derive(Debug)]
pub enum Diagnosis {
    /// The stage did not run.
    Skipped(Skip),
    /// The backend shows the canary's trace.
    Found { kind: BackendKind, trace_id: String },
    /// The backend at `url` could not be queried: proof neither way.
    Unqueryable { kind: BackendKind, url: String },
    /// The backend answered but did not show the canary within `waited`.
    NotFound {
        kind: BackendKind,
        url: String,
        trace_id: String,
        waited: Duration,
    },
}
