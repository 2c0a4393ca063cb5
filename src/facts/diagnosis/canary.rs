//! The canary stage's diagnosis: a real span through the runner's own pipeline, and what came
//! of it.

use crate::config::{ExporterKind, Sampler, Source};
use crate::facts::{ExportFailure, SpanPartialSuccess};
use std::time::Duration;

/// Why the canary was not sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Skip {
    /// `--no-canary`.
    Disabled,
    /// The config findings leave no exporter that could be built.
    NoExporter,
    /// A traces probe already waited its whole timeout (the code of the cause it named).
    ProbesTimedOut(&'static str),
    /// `OTEL_SDK_DISABLED`.
    SdkDisabled,
    /// The traces exporter is `none`.
    ExporterNone,
}

/// What the canary saw.
#[derive(Clone, Debug, PartialEq)]
pub enum Diagnosis {
    Skipped(Skip),
    /// The pipeline `runner run` would build could not be built (its error).
    Unbuildable {
        error: String,
    },
    /// The sampler dropped the span before any exporter saw it.
    NotSampled {
        sampler: Sampler,
        source: Source,
    },
    /// No export record for the span within `bound`: the export never finished.
    NoRecord {
        url: String,
        bound: Duration,
    },
    Exported {
        exporter: ExporterKind,
        url: String,
        latency: Duration,
    },
    PartiallyRejected {
        url: String,
        partial: SpanPartialSuccess,
    },
    /// The exporter's own timeout fired (`took` is how long the export ran).
    TimedOut {
        url: String,
        took: Duration,
        failure: ExportFailure,
    },
    /// The export failed: what came back (an answer, or a broken connection), typed.
    Failed {
        url: String,
        failure: ExportFailure,
    },
}
