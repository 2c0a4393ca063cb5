//! The export stage: an empty OTLP export request, its answer classified.

use super::{Probe, StageResult};
use crate::cause::Stage;
use std::net::SocketAddr;

/// Temporary stub (the `proto` branch implements this stage).
pub async fn run(probe: &Probe<'_>, addr: SocketAddr) -> StageResult {
    let _ = (probe, addr);
    StageResult::skip(Stage::Export, "export check not implemented yet")
}
