//! `runner doctor explain --check`: which doctor run settles the line (the endpoint it names),
//! and which of the line's candidates that run's findings confirm. The command layer runs it.

use super::extract::{self, Context};
use super::Match;
use crate::cause::{explain_text, Cause, Finding};
use crate::config::{Overrides, Protocol};
use serde::Serialize;
use std::time::Duration;

/// The whole check's budget: every doctor step has its own, shorter timeout.
pub const BUDGET: Duration = Duration::from_secs(30);
/// Each network step of the doctor.
pub const STEP: Duration = Duration::from_secs(3);

/// What the wire said about the candidates.
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    /// The command that was run (and that the user can rerun with -v).
    pub command: String,
    /// The first candidate the doctor found, if any.
    pub confirmed: Option<Cause>,
    /// Every cause the doctor found.
    pub found: Vec<Cause>,
    pub verdict: String,
}

/// What `--check` runs: the command shown to the user and the overrides it stands for.
#[derive(Clone, Debug)]
pub struct Plan {
    pub command: String,
    pub overrides: Overrides,
    /// Whether the line named an endpoint (else the configured one is checked).
    pub has_endpoint: bool,
}

/// The doctor run that settles the line: its endpoint and protocol, when the line gives them.
/// The caller (the command layer) runs it, bounded by [`BUDGET`] and [`STEP`].
pub fn plan(ctx: &Context, matches: &[Match]) -> Plan {
    let best = matches.first().map(|m| m.cause);
    let command = extract::settle_command(ctx, best);
    let endpoint = extract::endpoint(ctx, best);
    let protocol = match command.split(" --protocol ").nth(1) {
        Some(p) if p.starts_with("grpc") => Some(Protocol::Grpc),
        Some(p) if p.starts_with("http/protobuf") => Some(Protocol::HttpProtobuf),
        _ => None,
    };
    Plan {
        command,
        has_endpoint: endpoint.is_some(),
        overrides: Overrides {
            endpoint,
            protocol,
            ..Overrides::default()
        },
    }
}

/// Compares the doctor's findings with the line's candidates.
pub fn judge(plan: Plan, matches: &[Match], findings: &[Finding]) -> Outcome {
    let found: Vec<Cause> = findings
        .iter()
        .filter(|f| f.severity >= crate::cause::Severity::Warning)
        .map(|f| f.cause)
        .collect();
    let confirmed = matches.iter().map(|m| m.cause).find(|c| found.contains(c));
    let mut verdict = match (confirmed, found.is_empty()) {
        (Some(c), _) => explain_text::check_confirms(c),
        (None, true) => explain_text::CHECK_HEALTHY.to_string(),
        (None, false) => explain_text::check_other(
            &found
                .iter()
                .map(|c| c.code().to_string())
                .collect::<Vec<_>>(),
        ),
    };
    if !plan.has_endpoint {
        verdict = format!("{} {verdict}", explain_text::CHECK_NO_ENDPOINT);
    }
    Outcome {
        command: plan.command,
        confirmed,
        found,
        verdict,
    }
}

/// The check could not run (`reason`, the system's or the doctor's words).
pub fn failed(command: String, reason: &str) -> Outcome {
    Outcome {
        command,
        confirmed: None,
        found: Vec::new(),
        verdict: explain_text::check_failed(reason),
    }
}
