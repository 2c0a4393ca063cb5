//! The canary stage: a real span through the runner's own telemetry pipeline.

use super::{DoctorOptions, StageResult};
use crate::cause::{Finding, Stage};
use crate::config::{Loaded, Signal};
use crate::report::Canary;

/// Sends the canary through the pipeline `runner run` would build, for the traces signal.
/// `probe_findings` are the network findings for traces, used to explain a failed export.
pub async fn run(
    loaded: &Loaded,
    opts: &DoctorOptions,
    probe_findings: &[Finding],
) -> (StageResult, Canary) {
    let _ = (loaded, opts, probe_findings, Signal::Traces);
    (
        StageResult::skip(Stage::Canary, "canary not implemented yet"),
        Canary::default(),
    )
}
