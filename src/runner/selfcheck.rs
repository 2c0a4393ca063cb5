//! Run-time self-diagnosis (README.md, "For operators"): when the runner's own exports go from
//! working to failing, the doctor runs once with the runner's settings, bounded, in a task of its
//! own (never on a job's path); again on the next change of state, or every `otel.doctor_interval`
//! while still broken; never two at once. Its verdict and causes are logged and go into the
//! metrics.

use super::health::{self, Change, Health};
use crate::cause::{runtime_text as text, Severity};
use crate::config::{Environment, Loaded};
use crate::doctor;
use crate::metrics::labels::{self, Trigger};
use crate::metrics::Metrics;
use crate::report::{Report, Verdict};
use crate::telemetry::{Pipeline, Stats};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

/// What a self-check needs: the runner's own settings, its bounds, and where results go.
#[derive(Debug)]
pub struct SelfCheck {
    pub loaded: Loaded,
    pub env: Environment,
    /// The whole doctor run's bound.
    pub budget: Duration,
    /// Diagnose again after this long while still broken.
    pub interval: Duration,
    pub metrics: Arc<Metrics>,
}

/// The bound of a run-time doctor: the pre-flight's budget, but at least 5 s (no start-up to
/// hurry, and a late verdict is still worth having), at most 60 s.
pub fn budget(preflight_budget: Duration) -> Duration {
    preflight_budget.clamp(Duration::from_secs(5), Duration::from_secs(60))
}

/// Decides when to diagnose, from the exporter's totals; pure, so the rules are unit-tested.
#[derive(Debug)]
pub struct Scheduler {
    health: Health,
    interval: Duration,
    pending: Option<Trigger>,
    last_start: Option<Instant>,
}

impl Scheduler {
    pub fn new(interval: Duration) -> Scheduler {
        Scheduler {
            health: Health::default(),
            interval,
            pending: None,
            last_start: None,
        }
    }

    /// Looks at the totals: returns the change to log, and notes a doctor run to do.
    pub fn observe(&mut self, s: &Stats, now: Instant) -> Option<Change> {
        let change = self.health.observe(s);
        match &change {
            // The latest change wins: a run still pending for an older one is superseded.
            Some(Change::Broken { .. }) => self.pending = Some(Trigger::ExportFailing),
            Some(Change::Recovered { .. }) => self.pending = Some(Trigger::Recovered),
            None => {
                let due = self
                    .last_start
                    .is_some_and(|t| now.saturating_duration_since(t) >= self.interval);
                if self.health.is_broken() && self.pending.is_none() && due {
                    self.pending = Some(Trigger::Interval);
                }
            }
        }
        change
    }

    /// The run to start now, if one is pending and none is running (`busy`).
    pub fn next(&mut self, busy: bool, now: Instant) -> Option<Trigger> {
        if busy {
            return None;
        }
        let t = self.pending.take()?;
        self.last_start = Some(now);
        Some(t)
    }
}

/// Aborts the doctor task when the watcher goes (runner shutting down).
struct Running(JoinHandle<()>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Watches the pipeline's health every `every` until aborted.
pub async fn watch(p: Arc<Pipeline>, sc: SelfCheck, every: Duration) {
    let sc = Arc::new(sc);
    let mut sched = Scheduler::new(sc.interval);
    let mut running: Option<Running> = None;
    loop {
        tokio::time::sleep(every).await;
        let now = Instant::now();
        if let Some(change) = sched.observe(&p.stats(), now) {
            health::log(&change);
            if matches!(change, Change::Recovered { .. }) {
                sc.metrics.export_recovered();
                tracing::info!("{}", text::recovered_verdict());
            }
        }
        let busy = running.as_ref().is_some_and(|r| !r.0.is_finished());
        if let Some(trigger) = sched.next(busy, now) {
            running = Some(Running(tokio::spawn(diagnose(sc.clone(), trigger))));
        }
    }
}

/// One bounded doctor run: metrics updated, verdict and findings logged.
pub async fn diagnose(sc: Arc<SelfCheck>, trigger: Trigger) {
    let opts = super::preflight::options(sc.budget);
    let run = doctor::run(&sc.loaded, &sc.env, &opts);
    match tokio::time::timeout(sc.budget, run).await {
        Ok(report) => {
            sc.metrics.doctor_ran(trigger, Some(&report));
            log(trigger, &report);
        }
        Err(_) => {
            sc.metrics.doctor_ran(trigger, None);
            tracing::warn!(
                trigger = trigger.as_str(),
                "{}",
                text::self_check_cut_short(trigger.as_str(), sc.budget)
            );
        }
    }
}

fn log(trigger: Trigger, r: &Report) {
    let count = |s: Severity| r.findings.iter().filter(|f| f.severity == s).count();
    let causes: Vec<&str> = r.findings.iter().map(|f| f.cause.code()).collect();
    let verdict = labels::verdict(r.verdict);
    let line = text::self_check_verdict(
        trigger.as_str(),
        verdict,
        count(Severity::Error),
        count(Severity::Warning),
        r.duration_ms,
        &causes,
    );
    let t = trigger.as_str();
    match r.verdict {
        Verdict::Healthy => tracing::info!(trigger = t, verdict, "{line}"),
        _ => tracing::warn!(trigger = t, verdict, "{line}"),
    }
    for f in &r.findings {
        let signal = f.signal.map_or("all", |s| s.as_str());
        let line = text::self_check_finding(
            t,
            f.cause.code(),
            signal,
            f.stage.as_str(),
            &f.summary,
            &f.fix,
        );
        let cause = f.cause.code();
        match f.severity {
            Severity::Error => tracing::error!(trigger = t, cause, "{line}"),
            Severity::Warning => tracing::warn!(trigger = t, cause, "{line}"),
            Severity::Info => tracing::info!(trigger = t, cause, "{line}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(ok: u64, failed: u64) -> Stats {
        Stats {
            exports_ok: ok,
            exports_failed: failed,
            spans_exported: ok,
            spans_failed: failed,
            spans_dropped: 0,
            last_error: (failed > 0).then(|| "refused".to_owned()),
        }
    }

    #[test]
    fn one_doctor_per_change_or_interval_never_two_at_once() {
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        let mut s = Scheduler::new(Duration::from_secs(60));
        s.observe(&stats(1, 0), at(0));
        assert_eq!(s.next(false, at(0)), None, "healthy: no doctor");
        assert!(s.observe(&stats(1, 1), at(2)).is_some());
        assert_eq!(s.next(false, at(2)), Some(Trigger::ExportFailing));
        // Still failing: nothing new until the interval is over.
        for t in [4, 30, 61] {
            s.observe(&stats(1, t), at(t));
            assert_eq!(s.next(false, at(t)), None, "at {t}s");
        }
        s.observe(&stats(1, 62), at(62));
        // A doctor still running: the interval run waits for it, and is not doubled.
        assert_eq!(s.next(true, at(62)), None);
        s.observe(&stats(1, 63), at(63));
        assert_eq!(s.next(false, at(63)), Some(Trigger::Interval));
        assert_eq!(s.next(false, at(63)), None);
        // Recovery while a run is busy: it runs once the other is done.
        assert!(s
            .observe(
                &Stats {
                    last_error: None,
                    ..stats(2, 63)
                },
                at(64)
            )
            .is_some());
        assert_eq!(s.next(true, at(64)), None);
        assert_eq!(s.next(false, at(65)), Some(Trigger::Recovered));
        // Healthy for long: no interval runs.
        s.observe(
            &Stats {
                last_error: None,
                ..stats(3, 63)
            },
            at(500),
        );
        assert_eq!(s.next(false, at(500)), None);
    }

    #[test]
    fn budget_is_bounded() {
        assert_eq!(budget(Duration::from_secs(2)), Duration::from_secs(5));
        assert_eq!(budget(Duration::from_secs(20)), Duration::from_secs(20));
        assert_eq!(budget(Duration::from_secs(600)), Duration::from_secs(60));
    }
}
