//! Text and JSON renderings of `runner doctor explain`: one line, or a whole log's groups.

use super::check::Outcome;
use super::extract::{self, Context};
use super::logscan::Summary;
use super::own::Coordinator;
use super::{cut, Match, SCHEMA};
use crate::cause::explain_text;
use crate::redact::redact_text;
use serde::Serialize;

/// The echoed input is cut to this many bytes.
const MAX_ECHO: usize = 4096;

#[derive(Serialize)]
struct JsonOut<'a> {
    schema: &'static str,
    version: &'static str,
    input: String,
    input_truncated: bool,
    matches: &'a [Match],
    /// What the line says about where it went.
    context: &'a Context,
    /// The exact doctor command that settles it.
    settle_with: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    check: Option<&'a Outcome>,
}

/// The JSON document (schema `runner.doctor.explain/v1`); the input is echoed redacted.
pub fn render_json(input: &str, matches: &[Match]) -> String {
    json_with(input, matches, &extract::context(input), None)
}

pub fn json_with(input: &str, matches: &[Match], ctx: &Context, check: Option<&Outcome>) -> String {
    let (echo, truncated) = cut(input, MAX_ECHO);
    let out = JsonOut {
        schema: SCHEMA,
        version: crate::VERSION,
        input: redact_text(echo),
        input_truncated: truncated,
        matches,
        context: ctx,
        settle_with: extract::settle_command(ctx, matches.first().map(|m| m.cause)),
        check,
    };
    let mut s = serde_json::to_string_pretty(&out).expect("explain output serializes");
    s.push('\n');
    s
}

/// The text rendering, best cause first.
pub fn render_text(input: &str, matches: &[Match]) -> String {
    text_with(input, matches, &extract::context(input), None)
}

pub fn text_with(input: &str, matches: &[Match], ctx: &Context, check: Option<&Outcome>) -> String {
    let first_line = input.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let (shown, truncated) = cut(first_line.trim(), 300);
    let more = if truncated || input.trim().lines().count() > 1 {
        " …"
    } else {
        ""
    };
    let mut s = format!("Explaining: {}{more}\n\n", redact_text(shown));
    if matches.is_empty() {
        s.push_str("No known failure matches this text.\n");
        s.push_str(
            "Run `runner doctor otel` to diagnose the export path from what is seen on the wire \
             (add -v for the raw evidence).\n",
        );
        return s;
    }
    let vague = matches.first().is_some_and(|m| m.vague);
    s.push_str(if vague {
        "The text names no cause by itself; plausible causes, most likely first:\n"
    } else {
        "Likely causes, best first:\n"
    });
    s.push_str(&matches_text(matches, "   "));
    s.push_str(&format!(
        "\n{}: {}\n",
        explain_text::SETTLE_IT,
        extract::settle_command(ctx, matches.first().map(|m| m.cause))
    ));
    if let Some(c) = check {
        s.push_str(&format!("Checked: {}\n", c.verdict));
    }
    s
}

fn matches_text(matches: &[Match], indent: &str) -> String {
    let mut s = String::new();
    for (i, m) in matches.iter().enumerate() {
        s.push_str(&format!(
            "\n{}. {} ({} confidence; recognised \"{}\")\n{indent}{}\n{indent}Why: {}\n",
            i + 1,
            m.cause,
            m.confidence.as_str(),
            m.matched,
            m.summary,
            m.explanation
        ));
        if let Some(note) = &m.note {
            s.push_str(&format!("{indent}Note: {note}\n"));
        }
        if m.vague {
            s.push_str(&format!("{indent}Decided by: {}\n", m.decided_by));
        }
        s.push_str(&format!(
            "{indent}Fix: {}\n{indent}Confirm: {} (check `{}`)\n",
            m.fix, m.confirm_with.command, m.confirm_with.stage
        ));
    }
    s
}

/// A whole log's groups, most frequent first (ties: first seen).
pub fn log_text(summary: &Summary) -> String {
    let mut s = explain_text::log_heading(
        summary.lines,
        summary.errors,
        summary.groups.len(),
        summary.long_lines,
    );
    let failures: u64 = summary.coordinator.iter().map(|g| g.count).sum();
    if failures > 0 {
        s.push_str(&explain_text::log_coordinator_heading(failures));
    }
    if !summary.found() {
        s.push_str(explain_text::LOG_NOTHING);
        return s;
    }
    let mut groups: Vec<_> = summary.groups.iter().collect();
    groups.sort_by_key(|g| std::cmp::Reverse(g.count));
    for (i, g) in groups.iter().enumerate() {
        let codes: Vec<&str> = g.matches.iter().map(|m| m.cause.code()).collect();
        let what = if g.vague {
            explain_text::one_of(&codes)
        } else {
            g.cause.code().to_string()
        };
        s.push_str(&explain_text::log_group(
            i + 1,
            &what,
            g.count,
            g.first.as_deref(),
            g.last.as_deref(),
        ));
        s.push_str(&format!("   e.g. {}\n", g.sample));
        if g.vague {
            s.push_str(&format!("   {}\n", explain_text::VAGUE_NOTE));
            for m in &g.matches {
                s.push_str(&format!("   - {}: {}\n", m.cause, m.decided_by));
            }
        } else if let Some(m) = g.matches.first() {
            s.push_str(&format!("   {}\n   Fix: {}\n", m.summary, m.fix));
        }
        s.push_str(&format!(
            "   {}: {}\n",
            explain_text::SETTLE_IT,
            g.settle_with
        ));
    }
    for (i, g) in summary.coordinator.iter().enumerate() {
        let t = match &g.failure {
            Coordinator::Refused { status } => explain_text::coordinator_refused(status.as_deref()),
            Coordinator::Unreachable { error } => {
                explain_text::coordinator_unreachable(error.as_deref())
            }
        };
        s.push_str(&explain_text::log_group(
            groups.len() + i + 1,
            &t.what,
            g.count,
            g.first.as_deref(),
            g.last.as_deref(),
        ));
        s.push_str(&format!(
            "   e.g. {}\n   {}\n   Fix: {}\n   {}: {}\n",
            g.sample,
            t.meaning,
            t.fix,
            explain_text::SETTLE_IT,
            g.settle_with
        ));
    }
    s
}

#[derive(Serialize)]
struct LogJson<'a> {
    schema: &'static str,
    version: &'static str,
    #[serde(flatten)]
    summary: &'a Summary,
}

/// The JSON document of a whole log (schema `runner.doctor.explain/v1`, `groups[]`).
pub fn log_json(summary: &Summary) -> String {
    let mut s = serde_json::to_string_pretty(&LogJson {
        schema: SCHEMA,
        version: crate::VERSION,
        summary,
    })
    .expect("explain log output serializes");
    s.push('\n');
    s
}
