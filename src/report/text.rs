//! The text renderer for people, the answer on one screen: one line per stage, the settings
//! behind the findings, the findings with explanation and fix, a one-line verdict. `-v` adds
//! every setting and each stage's exchange (`verbose`). Secrets never reach it: settings arrive
//! already redacted in the report's JSON `settings`.

use super::settings_text::{settings, Only};
use super::{Report, Status, Verdict};
use crate::cause::{Finding, Severity};
use crate::facts::peer_text::visible;
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

pub(super) fn finding(out: &mut String, p: &Paint, f: &Finding, verbose: bool) {
    let signal = f.signal.map(|s| format!(" {s}")).unwrap_or_default();
    let _ = writeln!(
        out,
        "{} [{}{signal}] {}",
        p.severity(f.severity),
        f.cause.code(),
        p.bold(&visible(&f.summary))
    );
    let _ = writeln!(out, "    {}", visible(&f.explanation));
    let verified = if f.fix_verified {
        " (fix verified)"
    } else {
        ""
    };
    let _ = writeln!(out, "    Fix: {}{verified}", visible(&f.fix));
    if verbose {
        for line in super::verbose::exchange(&f.evidence) {
            let _ = writeln!(out, "    {}", p.dim(&line));
        }
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
    if verbose {
        settings(&mut out, &p, &report.settings, &Only::All);
        let _ = writeln!(out);
    }
    for (i, t) in report.targets.iter().enumerate() {
        if i > 0 {
            let _ = writeln!(out);
        }
        let _ = writeln!(
            out,
            "{}",
            p.bold(&format!(
                "{} → {} ({})",
                t.signal,
                visible(&t.url),
                t.protocol
            ))
        );
        for c in &t.checks {
            let stage = c.stage.as_str();
            let _ = writeln!(
                out,
                "{} {stage:<9} {}",
                p.status(c.status),
                visible(&c.summary)
            );
            if verbose {
                for line in super::verbose::exchange(&c.evidence) {
                    let _ = writeln!(out, "      {}", p.dim(&line));
                }
                if c.duration_ms > 0 {
                    let _ = writeln!(
                        out,
                        "      {}",
                        p.dim(&format!("* took {} ms", c.duration_ms))
                    );
                }
            }
        }
    }
    if !report.findings.is_empty() {
        if !verbose {
            let _ = writeln!(out);
            settings(
                &mut out,
                &p,
                &report.settings,
                &Only::Behind(&report.findings),
            );
        }
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
