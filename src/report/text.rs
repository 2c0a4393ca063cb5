//! The text renderer for people: settings with sources, one line per stage, then findings with
//! explanation and fix, then a one-line verdict. Secrets never reach it: settings arrive
//! already redacted in the report's JSON `settings`.

use super::{Report, Status, Verdict};
use crate::cause::{Finding, Severity};
use serde_json::Value;
use std::fmt::Write;

pub(super) struct Paint {
    pub(super) on: bool,
}

impl Paint {
    pub(super) fn wrap(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }
    pub(super) fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    pub(super) fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
    pub(super) fn status(&self, st: Status) -> String {
        match st {
            Status::Pass => self.wrap("32", "[✓]"),
            Status::Warn => self.wrap("33", "[!]"),
            Status::Fail => self.wrap("31", "[✗]"),
            Status::Skip => self.wrap("2", "[-]"),
        }
    }
    pub(super) fn severity(&self, s: Severity) -> String {
        match s {
            Severity::Error => self.wrap("31;1", "error"),
            Severity::Warning => self.wrap("33;1", "warning"),
            Severity::Info => self.wrap("36", "info"),
        }
    }
}

/// Order of the per-signal settings, as a person reads them.
const SIGNAL_KEYS: &[&str] = &[
    "endpoint",
    "url",
    "protocol",
    "headers",
    "insecure",
    "certificate",
    "client_certificate",
    "client_key",
    "compression",
    "timeout",
];

const GLOBAL_KEYS: &[&str] = &[
    "service_name",
    "resource_attributes",
    "sdk_disabled",
    "traces_exporter",
    "sampler",
    "https_proxy",
    "http_proxy",
    "no_proxy",
    "preflight",
];

fn show_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(m) if m.is_empty() => "(none)".to_owned(),
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| format!("{k}={}", show_value(v)))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Null => "(none)".to_owned(),
        other => other.to_string(),
    }
}

fn setting_line(out: &mut String, p: &Paint, key: &str, entry: &Value) {
    let value = show_value(&entry["value"]);
    let source = entry["source"].as_str().unwrap_or("");
    let _ = writeln!(
        out,
        "  {key:<20} {value}  {}",
        p.dim(&format!("({source})"))
    );
}

fn settings(out: &mut String, p: &Paint, s: &Value) {
    let _ = writeln!(out, "{}", p.bold("Settings"));
    if let Some(f) = s["config_file"].as_str() {
        let _ = writeln!(out, "  {:<20} {f}", "config file");
    }
    for signal in ["traces", "metrics", "logs"] {
        let Some(sig) = s.get(signal).filter(|v| v.is_object()) else {
            continue;
        };
        let _ = writeln!(out, " {}", p.bold(signal));
        for key in SIGNAL_KEYS {
            // The URL is worth a line only when the /v1/<signal> rule changed the endpoint.
            if *key == "url"
                && sig.get("url").map(|u| &u["value"]) == sig.get("endpoint").map(|e| &e["value"])
            {
                continue;
            }
            if let Some(e) = sig.get(*key) {
                setting_line(out, p, key, e);
            }
        }
    }
    let _ = writeln!(out, " {}", p.bold("global"));
    for key in GLOBAL_KEYS {
        if let Some(e) = s.get(*key) {
            setting_line(out, p, key, e);
        }
    }
    if let Some(sh) = s["shadowed"].as_array().filter(|a| !a.is_empty()) {
        let _ = writeln!(
            out,
            " {}",
            p.bold("shadowed (ignored because a higher source wins)")
        );
        // The same generic value shadowed for several signals is one line naming them all.
        let mut lines: Vec<(Vec<String>, &Value)> = Vec::new();
        for e in sh {
            let same = |o: &Value| {
                ["setting", "value", "source", "winner", "winner_value"]
                    .iter()
                    .all(|k| o[*k] == e[*k])
            };
            let signal = e["signal"].as_str().unwrap_or("").to_owned();
            match lines.iter_mut().find(|(_, o)| same(o)) {
                Some((signals, _)) => signals.push(signal),
                None => lines.push((vec![signal], e)),
            }
        }
        for (signals, e) in lines {
            let signals: Vec<String> = signals.into_iter().filter(|s| !s.is_empty()).collect();
            let signal = if signals.is_empty() {
                String::new()
            } else {
                format!(" [{}]", signals.join(", "))
            };
            let _ = writeln!(
                out,
                "  {}{signal} = {}  {}",
                e["setting"].as_str().unwrap_or(""),
                show_value(&e["value"]),
                p.dim(&format!(
                    "({}, lost to {})",
                    e["source"].as_str().unwrap_or(""),
                    e["winner"].as_str().unwrap_or("")
                ))
            );
        }
    }
}

pub(super) fn finding(out: &mut String, p: &Paint, f: &Finding, verbose: bool) {
    let signal = f.signal.map(|s| format!(" {s}")).unwrap_or_default();
    let _ = writeln!(
        out,
        "{} [{}{signal}] {}",
        p.severity(f.severity),
        f.cause.code(),
        p.bold(&f.summary)
    );
    let _ = writeln!(out, "    {}", f.explanation);
    let verified = if f.fix_verified {
        " (fix verified)"
    } else {
        ""
    };
    let _ = writeln!(out, "    Fix: {}{verified}", f.fix);
    if verbose && f.evidence.as_object().is_some_and(|m| !m.is_empty()) {
        let _ = writeln!(out, "    {}", p.dim(&format!("evidence: {}", f.evidence)));
    }
}

/// Renders the report; `color` only when writing to a terminal and `NO_COLOR` is unset.
pub fn render(report: &Report, color: bool, verbose: bool) -> String {
    let p = Paint { on: color };
    let mut out = String::new();
    // Said first: with nothing configured, what the doctor is checking at all.
    for c in report.targets.iter().flat_map(|t| &t.checks) {
        if c.evidence["nothing_configured"] == serde_json::Value::Bool(true) {
            let _ = writeln!(out, "{}\n", p.bold(&c.summary));
        }
    }
    settings(&mut out, &p, &report.settings);
    for t in &report.targets {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{}",
            p.bold(&format!("{} → {} ({})", t.signal, t.url, t.protocol))
        );
        for c in &t.checks {
            let stage = c.stage.as_str();
            let _ = writeln!(out, "{} {stage:<9} {}", p.status(c.status), c.summary);
            if verbose {
                if c.evidence.as_object().is_some_and(|m| !m.is_empty()) {
                    let _ = writeln!(out, "      {}", p.dim(&format!("evidence: {}", c.evidence)));
                }
                if c.duration_ms > 0 {
                    let _ = writeln!(out, "      {}", p.dim(&format!("{} ms", c.duration_ms)));
                }
            }
        }
    }
    if !report.findings.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", p.bold("Findings"));
        for f in &report.findings {
            finding(&mut out, &p, f, verbose);
        }
    }
    if let Some(c) = &report.canary {
        if c.sent {
            let id = c.trace_id.as_deref().unwrap_or("-");
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "Canary: trace {id} {}",
                if c.exported {
                    "exported"
                } else {
                    "not exported"
                }
            );
        }
    }
    verdict_line(
        &mut out,
        &p,
        &report.findings,
        report.verdict,
        report.duration_ms,
    );
    out
}

/// The closing line: the verdict and its counts (shared with the collector's report).
pub(super) fn verdict_line(
    out: &mut String,
    p: &Paint,
    findings: &[Finding],
    verdict: Verdict,
    duration_ms: u64,
) {
    let count = |s| findings.iter().filter(|f| f.severity == s).count();
    let (e, w, i) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
    );
    let verdict = match verdict {
        Verdict::Healthy => p.wrap("32;1", "healthy"),
        Verdict::Degraded => p.wrap("33;1", "degraded"),
        Verdict::Broken => p.wrap("31;1", "broken"),
    };
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Verdict: {verdict} ({e} error{}, {w} warning{}, {i} info) in {duration_ms} ms",
        if e == 1 { "" } else { "s" },
        if w == 1 { "" } else { "s" },
    );
}
