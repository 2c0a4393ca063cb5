//! The job loop: takes jobs from a GitLab-compatible coordinator and runs them, traced.
//!
//! `command` wires it up: config, logs, pre-flight doctor, telemetry pipeline, signals, the
//! poll loop, then a bounded drain and telemetry flush.

pub mod client;
pub mod execute;
pub mod health;
pub mod job;
pub mod joblog;
pub mod lifecycle;
pub mod logging;
pub mod preflight;
pub mod service;
pub mod shell;
pub mod spans;
pub mod validate;

pub use validate::validate;

use crate::cli::{ExporterArgs, PreflightArg, RunArgs};
use crate::config::{self, ConfigError, Environment, Loaded, Overrides, Signal};
use crate::telemetry::{self, Identity, Pipeline};
use preflight::{Decision, Mode};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How often the telemetry's health is looked at.
const HEALTH_EVERY: Duration = Duration::from_secs(2);

/// The overrides of `runner run`: the config path and `--preflight`, so the flag, `[otel]
/// preflight` and the default meet in the one precedence function (`config::load`).
pub fn overrides(args: &RunArgs) -> Overrides {
    let mut o = crate::app::overrides(&args.config, &ExporterArgs::default());
    o.preflight = args.preflight.map(|p| {
        match p {
            PreflightArg::Off => "off",
            PreflightArg::Warn => "warn",
            PreflightArg::Strict => "strict",
        }
        .to_owned()
    });
    o
}

/// `runner run`.
pub fn command(args: RunArgs, env: &Environment) -> u8 {
    let loaded = match config::load(&overrides(&args), env) {
        Ok(l) => l,
        Err(e) => return crate::app::usage_error(e),
    };
    let Some(file) = loaded.file.clone() else {
        return crate::app::usage_error(ConfigError::Field {
            path: PathBuf::from("config.toml"),
            field: "runners".into(),
            message: "no config file: `runner run` needs one (-c FILE, RUNNER_CONFIG or \
                      ./config.toml) with at least one [[runners]] entry"
                .into(),
        });
    };
    let path = loaded.path.clone().unwrap_or_else(|| "config.toml".into());
    if let Err(e) = validate(&file, &path) {
        return crate::app::usage_error(e);
    }
    // `validate` refused a bad `otel.preflight`; the resolver only yields off, warn or strict.
    let mode = Mode::parse(&loaded.settings.preflight.value).unwrap_or(Mode::Warn);
    let budget = match budget(&args, &file.otel.preflight_budget) {
        Ok(b) => b,
        Err(message) => {
            return crate::app::usage_error(ConfigError::Field {
                path,
                field: "otel.preflight_budget".into(),
                message,
            })
        }
    };
    crate::config::secrets::install(env, None, Some(&loaded));
    if let Err(e) = logging::init(args.log_format, file.log_file.as_deref()) {
        return crate::app::usage_error(format!("config file {}: {e}", path.display()));
    }
    let svc = service::Service::from_config(&file);
    crate::app::runtime().block_on(run(loaded, env.clone(), svc, mode, budget))
}

/// The flag wins when given (it differs from its default); else `otel.preflight_budget`.
fn budget(args: &RunArgs, from_file: &Option<String>) -> Result<Duration, String> {
    let default = Duration::from_secs(2);
    match from_file {
        Some(text) if args.preflight_budget == default => crate::cli::parse_duration(text),
        _ => Ok(args.preflight_budget),
    }
}

async fn run(
    loaded: Loaded,
    env: Environment,
    svc: service::Service,
    mode: Mode,
    budget: Duration,
) -> u8 {
    tracing::info!(version = crate::VERSION, "runner starting");
    let report_path = crate::state::preflight_path(&env);
    let pre = preflight::run(&loaded, &env, mode, budget, &report_path).await;
    if pre.decision == Decision::Stop {
        return 1;
    }

    let identity = Identity {
        runner_name: svc.runners.first().map(|r| r.name.clone()),
    };
    let pipeline = match telemetry::build(&loaded.settings, &identity) {
        Ok(p) => Some(Arc::new(p)),
        Err(e) => {
            tracing::warn!(error = %e, "telemetry disabled: the pipeline could not be built; jobs run untraced");
            None
        }
    };
    let tracer = match &pipeline {
        Some(p) => p.tracer("runner"),
        None => {
            use opentelemetry::trace::TracerProvider;
            opentelemetry_sdk::trace::SdkTracerProvider::builder()
                .build()
                .tracer("runner")
        }
    };
    let monitor = pipeline.clone().map(|p| tokio::spawn(watch_health(p)));

    let procs = shell::Procs::default();
    let phase = match lifecycle::install(procs.clone()) {
        Ok(rx) => rx,
        Err(e) => {
            tracing::error!(error = %e, "cannot install signal handlers");
            return 1;
        }
    };
    let summary = service::run(svc, tracer, phase, procs).await;
    let failed = summary
        .outcomes
        .iter()
        .filter(|o| o.state != "success")
        .count();
    tracing::info!(
        jobs = summary.outcomes.len(),
        failed,
        aborted = summary.aborted,
        "job loop stopped"
    );

    if let Some(m) = monitor {
        m.abort();
        // Wait for the task to be gone, so its handle on the pipeline is released and the
        // pipeline is shut down below, not merely dropped.
        let _ = m.await;
    }
    if let Some(p) = pipeline {
        let bound = loaded
            .settings
            .signal(Signal::Traces)
            .map(|s| s.timeout.value)
            .unwrap_or(Duration::from_secs(5))
            .clamp(Duration::from_secs(1), Duration::from_secs(10));
        finish_telemetry(p, bound).await;
    }
    tracing::info!("runner stopped");
    0
}

/// Logs each change of telemetry health (broken, recovered) once.
async fn watch_health(p: Arc<Pipeline>) {
    let mut health = health::Health::default();
    loop {
        tokio::time::sleep(HEALTH_EVERY).await;
        if let Some(change) = health.observe(&p.stats()) {
            health::log(&change);
        }
    }
}

/// Flushes, reports what was lost, and shuts the pipeline down, each within `bound`.
async fn finish_telemetry(p: Arc<Pipeline>, bound: Duration) {
    if let Err(e) = p.flush(bound).await {
        tracing::warn!(error = %e, "telemetry flush did not complete");
    }
    let s = p.stats();
    tracing::info!(
        spans_exported = s.spans_exported,
        spans_lost = s.spans_failed + s.spans_dropped,
        "telemetry flushed"
    );
    match Arc::try_unwrap(p) {
        Ok(p) => {
            if let Err(e) = p.shutdown(bound).await {
                tracing::warn!(error = %e, "telemetry shutdown did not complete");
            }
        }
        Err(_) => tracing::debug!("telemetry pipeline still shared; not shut down"),
    }
}
