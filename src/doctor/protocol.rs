//! The protocol stage: does the peer speak gRPC (h2) or HTTP as configured.

use super::{Probe, StageResult};
use crate::cause::Stage;
use std::net::SocketAddr;

/// Temporary stub (the `proto` branch implements this stage).
pub async fn run(probe: &Probe<'_>, addr: SocketAddr) -> StageResult {
    let _ = (probe, addr);
    StageResult::skip(Stage::Protocol, "protocol check not implemented yet")
}
