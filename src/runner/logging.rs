//! The runner's own logs: `tracing` events to stderr, and to `log_file` when configured.
//!
//! Levels come from `RUST_LOG` (default `info`). The OpenTelemetry SDK reports its own
//! diagnostics as `tracing` events (targets `opentelemetry_sdk`, `opentelemetry-otlp`,
//! `opentelemetry-http`), so with `RUST_LOG=debug` they land here too. There is deliberately no
//! tracing-to-OpenTelemetry bridge: those events must never be exported as spans.

use crate::redact::egress::Writer;
use std::fs::OpenOptions;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer, Registry};

/// The format of the runner's own log lines (`--log-format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Why logging could not be installed.
#[derive(Debug, thiserror::Error)]
pub enum LogFileError {
    #[error("log_file {}: {source}", path.display())]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Init(#[from] tracing_subscriber::util::TryInitError),
}

type Boxed = Box<dyn Layer<Registry> + Send + Sync>;

/// Without `RUST_LOG`: `info`, with the SDK's own events off, since it would repeat every failed
/// export; the runner logs each change of telemetry health itself (see `health`).
pub const DEFAULT_FILTER: &str = "info,opentelemetry=off";

/// `RUST_LOG` when set and valid, else `DEFAULT_FILTER`.
pub fn filter(rust_log: Option<&str>) -> EnvFilter {
    rust_log
        .filter(|v| !v.trim().is_empty())
        .and_then(|v| EnvFilter::try_new(v).ok())
        .unwrap_or_else(|| EnvFilter::new(DEFAULT_FILTER))
}

/// Installs the global subscriber. Fails when the log file cannot be opened for appending.
pub fn init(format: LogFormat, log_file: Option<&Path>) -> Result<(), LogFileError> {
    let filter = filter(std::env::var("RUST_LOG").ok().as_deref());
    let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let stderr: Boxed = match format {
        LogFormat::Text => fmt::layer()
            .with_writer(scrubbed_stderr)
            .with_ansi(ansi)
            .boxed(),
        LogFormat::Json => fmt::layer().json().with_writer(scrubbed_stderr).boxed(),
    };
    let mut layers = vec![stderr];
    if let Some(path) = log_file {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|source| LogFileError::Open {
                path: path.to_owned(),
                source,
            })?;
        let file = std::sync::Arc::new(Mutex::new(file));
        let writer = move || Writer(SharedFile(file.clone()));
        layers.push(match format {
            LogFormat::Text => fmt::layer().with_writer(writer).with_ansi(false).boxed(),
            LogFormat::Json => fmt::layer().json().with_writer(writer).boxed(),
        });
    }
    tracing_subscriber::registry()
        .with(layers)
        .with(filter)
        .try_init()?;
    Ok(())
}

/// Standard error through the egress scrubber.
fn scrubbed_stderr() -> Writer<std::io::Stderr> {
    Writer(std::io::stderr())
}

/// The log file, shared by every event.
#[derive(Debug)]
struct SharedFile(std::sync::Arc<Mutex<std::fs::File>>);

impl std::io::Write for SharedFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.0.lock() {
            Ok(mut f) => f.write(buf),
            Err(_) => Ok(buf.len()),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self.0.lock() {
            Ok(mut f) => f.flush(),
            Err(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// Emits what the SDK emits (its targets) and what the runner emits; returns what was kept.
    fn captured(rust_log: Option<&str>) -> String {
        let buf = Arc::new(Mutex::new(Vec::<u8>::new()));
        let sink = buf.clone();
        let layer = fmt::layer()
            .with_ansi(false)
            .with_writer(move || Capture(sink.clone()));
        let subscriber = tracing_subscriber::registry()
            .with(layer)
            .with(filter(rust_log));
        tracing::subscriber::with_default(subscriber, || {
            tracing::debug!(target: "opentelemetry_sdk", name = "BatchSpanProcessor.ExportError", "sdk-debug-event");
            tracing::warn!(target: "opentelemetry-otlp", "sdk-warn-event");
            tracing::info!(target: "runner::runner", "runner-info-event");
        });
        let text = String::from_utf8(buf.lock().unwrap().clone()).unwrap();
        text
    }

    struct Capture(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Capture {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn sdk_diagnostics_appear_at_debug_and_stay_quiet_by_default() {
        let default = captured(None);
        assert!(default.contains("runner-info-event"), "{default}");
        assert!(!default.contains("sdk-"), "{default}");
        let debug = captured(Some("debug"));
        assert!(debug.contains("sdk-debug-event"), "{debug}");
        assert!(debug.contains("sdk-warn-event"), "{debug}");
    }
}
