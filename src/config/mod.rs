//! Turns flags, the config file and the environment into `Settings`, each value with its source.

pub mod duration;
pub mod endpoint;
pub mod env;
pub mod file;
pub mod global;
pub mod headers;
mod json;
pub mod kv;
pub mod listen;
pub mod problem;
pub mod proxy;
pub mod resolve;
pub mod secrets;
pub mod settings;

pub use env::Environment;
pub use file::{ConfigError, OtelTable, RunnerConfig, RunnerEntry};
pub use problem::Problem;
pub use settings::*;

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
    /// Problems noticed while resolving (headers that did not parse, ...). The doctor's config
    /// stage words them as findings and adds its static checks.
    pub problems: Vec<Problem>,
}

/// Loads the config file (when given or `./config.toml` exists) and resolves the settings.
/// Errors are the exit-2 cases of `docs/exit-codes.md`: the file is missing or not valid TOML, a
/// key is unknown, or a value has the wrong TOML type. Values of the right type that make no sense
/// (`protocol = "grpcc"`) are not errors here: they become `config_invalid` problems, so the doctor
/// can still report everything else.
pub fn load(overrides: &Overrides, env: &Environment) -> Result<Loaded, ConfigError> {
    let path = match &overrides.config_path {
        Some(p) => Some(p.clone()),
        None => Some(PathBuf::from("config.toml")).filter(|p| p.is_file()),
    };
    let file = match &path {
        Some(p) => Some(file::read(p)?),
        None => None,
    };
    let otel = file.as_ref().map(|f| f.otel.clone()).unwrap_or_default();
    let (settings, problems) = resolve_all(overrides, &otel, env);
    Ok(Loaded {
        settings,
        file,
        path,
        problems,
    })
}

/// Resolves every setting from flags, the `[otel]` table and the environment: a pure function.
pub fn resolve_all(
    overrides: &Overrides,
    otel: &OtelTable,
    env: &Environment,
) -> (Settings, Vec<Problem>) {
    let mut cx = resolve::Ctx::new(overrides, otel, env);
    let enabled = global::signals(&mut cx);
    let signals = enabled
        .into_iter()
        .map(|s| resolve::signal_settings(&mut cx, s))
        .collect();
    let resource_attributes = resolve::sourced(global::resource_attributes(&mut cx));
    let service_name = Some(resolve::sourced(global::service_name(&mut cx)));
    let sdk_disabled = resolve::sourced(global::sdk_disabled(&mut cx));
    let traces_exporter = resolve::sourced(global::traces_exporter(&mut cx));
    let sampler = resolve::sourced(global::sampler(&mut cx));
    let proxy = global::proxy(&mut cx);
    let preflight = resolve::sourced(global::preflight(&mut cx));
    let settings = Settings {
        signals,
        service_name,
        resource_attributes,
        sdk_disabled,
        traces_exporter,
        sampler,
        proxy,
        preflight,
        shadowed: cx.shadowed,
    };
    let mut problems = cx.problems;
    // A variable that is not UTF-8 was left out of the environment: say so, never skip silently.
    for (name, shown) in env.not_utf8() {
        problems.push(Problem::NotUtf8 {
            variable: name.to_owned(),
            shown: shown.to_owned(),
        });
    }
    (settings, problems)
}

/// The effective settings with their sources, as the report's `settings` object
/// (keyed by signal, plus global values and `shadowed`). Secrets are redacted.
pub fn report_json(loaded: &Loaded) -> serde_json::Value {
    json::settings(loaded)
}
