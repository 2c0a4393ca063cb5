//! Turns flags, the config file and the environment into `Settings`, each value with its source.

pub mod env;
pub mod file;
pub mod resolve;
pub mod settings;

pub use env::Environment;
pub use file::{ConfigError, OtelTable, RunnerConfig, RunnerEntry};
pub use settings::*;

use crate::cause::Finding;
use std::path::PathBuf;

/// Values given on the command line. `None`/empty means "not given".
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// `-c/--config` (or `RUNNER_CONFIG`, already folded in by the CLI layer).
    pub config_path: Option<PathBuf>,
    pub endpoint: Option<String>,
    pub protocol: Option<Protocol>,
    pub insecure: bool,
    /// `--header K=V`, as typed; values are secrets.
    pub headers: Vec<crate::redact::Secret>,
    pub ca_file: Option<PathBuf>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    /// `--signal`: `None` means every signal the configuration enables (traces at least).
    pub signals: Option<Vec<Signal>>,
    /// `--preflight`.
    pub preflight: Option<String>,
}

/// The result of loading: the settings plus what was noticed while resolving them.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub settings: Settings,
    /// The parsed config file, when one was read.
    pub file: Option<RunnerConfig>,
    pub path: Option<PathBuf>,
    /// Configuration findings noticed while resolving (headers that did not parse, ...).
    /// The doctor's config stage adds the static checks to these.
    pub findings: Vec<Finding>,
}

/// Loads the config file (when given or `./config.toml` exists) and resolves the settings.
/// Errors are the contract's exit-2 cases: the file is missing or not valid TOML.
pub fn load(overrides: &Overrides, env: &Environment) -> Result<Loaded, ConfigError> {
    let _ = (overrides, env);
    Err(ConfigError::NotImplemented)
}

/// The effective settings with their sources, as the report's `settings` object
/// (keyed by signal, plus global values and `shadowed`). Secrets are redacted.
pub fn report_json(loaded: &Loaded) -> serde_json::Value {
    serde_json::to_value(&loaded.settings).unwrap_or_default()
}
