//! The runner's own logs: `tracing` events to stderr, and to `log_file` when configured.
//!
//! Levels come from `RUST_LOG` (default `info`). The OpenTelemetry SDK reports its own
//! diagnostics as `tracing` events (targets `opentelemetry_sdk`, `opentelemetry-otlp`,
//! `opentelemetry-http`), so at `debug` they land here too. There is deliberately no
//! tracing-to-OpenTelemetry bridge: those events must never be exported as spans.

use crate::cli::LogFormat;
use std::fs::OpenOptions;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Mutex;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer, Registry};

type Boxed = Box<dyn Layer<Registry> + Send + Sync>;

/// Installs the global subscriber. Fails when the log file cannot be opened for appending.
pub fn init(format: LogFormat, log_file: Option<&Path>) -> Result<(), String> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let stderr: Boxed = match format {
        LogFormat::Text => fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(ansi)
            .boxed(),
        LogFormat::Json => fmt::layer().json().with_writer(std::io::stderr).boxed(),
    };
    let mut layers = vec![stderr];
    if let Some(path) = log_file {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("log_file {}: {e}", path.display()))?;
        let writer = Mutex::new(file);
        layers.push(match format {
            LogFormat::Text => fmt::layer().with_writer(writer).with_ansi(false).boxed(),
            LogFormat::Json => fmt::layer().json().with_writer(writer).boxed(),
        });
    }
    tracing_subscriber::registry()
        .with(layers)
        .with(filter)
        .try_init()
        .map_err(|e| e.to_string())
}
