//! The report of `runner doctor collector` (schema `runner.doctor.collector/v1`): the same keys as
//! `doctor otel`'s, with the collector's pipelines as targets and one check per component.

use super::{Check, Exit, Status, Verdict};
use crate::cause::{Finding, Severity};
use serde::Serialize;
use std::fmt::Write;

pub const SCHEMA: &str = "runner.doctor.collector/v1";

/// One pipeline of one configuration, with a check per component.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PipelineTarget {
    /// The pipeline's data type: traces, metrics, logs, profiles (empty when not one of those).
    pub signal: String,
    pub pipeline: String,
    /// Where the configuration came from (files, ConfigMap, OpenTelemetryCollector).
    pub url: String,
    pub checks: Vec<Check>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CollectorReport {
    pub schema: &'static str,
    pub version: &'static str,
    pub verdict: Verdict,
    pub duration_ms: u64,
    pub settings: serde_json::Value,
    pub targets: Vec<PipelineTarget>,
    pub findings: Vec<Finding>,
    pub canary: Option<()>,
}

impl CollectorReport {
    /// The same exit as `doctor otel`'s report ([`Exit::of`]).
    pub fn exit_code(&self) -> Exit {
        Exit::of(&self.findings)
    }

    /// The same verdict as `doctor otel`'s report ([`Verdict::of`]).
    pub fn verdict_of(findings: &[Finding]) -> Verdict {
        Verdict::of(findings)
    }
}

pub fn render_json(r: &CollectorReport) -> String {
    let mut s = serde_json::to_string_pretty(r).expect("report serializes");
    s.push('\n');
    s
}

/// Text for people, laid out like `doctor otel`'s: settings, each pipeline with one line per
/// component, findings with their place, explanation and fix, then the verdict.
pub fn render_text(r: &CollectorReport, color: bool, verbose: bool) -> String {
    let p = super::text::Paint { on: color };
    let mut out = String::new();
    let _ = writeln!(out, "{}", p.bold("Settings"));
    if let Some(m) = r.settings.as_object() {
        for (k, v) in m {
            let shown = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Array(a) => a
                    .iter()
                    .filter_map(|x| x.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                other => other.to_string(),
            };
            let _ = writeln!(out, "  {:<20} {shown}", k.replace('_', " "));
        }
    }
    for t in &r.targets {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{}",
            p.bold(&format!("pipeline {} ({})", t.pipeline, t.url))
        );
        for c in &t.checks {
            let _ = writeln!(out, "{} {}", p.status(c.status), c.summary);
            if verbose && c.evidence.as_object().is_some_and(|m| !m.is_empty()) {
                let _ = writeln!(out, "      {}", p.dim(&format!("evidence: {}", c.evidence)));
            }
        }
    }
    if !r.findings.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", p.bold("Findings"));
        for f in &r.findings {
            super::text::finding(&mut out, &p, f, verbose);
            if let Some(at) = f.evidence.get("location") {
                let _ = writeln!(
                    out,
                    "    At: {}:{}:{}",
                    at["file"].as_str().unwrap_or(""),
                    at["line"],
                    at["column"]
                );
            }
        }
    }
    super::text::verdict_line(&mut out, &p, &r.findings, r.verdict, r.duration_ms);
    out
}

/// A component's status from the worst finding about it.
pub fn status_of(worst: Option<Severity>) -> Status {
    match worst {
        Some(Severity::Error) => Status::Fail,
        Some(Severity::Warning) => Status::Warn,
        _ => Status::Pass,
    }
}

/// Where a finding points in the input files: file as given, line and column (1-based).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

/// The finding's place from its evidence; findings about the running collector have none.
pub fn place(f: &Finding) -> Option<Place> {
    let at = f.evidence.get("location")?;
    let line = at["line"].as_u64().filter(|l| *l > 0)? as u32;
    Some(Place {
        file: at["file"].as_str()?.to_owned(),
        line,
        column: at["column"].as_u64().unwrap_or(1).max(1) as u32,
    })
}

/// A path as code-scanning tools want it: forward slashes, no leading `./`.
pub fn repo_path(file: &str) -> String {
    let p = file.replace('\\', "/");
    p.strip_prefix("./").unwrap_or(&p).to_owned()
}

/// Stable fingerprints, one per finding in order: a hash of cause, file and summary (not the
/// line, so an edit above a finding keeps its identity), made unique by the occurrence count.
pub fn fingerprints(r: &CollectorReport) -> Vec<String> {
    use sha2::{Digest, Sha256};
    let mut seen: Vec<String> = Vec::new();
    r.findings
        .iter()
        .map(|f| {
            let file = place(f).map(|p| repo_path(&p.file)).unwrap_or_default();
            let base = format!("{}\0{file}\0{}", f.cause.code(), f.summary);
            let n = seen.iter().filter(|s| **s == base).count();
            seen.push(base.clone());
            let h = Sha256::digest(format!("{base}\0{n}").as_bytes());
            hex::encode(&h[..16])
        })
        .collect()
}
