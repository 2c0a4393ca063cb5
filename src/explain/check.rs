//! `runner doctor explain --check`: runs the doctor on the endpoint the line names (bounded)
//! and says which of the line's candidates the wire confirms.

use super::extract::{self, Context};
use super::Match;
use crate::cause::{explain_text, Cause};
use crate::config::{self, Environment, Overrides, Protocol};
use crate::doctor::{self, DoctorOptions};
use serde::Serialize;
use std::time::Duration;

/// The whole check's budget: every doctor step has its own, shorter timeout.
const BUDGET: Duration = Duration::from_secs(30);
/// Each network step of the doctor.
const STEP: Duration = Duration::from_secs(3);

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

/// Runs the doctor for the line's endpoint and compares its findings with `matches`.
pub fn run(ctx: &Context, matches: &[Match]) -> Outcome {
    let best = matches.first().map(|m| m.cause);
    let command = extract::settle_command(ctx, best);
    let endpoint = extract::endpoint(ctx, best);
    let protocol = match command.split(" --protocol ").nth(1) {
        Some(p) if p.starts_with("grpc") => Some(Protocol::Grpc),
        Some(p) if p.starts_with("http/protobuf") => Some(Protocol::HttpProtobuf),
        _ => None,
    };
    let overrides = Overrides {
        endpoint: endpoint.clone(),
        protocol,
        ..Overrides::default()
    };
    let env = Environment::from_process();
    let loaded = match config::load(&overrides, &env) {
        Ok(l) => l,
        Err(e) => return failed(command, &e.to_string()),
    };
    let opts = DoctorOptions {
        timeout: STEP,
        canary: false,
        ..DoctorOptions::default()
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return failed(command, &e.to_string()),
    };
    let report = runtime
        .block_on(async { tokio::time::timeout(BUDGET, doctor::run(&loaded, &env, &opts)).await });
    let Ok(report) = report else {
        return failed(command, "the doctor did not finish within 30 s");
    };
    let found: Vec<Cause> = report
        .findings
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
    if endpoint.is_none() {
        verdict = format!("{} {verdict}", explain_text::CHECK_NO_ENDPOINT);
    }
    Outcome {
        command,
        confirmed,
        found,
        verdict,
    }
}

fn failed(command: String, reason: &str) -> Outcome {
    Outcome {
        command,
        confirmed: None,
        found: Vec::new(),
        verdict: explain_text::check_failed(reason),
    }
}
