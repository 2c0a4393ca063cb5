//! The doctor's report: the model of contract §4 and one renderer per output format.

pub mod bound;
pub mod collector;
pub mod json;
mod settings_text;
pub mod text;
mod verbose;

use crate::cause::{Finding, Severity, Stage};
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

/// The canary span's fate (contract §4 `canary`).
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
    /// `broken` on any error, `degraded` on any warning, else `healthy`.
    pub fn verdict_of(findings: &[Finding]) -> Verdict {
        match findings.iter().map(|f| f.severity).max() {
            Some(Severity::Error) => Verdict::Broken,
            Some(Severity::Warning) => Verdict::Degraded,
            _ => Verdict::Healthy,
        }
    }

    /// Contract §3: 1 when any finding is an error, else 0.
    pub fn exit_code(&self) -> u8 {
        u8::from(self.findings.iter().any(|f| f.severity == Severity::Error))
    }
}
