//! `runner doctor explain`: matches an error line against known failures, offline.

use crate::cli::ExplainArgs;

/// `runner doctor explain`.
pub fn command(args: ExplainArgs) -> u8 {
    let _ = args;
    crate::app::usage_error("`runner doctor explain` is not implemented yet")
}
