//! Where the runner keeps state between runs (the last pre-flight report).

use crate::config::Environment;
use std::path::PathBuf;

/// `RUNNER_STATE_DIR`, else `$XDG_STATE_HOME/runner`, else `$HOME/.local/state/runner`,
/// else `./.runner-state`.
pub fn state_dir(env: &Environment) -> PathBuf {
    if let Some(d) = env.get("RUNNER_STATE_DIR") {
        return PathBuf::from(d);
    }
    if let Some(d) = env.get("XDG_STATE_HOME") {
        return PathBuf::from(d).join("runner");
    }
    if let Some(h) = env.get("HOME") {
        return PathBuf::from(h).join(".local/state/runner");
    }
    PathBuf::from(".runner-state")
}

/// The last pre-flight report (JSON, schema `runner.doctor.otel/v1`).
pub fn preflight_path(env: &Environment) -> PathBuf {
    state_dir(env).join("preflight.json")
}
