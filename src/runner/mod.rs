//! The job loop: takes jobs from a GitLab-compatible coordinator and runs them, traced.

use crate::cli::RunArgs;
use crate::config::Environment;

/// `runner run`.
pub fn command(args: RunArgs, env: &Environment) -> u8 {
    let _ = (args, env);
    crate::app::usage_error("`runner run` is not implemented yet (see issue: the runner)")
}
