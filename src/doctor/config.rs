//! The config stage: static checks of the resolved settings, before any network step.

use super::StageResult;
use crate::cause::Stage;
use crate::config::{Environment, Loaded};
use crate::report::{Check, Status};

/// Checks the settings and returns the `config` check (shared by every target) and findings.
pub fn run(loaded: &Loaded, env: &Environment) -> StageResult {
    let _ = env;
    let mut r = StageResult::new(Check::new(Stage::Config, Status::Pass, "settings resolved"));
    r.findings = loaded.findings.clone();
    r
}
