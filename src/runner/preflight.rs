//! The pre-flight doctor at start-up (README.md, "Running the runner"): runs within a budget,
//! logs a one-line verdict and one line per finding, keeps the report for the support bundle,
//! and in `strict` mode stops the runner on an error finding.

use crate::cause::{Finding, Severity};
use crate::config::{Environment, Loaded};
use crate::doctor::{self, DoctorOptions};
use crate::report::{Report, Verdict};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Off,
    Warn,
    Strict,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Off => "off",
            Mode::Warn => "warn",
            Mode::Strict => "strict",
        }
    }

    pub fn parse(s: &str) -> Option<Mode> {
        match s.trim().to_ascii_lowercase().as_str() {
            "off" => Some(Mode::Off),
            "warn" => Some(Mode::Warn),
            "strict" => Some(Mode::Strict),
            _ => None,
        }
    }
}

/// Whether the runner may go on to take jobs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Proceed,
    /// `strict` and at least one error finding: exit 1.
    Stop,
}

/// What the pre-flight did.
#[derive(Debug)]
pub struct Outcome {
    pub decision: Decision,
    /// `None` when off or cut short by the budget.
    pub report: Option<Report>,
    pub cut_short: bool,
    pub took: Duration,
}

/// Runs the doctor (canary on) within `budget` and decides.
pub async fn run(
    loaded: &Loaded,
    env: &Environment,
    mode: Mode,
    budget: Duration,
    report_path: &Path,
) -> Outcome {
    let opts = options(budget);
    run_with(doctor::run(loaded, env, &opts), mode, budget, report_path).await
}

/// The doctor's options for a run bounded by `budget` (canary on, no progress display).
pub fn options(budget: Duration) -> DoctorOptions {
    DoctorOptions {
        // Leave room for the later stages inside the budget.
        timeout: (budget / 2).clamp(Duration::from_millis(100), Duration::from_secs(3)),
        canary: true,
        progress: false,
        ..DoctorOptions::default()
    }
}

/// `run` with the diagnosis given as a future (tests pass one that hangs or finds errors).
pub async fn run_with(
    diagnosis: impl Future<Output = Report>,
    mode: Mode,
    budget: Duration,
    report_path: &Path,
) -> Outcome {
    let started = Instant::now();
    if mode == Mode::Off {
        tracing::info!("pre-flight: off");
        return Outcome {
            decision: Decision::Proceed,
            report: None,
            cut_short: false,
            took: Duration::ZERO,
        };
    }
    let Ok(report) = tokio::time::timeout(budget, diagnosis).await else {
        tracing::warn!(
            budget = ?budget,
            "pre-flight cut short: the doctor did not finish within its budget; \
             starting anyway (run `runner doctor otel` for the full diagnosis, \
             or raise --preflight-budget)"
        );
        return Outcome {
            decision: Decision::Proceed,
            report: None,
            cut_short: true,
            took: started.elapsed(),
        };
    };
    let kept = keep(&report, report_path);
    log(&report, kept.as_deref());
    let errors = count(&report.findings, Severity::Error);
    let decision = if mode == Mode::Strict && errors > 0 {
        tracing::error!(
            errors,
            "pre-flight strict: the runner will not start because telemetry is broken; \
             fix the findings above or use --preflight warn"
        );
        Decision::Stop
    } else {
        Decision::Proceed
    };
    Outcome {
        decision,
        report: Some(report),
        cut_short: false,
        took: started.elapsed(),
    }
}

/// Writes the report where the support bundle looks for it; a failure is logged, not fatal.
fn keep(report: &Report, path: &Path) -> Option<PathBuf> {
    // Scrubbed like the bundle, and readable by its owner only (it may quote a server's
    // answer to our headers).
    let text = crate::redact::egress::scrub(&crate::report::json::render(report));
    let written = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| crate::state::write_private(path, text.as_bytes()));
    match written {
        Ok(()) => Some(path.to_owned()),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "cannot keep the pre-flight report");
            None
        }
    }
}

fn count(findings: &[Finding], severity: Severity) -> usize {
    findings.iter().filter(|f| f.severity == severity).count()
}

/// One line for the verdict, one line per finding.
fn log(report: &Report, kept: Option<&Path>) {
    let verdict = match report.verdict {
        Verdict::Healthy => "healthy",
        Verdict::Degraded => "degraded",
        Verdict::Broken => "broken",
    };
    let errors = count(&report.findings, Severity::Error);
    let warnings = count(&report.findings, Severity::Warning);
    let kept = kept.map_or_else(|| "not kept".to_owned(), |p| p.display().to_string());
    let line = format!(
        "pre-flight: telemetry {verdict} ({errors} error(s), {warnings} warning(s), {} ms); report: {kept}",
        report.duration_ms
    );
    match report.verdict {
        Verdict::Healthy => tracing::info!("{line}"),
        _ => tracing::warn!("{line}"),
    }
    for f in &report.findings {
        let signal = f.signal.map_or_else(|| "all".to_owned(), |s| s.to_string());
        let line = one_line(&format!(
            "pre-flight finding {} [{signal}/{}]: {} Fix: {}",
            f.cause.code(),
            f.stage,
            f.summary,
            f.fix
        ));
        match f.severity {
            Severity::Error => tracing::error!("{line}"),
            Severity::Warning => tracing::warn!("{line}"),
            Severity::Info => tracing::info!("{line}"),
        }
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
