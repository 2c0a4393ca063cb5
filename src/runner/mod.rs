//! The job loop: takes jobs from a GitLab-compatible coordinator and runs them, traced.
//!
//! `prepare` checks the config and installs logging; `run` does the pre-flight doctor, the
//! telemetry pipeline, signals, the poll loop, then a bounded drain and telemetry flush.

pub mod client;
pub mod execute;
pub mod health;
pub mod job;
pub mod joblog;
pub mod lifecycle;
pub mod logging;
pub mod preflight;
pub mod selfcheck;
pub mod service;
pub mod shell;
pub mod spans;
pub mod validate;

pub use validate::validate;

use crate::cause::runtime_text;
use crate::config::duration::DurationError;
use crate::config::{self, ConfigError, Environment, Loaded, Overrides, Signal};
use crate::metrics::labels::Trigger;
use crate::metrics::Metrics;
use crate::report::Exit;
use crate::telemetry::{self, Identity, Pipeline};
pub use logging::LogFormat;
use preflight::Decision;
pub use preflight::Mode;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How often the telemetry's health is looked at.
const HEALTH_EVERY: Duration = Duration::from_secs(2);

/// What `runner run` was asked for (the command line, without clap).
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// `-c/--config` (or `RUNNER_CONFIG`); `None` reads `./config.toml` when present.
    pub config_path: Option<PathBuf>,
    /// `--preflight`, when given.
    pub preflight: Option<Mode>,
    /// `--preflight-budget`, when given (it wins over `otel.preflight_budget`).
    pub preflight_budget: Option<Duration>,
    pub log_format: LogFormat,
    /// `--listen-address`, when given (it wins over `listen_address`).
    pub listen_address: Option<config::listen::ListenAddress>,
}

/// Why the runner could not start (the command's exit-2 cases).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The config file is missing, unreadable, or has a bad value.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The log file could not be opened.
    #[error("config file {}: {source}", path.display())]
    Logging {
        path: PathBuf,
        source: logging::LogFileError,
    },
}

/// Everything the job loop needs, checked: what [`prepare`] returns and [`run`] takes.
#[derive(Debug)]
pub struct Prepared {
    loaded: Loaded,
    env: Environment,
    svc: service::Service,
    mode: Mode,
    budget: Duration,
    fleet: Fleet,
}

/// The overrides of `runner run`: the config path and `--preflight`, so the flag, `[otel]
/// preflight` and the default meet in the one precedence function (`config::load`).
pub fn overrides(opts: &RunOptions) -> Overrides {
    Overrides {
        config_path: opts.config_path.clone(),
        preflight: opts.preflight.map(|m| m.as_str().to_owned()),
        ..Overrides::default()
    }
}

/// Loads and checks the configuration and installs logging: everything `runner run` does
/// before its runtime starts.
pub fn prepare(opts: &RunOptions, env: &Environment) -> Result<Prepared, RunError> {
    let loaded = config::load(&overrides(opts), env)?;
    let Some(file) = loaded.file.clone() else {
        return Err(ConfigError::Field {
            path: PathBuf::from("config.toml"),
            field: "runners".into(),
            message: "no config file: `runner run` needs one (-c FILE, RUNNER_CONFIG or \
                      ./config.toml) with at least one [[runners]] entry"
                .into(),
        }
        .into());
    };
    let path = loaded.path.clone().unwrap_or_else(|| "config.toml".into());
    validate(&file, &path)?;
    // `validate` refused a bad `otel.preflight`; the resolver only yields off, warn or strict.
    let mode = Mode::parse(&loaded.settings.preflight.value).unwrap_or(Mode::Warn);
    let budget =
        budget(opts, file.otel.preflight_budget.as_deref()).map_err(|e| ConfigError::Field {
            path: path.clone(),
            field: "otel.preflight_budget".into(),
            message: e.to_string(),
        })?;
    crate::config::secrets::install(env, None, Some(&loaded));
    if let Err(source) = logging::init(opts.log_format, file.log_file.as_deref()) {
        return Err(RunError::Logging { path, source });
    }
    let svc = service::Service::from_config(&file);
    let fleet = Fleet {
        // `validate`-d by the config loader with its line; the flag was parsed by clap.
        listen: opts.listen_address.clone().or_else(|| {
            let text = file.listen_address.as_deref()?;
            config::listen::parse_listen_address(text).ok()
        }),
        doctor_interval: file
            .otel
            .doctor_interval
            .as_deref()
            .and_then(|t| config::listen::parse_doctor_interval(t).ok())
            .unwrap_or(config::listen::DEFAULT_DOCTOR_INTERVAL),
        budget: selfcheck::budget(budget),
    };
    Ok(Prepared {
        env: env.clone(),
        loaded,
        svc,
        mode,
        budget,
        fleet,
    })
}

/// The run-time settings of README.md, "For operators": the metrics server and the self-check.
#[derive(Clone, Debug)]
struct Fleet {
    listen: Option<config::listen::ListenAddress>,
    doctor_interval: Duration,
    budget: Duration,
}

/// The flag wins when given; else `otel.preflight_budget`; else two seconds.
fn budget(opts: &RunOptions, from_file: Option<&str>) -> Result<Duration, DurationError> {
    match (opts.preflight_budget, from_file) {
        (Some(flag), _) => Ok(flag),
        (None, Some(text)) => config::duration::parse(text),
        (None, None) => Ok(Duration::from_secs(2)),
    }
}

/// Runs the job loop until a stop signal; returns the exit (`Problem` when pre-flight stopped it).
pub async fn run(p: Prepared) -> Exit {
    let Prepared {
        loaded,
        env,
        svc,
        mode,
        budget,
        fleet,
    } = p;
    serve(loaded, env, svc, mode, budget, fleet).await
}

async fn serve(
    loaded: Loaded,
    env: Environment,
    svc: service::Service,
    mode: Mode,
    budget: Duration,
    fleet: Fleet,
) -> Exit {
    tracing::info!(version = crate::VERSION, "runner starting");
    let metrics = Arc::new(Metrics::new(crate::VERSION));
    // Up before the pre-flight, so /healthz answers while it runs.
    let _server = match &fleet.listen {
        Some(addr) => serve_metrics(addr, metrics.clone()).await,
        None => None,
    };
    let report_path = crate::state::preflight_path_for(&env, loaded.path.as_deref());
    let pre = preflight::run(&loaded, &env, mode, budget, &report_path).await;
    if mode != Mode::Off {
        metrics.doctor_ran(Trigger::Preflight, pre.report.as_ref());
    }
    if pre.decision == Decision::Stop {
        return Exit::Problem;
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
    let monitor = pipeline.clone().map(|p| {
        p.observe(metrics.clone());
        let sc = selfcheck::SelfCheck {
            loaded: loaded.clone(),
            env: env.clone(),
            budget: fleet.budget,
            interval: fleet.doctor_interval,
            metrics: metrics.clone(),
        };
        tokio::spawn(selfcheck::watch(p, sc, HEALTH_EVERY))
    });

    let procs = shell::Procs::default();
    let phase = match lifecycle::install(procs.clone()) {
        Ok(rx) => rx,
        Err(e) => {
            tracing::error!(error = %e, "cannot install signal handlers");
            return Exit::Problem;
        }
    };
    let count = |o: &execute::Outcome| metrics.job_finished(o.state);
    let seen = |s: service::CoordinatorSeen| metrics.coordinator_seen(s.answered, s.error);
    let summary = service::run_observed(svc, tracer, phase, procs, &count, &seen).await;
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
        // The shutdown stays within shutdown_timeout: flush and shutdown share what is left of
        // it (at least a short moment each, so spans of finished jobs still get a chance).
        let left = summary
            .deadline
            .map(|d| d.saturating_duration_since(tokio::time::Instant::now()))
            .unwrap_or(bound);
        let bound = bound.min(left / 2).max(Duration::from_millis(250));
        finish_telemetry(p, bound).await;
    }
    tracing::info!("runner stopped");
    Exit::Ok
}

/// Binds the metrics server and serves it in a task of its own; a bind failure is logged and
/// the runner goes on (metrics are for operators, never a reason to stop taking jobs).
async fn serve_metrics(
    addr: &config::listen::ListenAddress,
    metrics: Arc<Metrics>,
) -> Option<AbortOnDrop> {
    let wanted = addr.to_socket_text();
    match tokio::net::TcpListener::bind(&wanted).await {
        Ok(listener) => {
            let bound = listener.local_addr().map_or(wanted, |a| a.to_string());
            tracing::info!(listen_address = %bound, "{}", runtime_text::metrics_listening(&bound));
            let limits = crate::metrics::server::Limits::default();
            Some(AbortOnDrop(tokio::spawn(crate::metrics::server::serve(
                listener, metrics, limits,
            ))))
        }
        Err(e) => {
            tracing::error!(
                "{}",
                runtime_text::metrics_bind_failed(&wanted, &e.to_string())
            );
            None
        }
    }
}

/// Stops the metrics server when the runner's run ends.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
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
