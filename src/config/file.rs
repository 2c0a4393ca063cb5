//! The runner's `config.toml` (GitLab Runner style) and its `[otel]` table.

use crate::redact::Secret;
use serde::Deserialize;
use std::path::PathBuf;

/// Why the configuration could not be loaded: the contract's exit-2 cases.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {path}: {message}")]
    Unreadable { path: PathBuf, message: String },
    #[error("config file {path}, line {line}, column {column}: {message}")]
    Syntax {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("config file {path}: {field}: {message}")]
    Field {
        path: PathBuf,
        field: String,
        message: String,
    },
    #[error("{flag}: {message}")]
    Flag { flag: String, message: String },
    #[error("not implemented yet")]
    NotImplemented,
}

/// The whole `config.toml`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunnerConfig {
    /// How many jobs run at once, over all runners.
    #[serde(default = "default_concurrent")]
    pub concurrent: usize,
    /// Seconds between job requests.
    #[serde(default = "default_check_interval")]
    pub check_interval: u64,
    /// Seconds running jobs get to finish after SIGTERM.
    #[serde(default = "default_shutdown_timeout")]
    pub shutdown_timeout: u64,
    /// The runner's own log file, whose tail goes into support bundles.
    #[serde(default)]
    pub log_file: Option<PathBuf>,
    #[serde(default)]
    pub runners: Vec<RunnerEntry>,
    #[serde(default)]
    pub otel: OtelTable,
}

fn default_concurrent() -> usize {
    1
}
fn default_check_interval() -> u64 {
    3
}
fn default_shutdown_timeout() -> u64 {
    30
}

/// One `[[runners]]` entry.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunnerEntry {
    pub name: String,
    /// The coordinator's base URL, e.g. `https://gitlab.example.com/`.
    pub url: String,
    pub token: Secret,
    /// Only `shell` is supported.
    pub executor: String,
    #[serde(default)]
    pub builds_dir: Option<PathBuf>,
}

/// The `[otel]` table: every exporter setting of the contract. Unknown keys are reported with
/// the nearest valid key by the loader (not by serde, whose message cannot suggest).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct OtelTable {
    pub endpoint: Option<String>,
    pub traces_endpoint: Option<String>,
    pub metrics_endpoint: Option<String>,
    pub logs_endpoint: Option<String>,
    pub protocol: Option<String>,
    pub headers: Option<toml::Table>,
    pub insecure: Option<bool>,
    pub certificate: Option<PathBuf>,
    pub client_certificate: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    pub compression: Option<String>,
    /// Milliseconds, or a duration string such as `10s`.
    pub timeout: Option<toml::Value>,
    pub service_name: Option<String>,
    pub resource_attributes: Option<toml::Table>,
    /// `otlp`, `console`, `file`, `none`.
    pub exporter: Option<String>,
    /// Path for the `file` exporter.
    pub exporter_path: Option<PathBuf>,
    pub sampler: Option<String>,
    pub sampler_arg: Option<String>,
    /// Which signals to export: `["traces"]` by default.
    pub signals: Option<Vec<String>>,
    /// `off`, `warn` (default), `strict`.
    pub preflight: Option<String>,
    /// Pre-flight budget, e.g. `2s`.
    pub preflight_budget: Option<String>,
}
