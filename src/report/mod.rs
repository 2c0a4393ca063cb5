//! The doctor's report: the model of `docs/report-schema.json` and one renderer per output format.

pub mod bound;
pub mod codequality;
pub mod collector;
mod exit;
pub mod json;
pub mod sarif;
pub mod text;

pub use exit::Exit;

use crate::cause::{Finding, Stage};
use crate::config::{Protocol, Signal};
use serde::Serialize;

pub const SCHEMA: &str = "runner.doctor.otel/v1";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Healthy,
    Degraded,
    Broken,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
    Skip,
}

/// One stage's result for one target.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Check {
    pub stage: Stage,
    pub status: Status,
    pub duration_ms: u64,
    pub summary: String,
    pub evidence: serde_json::Value,
}

impl Check {
    pub fn new(stage: Stage, status: Status, summary: impl Into<String>) -> Check {
        Check {
            stage,
            status,
            duration_ms: 0,
            summary: summary.into(),
            evidence: serde_json::Value::Object(Default::default()),
        }
    }

    pub fn evidence(mut self, evidence: serde_json::Value) -> Check {
        self.evidence = evidence;
        self
    }

    pub fn took(mut self, elapsed: std::time::Duration) -> Check {
        self.duration_ms = elapsed.as_millis() as u64;
        self
    }
}

/// One signal's endpoint and the checks run against it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Target {
    pub signal: Signal,
    pub url: String,
    pub protocol: Protocol,
    pub checks: Vec<Check>,
}

/// The canary span's fate (`canary` of `docs/report-schema.json`).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Canary {
    pub sent: bool,
    pub trace_id: Option<String>,
    pub span_id: Option<String>,
    pub exported: bool,
    pub latency_ms: Option<u64>,
    pub error: Option<String>,
    pub arrived: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub version: &'static str,
    pub verdict: Verdict,
    pub duration_ms: u64,
    /// Effective settings with sources, keyed by signal, plus `shadowed` and global values.
    pub settings: serde_json::Value,
    pub targets: Vec<Target>,
    pub findings: Vec<Finding>,
    pub canary: Option<Canary>,
}

impl Report {
    /// The verdict of these findings ([`Verdict::of`], shared with `doctor collector`).
    pub fn verdict_of(findings: &[Finding]) -> Verdict {
        Verdict::of(findings)
    }

    /// `docs/exit-codes.md`: [`Exit::Problem`] when any finding is an error, else [`Exit::Ok`].
    pub fn exit_code(&self) -> Exit {
        Exit::of(&self.findings)
    }
}
