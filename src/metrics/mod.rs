//! Fleet metrics (README.md, "For operators"): the runner's telemetry health in the Prometheus
//! text format.
//!
//! `Metrics` is fed by the recording exporter (as an `ExportObserver`), by the job loop and by
//! every doctor run (pre-flight and run-time self-check); `server` serves it. Every label value
//! comes from a fixed set (cause codes, severities, signals, triggers, job states): never a URL,
//! a credential or error text.

pub mod labels;
pub mod server;

use crate::cause::Severity;
use crate::report::{Report, Verdict};
use crate::telemetry::{ExportObserver, ExportRecord, Outcome};
use labels::Trigger;
use prometheus::{
    Encoder, Gauge, Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, IntGaugeVec,
    Opts, Registry, TextEncoder,
};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// The content type of the classic text exposition format, which every Prometheus and promtool
/// reads.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The registry and every metric README.md, "For operators" lists.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    spans_exported: IntCounter,
    spans_failed: IntCounterVec,
    spans_dropped: IntCounter,
    export_duration: Histogram,
    last_success: Gauge,
    doctor_runs: IntCounterVec,
    doctor_verdict: IntGaugeVec,
    doctor_findings: IntGaugeVec,
    jobs: IntCounterVec,
    coordinator_up: IntGauge,
    coordinator_errors: IntCounterVec,
    /// What the last job request came to (answered, error cause), for `/healthz`.
    coordinator: Mutex<Option<(bool, Option<&'static str>)>>,
    /// The latest verdict and what triggered it, for `/healthz`.
    current: Mutex<Option<(Verdict, Trigger)>>,
}

/// The fixed metric definitions cannot fail to register; a failure here is a programming error
/// caught by the unit tests.
fn registered<C: prometheus::core::Collector + Clone + 'static>(r: &Registry, c: C) -> C {
    r.register(Box::new(c.clone()))
        .expect("metric names are fixed and unique");
    c
}

impl Metrics {
    /// A fresh registry; `version` goes into `runner_build_info`.
    pub fn new(version: &str) -> Metrics {
        let r = Registry::new();
        let counter = |name: &str, help: &str| {
            registered(
                &r,
                IntCounter::with_opts(Opts::new(name, help)).expect("valid"),
            )
        };
        let counter_vec = |name: &str, help: &str, labels: &[&str]| {
            registered(
                &r,
                IntCounterVec::new(Opts::new(name, help), labels).expect("valid"),
            )
        };
        let gauge_vec = |name: &str, help: &str, labels: &[&str]| {
            registered(
                &r,
                IntGaugeVec::new(Opts::new(name, help), labels).expect("valid"),
            )
        };
        let m = Metrics {
            spans_exported: counter(
                "runner_otel_spans_exported_total",
                "Spans the collector accepted.",
            ),
            spans_failed: counter_vec(
                "runner_otel_spans_failed_total",
                "Spans whose export failed or was rejected, by cause code (unknown when the \
                 exporter's evidence names none).",
                &["cause"],
            ),
            spans_dropped: counter(
                "runner_otel_spans_dropped_total",
                "Spans dropped before export (queue full or pipeline closed).",
            ),
            export_duration: registered(
                &r,
                Histogram::with_opts(HistogramOpts::new(
                    "runner_otel_export_duration_seconds",
                    "Duration of each OTLP export call, successful or not.",
                ))
                .expect("valid"),
            ),
            last_success: registered(
                &r,
                Gauge::with_opts(Opts::new(
                    "runner_otel_last_export_success_timestamp_seconds",
                    "Unix time of the last export the collector accepted (0: none yet).",
                ))
                .expect("valid"),
            ),
            doctor_runs: counter_vec(
                "runner_otel_doctor_runs_total",
                "Doctor runs, by what triggered them.",
                &["trigger"],
            ),
            doctor_verdict: gauge_vec(
                "runner_otel_doctor_verdict",
                "1 for the latest doctor verdict, 0 for the others.",
                &["verdict"],
            ),
            doctor_findings: gauge_vec(
                "runner_otel_doctor_findings",
                "Findings of the latest doctor run, by cause code, severity and signal.",
                &["cause", "severity", "signal"],
            ),
            jobs: counter_vec(
                "runner_jobs_total",
                "Jobs finished, by final state.",
                &["state"],
            ),
            coordinator_up: registered(
                &r,
                IntGauge::with_opts(Opts::new(
                    "runner_coordinator_up",
                    "1 when the last job request got an HTTP answer from the coordinator.",
                ))
                .expect("valid"),
            ),
            coordinator_errors: counter_vec(
                "runner_coordinator_errors_total",
                "Job requests that failed, by cause (refused, timeout, connect, tls, http, body, \
                 bad_job, bad_url).",
                &["cause"],
            ),
            coordinator: Mutex::new(None),
            registry: r.clone(),
            current: Mutex::new(None),
        };
        let info = gauge_vec(
            "runner_build_info",
            "Always 1; the runner's version is in the label.",
            &["version"],
        );
        info.with_label_values(&[labels::bounded_version(version)])
            .set(1);
        // Series that exist from the start, so queries and alerts see zeros, not gaps.
        for t in Trigger::ALL {
            m.doctor_runs.with_label_values(&[t.as_str()]);
        }
        for v in labels::VERDICTS {
            m.doctor_verdict.with_label_values(&[labels::verdict(v)]);
        }
        for s in labels::JOB_STATES {
            m.jobs.with_label_values(&[s]);
        }
        for c in labels::COORDINATOR_CAUSES {
            m.coordinator_errors.with_label_values(&[c]);
        }
        m
    }

    /// A job request came to this: an HTTP answer or not, and the cause of a failure.
    pub fn coordinator_seen(&self, answered: bool, error: Option<&'static str>) {
        self.coordinator_up.set(i64::from(answered));
        if let Some(cause) = error {
            self.coordinator_errors
                .with_label_values(&[labels::coordinator_cause(cause)])
                .inc();
        }
        *self.coordinator.lock().unwrap_or_else(|e| e.into_inner()) = Some((answered, error));
    }

    /// What the last job request came to; `None` before the first.
    pub fn coordinator(&self) -> Option<(bool, Option<&'static str>)> {
        *self.coordinator.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The exposition in the classic text format (`CONTENT_TYPE`).
    pub fn render(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4096);
        // Encoding into memory only fails on families the registry itself would reject.
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::debug!(error = %e, "metrics exposition incomplete");
        }
        out
    }

    /// A job ended in `state` (`success`, `failed`, ...).
    pub fn job_finished(&self, state: &str) {
        self.jobs
            .with_label_values(&[labels::job_state(state)])
            .inc();
    }

    /// A doctor ran; `report` is `None` when it was cut short by its budget (the verdict stays).
    pub fn doctor_ran(&self, trigger: Trigger, report: Option<&Report>) {
        self.doctor_runs
            .with_label_values(&[trigger.as_str()])
            .inc();
        if let Some(r) = report {
            self.set_verdict(r.verdict, trigger);
            self.doctor_findings.reset();
            for f in &r.findings {
                let signal = f.signal.map_or("all", |s| s.as_str());
                self.doctor_findings
                    .with_label_values(&[f.cause.code(), severity(f.severity), signal])
                    .inc();
            }
        }
    }

    /// The exporter proved export works again: healthy, no findings, until a doctor says more.
    pub fn export_recovered(&self) {
        self.set_verdict(Verdict::Healthy, Trigger::Recovered);
        self.doctor_findings.reset();
    }

    fn set_verdict(&self, verdict: Verdict, trigger: Trigger) {
        for v in labels::VERDICTS {
            self.doctor_verdict
                .with_label_values(&[labels::verdict(v)])
                .set(i64::from(v == verdict));
        }
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = Some((verdict, trigger));
    }

    /// The latest verdict and its trigger; `None` before any doctor finished.
    pub fn current(&self) -> Option<(Verdict, Trigger)> {
        *self.current.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

impl ExportObserver for Metrics {
    fn exported(&self, record: &ExportRecord) {
        let n = record.spans as u64;
        self.export_duration
            .observe(record.latency_ms as f64 / 1000.0);
        let success = |exported: u64| {
            self.spans_exported.inc_by(exported);
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64());
            self.last_success.set(now);
        };
        match &record.outcome {
            Outcome::Exported => success(n),
            Outcome::PartiallyRejected(p) => {
                let rejected = (p.rejected_spans.max(0) as u64).min(n);
                success(n - rejected);
                self.spans_failed
                    .with_label_values(&[labels::PARTIAL_SUCCESS])
                    .inc_by(rejected);
            }
            Outcome::Failed(f) => self
                .spans_failed
                .with_label_values(&[labels::failure_cause(f)])
                .inc_by(n),
        }
    }

    fn dropped(&self, spans: u64) {
        self.spans_dropped.inc_by(spans);
    }
}

#[cfg(test)]
mod tests;
