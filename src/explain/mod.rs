//! `runner doctor explain`: matches an error line against known failures, offline.
//!
//! Exit codes: 0 when at least one known failure matched, 1 when none did, 2 when there was
//! nothing to read.

pub mod kb;
pub mod matcher;

use crate::cause::{generic, Cause, Stage};
use crate::cli::{ExplainArgs, OutputFormat};
use crate::redact::redact_text;
use serde::Serialize;
use std::io::{IsTerminal, Read};

/// Schema of `runner doctor explain --output json`.
pub const SCHEMA: &str = "runner.doctor.explain/v1";

/// Standard input is read up to this many bytes.
pub const MAX_INPUT: usize = 1 << 20;

/// The echoed input is cut to this many bytes.
const MAX_ECHO: usize = 4096;

/// How sure a match is: `high` when the text is specific to the cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// The doctor check that would confirm a cause from evidence.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConfirmWith {
    pub command: String,
    pub stage: Stage,
}

/// One likely cause, as printed and as the JSON `matches[]` entry.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Match {
    pub cause: Cause,
    pub confidence: Confidence,
    pub summary: &'static str,
    pub explanation: &'static str,
    pub fix: &'static str,
    pub confirm_with: ConfirmWith,
    /// The known text that was recognised (`…` for a variable part).
    pub matched: String,
    /// A remark on this particular text, when there is one.
    pub note: Option<String>,
}

/// The likely causes of an error text, best first; empty when nothing is known.
pub fn explain(text: &str) -> Vec<Match> {
    matcher::hits(text)
        .into_iter()
        .map(|h| {
            let t = generic::text(h.cause);
            Match {
                cause: h.cause,
                confidence: h.confidence,
                summary: t.summary,
                explanation: t.explanation,
                fix: t.fix,
                confirm_with: confirm_with(h.cause),
                matched: h.matched,
                note: h.note,
            }
        })
        .collect()
}

fn confirm_with(cause: Cause) -> ConfirmWith {
    let command = match cause.stage() {
        Stage::Backend => "runner doctor otel --backend jaeger --backend-url URL",
        _ => "runner doctor otel",
    };
    ConfirmWith {
        command: command.to_string(),
        stage: cause.stage(),
    }
}

#[derive(Serialize)]
struct JsonOut<'a> {
    schema: &'static str,
    version: &'static str,
    input: String,
    input_truncated: bool,
    matches: &'a [Match],
}

/// The JSON document (schema `runner.doctor.explain/v1`); the input is echoed redacted.
pub fn render_json(input: &str, matches: &[Match]) -> String {
    let (echo, truncated) = cut(input, MAX_ECHO);
    let out = JsonOut {
        schema: SCHEMA,
        version: crate::VERSION,
        input: redact_text(echo),
        input_truncated: truncated,
        matches,
    };
    let mut s = serde_json::to_string_pretty(&out).expect("explain output serializes");
    s.push('\n');
    s
}

/// The text rendering, best cause first.
pub fn render_text(input: &str, matches: &[Match]) -> String {
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
    s.push_str("Likely causes, best first:\n");
    for (i, m) in matches.iter().enumerate() {
        s.push_str(&format!(
            "\n{}. {} ({} confidence; recognised \"{}\")\n   {}\n   Why: {}\n",
            i + 1,
            m.cause,
            m.confidence.as_str(),
            m.matched,
            m.summary,
            m.explanation
        ));
        if let Some(note) = &m.note {
            s.push_str(&format!("   Note: {note}\n"));
        }
        s.push_str(&format!(
            "   Fix: {}\n   Confirm: {} (check `{}`)\n",
            m.fix, m.confirm_with.command, m.confirm_with.stage
        ));
    }
    s
}

/// The longest prefix of at most `max` bytes on a character boundary, and whether it was cut.
fn cut(s: &str, max: usize) -> (&str, bool) {
    if s.len() <= max {
        return (s, false);
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    (&s[..end], true)
}

/// Reads standard input up to `MAX_INPUT` bytes; the rest is ignored (and said so).
fn read_stdin() -> std::io::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("runner: reading the error text from standard input (end with Ctrl-D)");
    }
    let mut buf = Vec::new();
    stdin
        .lock()
        .take(MAX_INPUT as u64 + 1)
        .read_to_end(&mut buf)?;
    if buf.len() > MAX_INPUT {
        buf.truncate(MAX_INPUT);
        eprintln!("runner: standard input is longer than 1 MiB; only the first 1 MiB is explained");
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// `runner doctor explain`.
pub fn command(args: ExplainArgs) -> u8 {
    let json = args.json || args.output == OutputFormat::Json;
    let input = match args.text {
        Some(t) => t,
        None => match read_stdin() {
            Ok(t) => t,
            Err(e) => return crate::app::usage_error(format!("cannot read standard input: {e}")),
        },
    };
    if input.trim().is_empty() {
        return crate::app::usage_error(
            "nothing to explain: give the error text as an argument or on standard input, e.g. \
             runner doctor explain 'tls: first record does not look like a TLS handshake'",
        );
    }
    let matches = explain(&input);
    let out = if json {
        render_json(&input, &matches)
    } else {
        render_text(&input, &matches)
    };
    crate::redact::egress::print(&out);
    u8::from(matches.is_empty())
}
