//! Label values, each from a fixed set: a label never holds a URL, a credential or error text.

use crate::cause::Cause;
use crate::report::Verdict;
use crate::telemetry::{ExportFailure, FailureKind};
use std::io::ErrorKind;

/// What made a doctor run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// The pre-flight at start-up (README.md, "Running the runner").
    Preflight,
    /// Run time: exports went from working to failing.
    ExportFailing,
    /// Run time: still failing after `otel.doctor_interval`.
    Interval,
    /// Run time: exports work again.
    Recovered,
}

impl Trigger {
    pub const ALL: [Trigger; 4] = [
        Trigger::Preflight,
        Trigger::ExportFailing,
        Trigger::Interval,
        Trigger::Recovered,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Preflight => "preflight",
            Trigger::ExportFailing => "export_failing",
            Trigger::Interval => "interval",
            Trigger::Recovered => "recovered",
        }
    }
}

/// The causes of a failed job request (`runner_coordinator_errors_total{cause}`).
pub const COORDINATOR_CAUSES: [&str; 8] = [
    "refused", "timeout", "connect", "tls", "http", "body", "bad_job", "bad_url",
];

/// A coordinator failure's cause as a label: one of `COORDINATOR_CAUSES`, else `other`.
pub fn coordinator_cause(cause: &str) -> &'static str {
    COORDINATOR_CAUSES
        .iter()
        .find(|c| **c == cause)
        .copied()
        .unwrap_or("other")
}

pub const VERDICTS: [Verdict; 3] = [Verdict::Healthy, Verdict::Degraded, Verdict::Broken];

pub fn verdict(v: Verdict) -> &'static str {
    match v {
        Verdict::Healthy => "healthy",
        Verdict::Degraded => "degraded",
        Verdict::Broken => "broken",
    }
}

/// The final states a job reports (GitLab's), plus `other` for anything else.
pub const JOB_STATES: [&str; 3] = ["success", "failed", "canceled"];

pub fn job_state(state: &str) -> &'static str {
    JOB_STATES
        .into_iter()
        .find(|s| *s == state)
        .unwrap_or("other")
}

/// The `cause` of spans a collector accepted but rejected in part (OTLP `partial_success`).
pub const PARTIAL_SUCCESS: &str = "canary_partial_success";
/// The `cause` of a failure whose typed evidence names none of the cause codes (`docs/causes.md`).
pub const UNKNOWN: &str = "unknown";

/// The cause code a failed export's typed evidence points to (never its text): an answer goes
/// through the one classifier the doctor's probes and canary use.
pub fn failure_cause(f: &ExportFailure) -> &'static str {
    let cause = match &f.kind {
        FailureKind::Timeout => Some(Cause::ResponseTimeout),
        FailureKind::Transport => f.io.and_then(io_cause),
        FailureKind::HttpStatus { .. } | FailureKind::GrpcStatus { .. } => {
            f.class().and_then(crate::cause::answer::cause_of)
        }
        FailureKind::ClientRejected { .. } | FailureKind::Exporter => None,
    };
    cause.map_or(UNKNOWN, Cause::code)
}

fn io_cause(kind: ErrorKind) -> Option<Cause> {
    Some(match kind {
        ErrorKind::ConnectionRefused => Cause::TcpRefused,
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe => {
            Cause::ConnectionReset
        }
        ErrorKind::TimedOut => Cause::TcpTimeout,
        ErrorKind::HostUnreachable | ErrorKind::NetworkUnreachable => Cause::TcpUnreachable,
        _ => return None,
    })
}

/// The version as a label: the crate's own version is short and plain; anything else is capped
/// to the characters a version uses.
pub fn bounded_version(v: &str) -> &str {
    let ok = v.len() <= 64
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | '_'));
    if ok {
        v
    } else {
        "unknown"
    }
}
