//! `runner doctor explain`: matches an error line against known failures, offline.
//!
//! Exit codes: 0 when at least one known failure matched, 1 when none did, 2 when there was
//! nothing to read.

pub mod check;
pub mod extract;
pub mod families;
pub mod kb;
pub mod logscan;
pub mod render;

pub use render::{render_json, render_text};
pub mod matcher;

use crate::cause::{generic, Cause, Stage};
use crate::cli::{ExplainArgs, OutputFormat};
use serde::Serialize;
use std::io::{IsTerminal, Read, Write};

/// Schema of `runner doctor explain --output json`.
pub const SCHEMA: &str = "runner.doctor.explain/v1";

/// Standard input is read up to this many bytes.
pub const MAX_INPUT: usize = 1 << 20;

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
    /// A candidate of a line that names no cause by itself.
    pub vague: bool,
    /// The one check that tells this cause apart from the other candidates.
    pub decided_by: &'static str,
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
                vague: h.vague,
                decided_by: crate::cause::explain_text::decides(h.cause),
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
    if let Some(path) = &args.file {
        return log_command(path, json);
    }
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
    let ctx = extract::context(&input);
    let checked = (args.check && !matches.is_empty()).then(|| check::run(&ctx, &matches));
    let out = if json {
        render::json_with(&input, &matches, &ctx, checked.as_ref())
    } else {
        render::text_with(&input, &matches, &ctx, checked.as_ref())
    };
    let _ = std::io::stdout().write_all(out.as_bytes());
    u8::from(matches.is_empty())
}

/// `runner doctor explain --file LOG` (`-` for standard input): exit 0 when an export error was
/// found, 1 when none, 2 when the file cannot be read.
fn log_command(path: &std::path::Path, json: bool) -> u8 {
    let summary = if path.as_os_str() == "-" {
        logscan::scan(std::io::stdin().lock())
    } else {
        match std::fs::File::open(path) {
            Ok(f) => logscan::scan(std::io::BufReader::with_capacity(1 << 16, f)),
            Err(e) => {
                return crate::app::usage_error(format!(
                    "--file {}: cannot read it: {e}",
                    path.display()
                ))
            }
        }
    };
    let summary = match summary {
        Ok(s) => s,
        Err(e) => {
            return crate::app::usage_error(format!("--file {}: read failed: {e}", path.display()))
        }
    };
    let out = if json {
        render::log_json(&summary)
    } else {
        render::log_text(&summary)
    };
    let _ = std::io::stdout().write_all(out.as_bytes());
    u8::from(summary.groups.is_empty())
}
