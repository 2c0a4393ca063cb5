//! Wording of the run-time self-check and the metrics server (README.md, "For operators"): log
//! lines only, built from typed values (verdict names, cause codes, triggers) the caller passes in.

use std::time::Duration;

/// What a trigger means, for the self-check's log line.
pub fn trigger_reason(trigger: &str) -> &'static str {
    match trigger {
        "export_failing" => "telemetry export started failing",
        "interval" => "telemetry export still failing after otel.doctor_interval",
        "recovered" => "telemetry export recovered",
        _ => "asked for",
    }
}

/// One line for a self-check's verdict.
pub fn self_check_verdict(
    trigger: &str,
    verdict: &str,
    errors: usize,
    warnings: usize,
    took_ms: u64,
    causes: &[&str],
) -> String {
    let causes = if causes.is_empty() {
        "none".to_owned()
    } else {
        causes.join(", ")
    };
    format!(
        "self-check at run time (trigger {trigger}: {}; not the pre-flight): telemetry {verdict} \
         ({errors} error(s), {warnings} warning(s), {took_ms} ms); causes: {causes}",
        trigger_reason(trigger)
    )
}

/// One line per finding of a self-check.
pub fn self_check_finding(
    trigger: &str,
    cause: &str,
    signal: &str,
    stage: &str,
    summary: &str,
    fix: &str,
) -> String {
    let line = format!(
        "self-check finding {cause} [{signal}/{stage}] (trigger {trigger}): {summary} Fix: {fix}"
    );
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn self_check_cut_short(trigger: &str, budget: Duration) -> String {
    format!(
        "self-check at run time (trigger {trigger}) cut short: the doctor did not finish within \
         {} ms; the last verdict stays (run `runner doctor otel` for the full diagnosis)",
        budget.as_millis()
    )
}

pub fn recovered_verdict() -> &'static str {
    "telemetry verdict set to healthy: the runner's own exports are accepted again"
}

pub fn metrics_listening(addr: &str) -> String {
    format!("metrics server listening on {addr} (/metrics, /healthz)")
}

pub fn metrics_bind_failed(addr: &str, error: &str) -> String {
    format!(
        "metrics server not started: cannot listen on {addr} ({error}); jobs run as usual. \
         Fix listen_address (or --listen-address): a free HOST:PORT of this machine"
    )
}
