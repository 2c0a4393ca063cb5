//! `runner run`: the job loop, from the command line.

use super::{runtime, usage_error};
use crate::cli::{LogFormat, PreflightArg, RunArgs};
use crate::config::Environment;
use crate::report::Exit;
use crate::runner::{self, Mode, RunOptions};
use std::time::Duration;

/// `--preflight-budget`'s default: the flag counts as given only when it differs from it.
const DEFAULT_BUDGET: Duration = Duration::from_secs(2);

/// The core's options for these flags.
pub fn options(args: &RunArgs) -> RunOptions {
    RunOptions {
        config_path: args.config.config.clone(),
        preflight: args.preflight.map(|p| match p {
            PreflightArg::Off => Mode::Off,
            PreflightArg::Warn => Mode::Warn,
            PreflightArg::Strict => Mode::Strict,
        }),
        preflight_budget: (args.preflight_budget != DEFAULT_BUDGET)
            .then_some(args.preflight_budget),
        log_format: match args.log_format {
            LogFormat::Text => runner::LogFormat::Text,
            LogFormat::Json => runner::LogFormat::Json,
        },
        listen_address: args.listen_address.clone(),
    }
}

pub fn command(args: &RunArgs, env: &Environment) -> Exit {
    match runner::prepare(&options(args), env) {
        Ok(prepared) => runtime().block_on(runner::run(prepared)),
        Err(e) => usage_error(e),
    }
}
