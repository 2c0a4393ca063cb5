//! Loads the configuration for `runner run`: `config::load`, with a stop-gap reader of the
//! file for as long as the shared loader is not there (it answers `NotImplemented`).

use crate::config::{
    self, ConfigError, Environment, ExporterKind, Loaded, Overrides, Protocol, RunnerConfig,
    Sampler, Settings, Signal, SignalSettings, Sourced,
};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The config file's path (flag, else `./config.toml` when present) with the loaded settings.
pub fn load(overrides: &Overrides, env: &Environment) -> Result<Loaded, ConfigError> {
    match config::load(overrides, env) {
        Err(ConfigError::NotImplemented) => stopgap(overrides, env),
        other => other,
    }
}

/// Reads the file with serde only; exporter settings are left at their defaults.
fn stopgap(overrides: &Overrides, env: &Environment) -> Result<Loaded, ConfigError> {
    let path = overrides.config_path.clone().or_else(|| {
        let p = PathBuf::from("config.toml");
        p.exists().then_some(p)
    });
    let file = match &path {
        None => None,
        Some(p) => Some(read(p)?),
    };
    let preflight = file
        .as_ref()
        .and_then(|f| f.otel.preflight.clone())
        .map(|v| Sourced::new(v, config::Source::Config("otel.preflight".into())))
        .unwrap_or_else(|| Sourced::default_value("warn".into()));
    let endpoint = env
        .get("OTEL_EXPORTER_OTLP_ENDPOINT")
        .map(|v| {
            Sourced::new(
                v.to_owned(),
                config::Source::Env("OTEL_EXPORTER_OTLP_ENDPOINT".into()),
            )
        })
        .unwrap_or_else(|| Sourced::default_value("http://localhost:4317".into()));
    let traces = SignalSettings {
        signal: Signal::Traces,
        url: Some(endpoint.value.clone()),
        endpoint_raw: endpoint,
        endpoint: None,
        protocol: Sourced::default_value(Protocol::Grpc),
        headers: Sourced::default_value(Vec::new()),
        insecure: Sourced::default_value(false),
        certificate: None,
        client_certificate: None,
        client_key: None,
        compression: Sourced::default_value(config::Compression::None),
        timeout: Sourced::default_value(Duration::from_secs(10)),
    };
    Ok(Loaded {
        settings: Settings {
            signals: vec![traces],
            service_name: None,
            resource_attributes: Sourced::default_value(Vec::new()),
            sdk_disabled: Sourced::default_value(false),
            traces_exporter: Sourced::default_value(ExporterKind::Otlp),
            sampler: Sourced::default_value(Sampler::ParentBasedAlwaysOn),
            proxy: Default::default(),
            preflight,
            shadowed: Vec::new(),
        },
        file,
        path,
        findings: Vec::new(),
    })
}

fn read(path: &Path) -> Result<RunnerConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Unreadable {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    toml::from_str(&text).map_err(|e| {
        let (line, column) = e.span().map(|s| line_col(&text, s.start)).unwrap_or((0, 0));
        ConfigError::Syntax {
            path: path.to_owned(),
            line,
            column,
            message: e.message().to_owned(),
        }
    })
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, column)
}
