//! The support bundle: one redacted `.tar.gz` for a ticket.

use crate::cli::BundleArgs;
use crate::config::Environment;

/// `runner doctor bundle`.
pub fn command(args: BundleArgs, env: &Environment) -> u8 {
    let _ = (args, env);
    crate::app::usage_error("`runner doctor bundle` is not implemented yet")
}
