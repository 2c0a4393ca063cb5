//! `runner doctor explain`: matches an error line against known failures, offline.

pub mod check;
pub mod extract;
pub mod families;
pub mod input;
pub mod kb;
pub mod logscan;
pub mod own;
pub mod render;

pub use render::{render_json, render_text};
pub mod matcher;

use crate::cause::{generic, Cause, Stage};
use serde::Serialize;

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
        Stage::Collector => {
            "runner doctor collector CONFIG.yaml --metrics-url http://COLLECTOR:8888/metrics"
        }
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
