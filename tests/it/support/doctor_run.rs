//! Running the whole doctor in process on hand-made settings, and reading its report.

use super::settings::{loaded, settings};
use runner::cause::{Cause, Finding};
use runner::config::{Environment, Signal, SignalSettings};
use runner::doctor::DoctorOptions;
use runner::report::{Check, Report, Status};
use std::net::SocketAddr;
use std::time::Duration;

pub fn opts(timeout_ms: u64) -> DoctorOptions {
    DoctorOptions {
        timeout: Duration::from_millis(timeout_ms),
        canary: false,
        ..DoctorOptions::default()
    }
}

pub fn opts_dns(timeout_ms: u64, dns: SocketAddr) -> DoctorOptions {
    DoctorOptions {
        dns_server: Some(dns),
        ..opts(timeout_ms)
    }
}

pub async fn doctor(signals: Vec<SignalSettings>, opts: &DoctorOptions) -> Report {
    runner::doctor::run(
        &loaded(settings(signals)),
        &Environment::from_pairs(Vec::<(String, String)>::new()),
        opts,
    )
    .await
}

/// The one finding with this cause; panics with the report when there is not exactly one.
pub fn only(report: &Report, cause: Cause) -> Finding {
    let found: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.cause == cause)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one {cause} finding, report: {}",
        serde_json::to_string_pretty(report).unwrap()
    );
    found[0].clone()
}

pub fn check(report: &Report, signal: Signal, stage: runner::cause::Stage) -> Check {
    report
        .targets
        .iter()
        .find(|t| t.signal == signal)
        .and_then(|t| t.checks.iter().find(|c| c.stage == stage))
        .cloned()
        .unwrap_or_else(|| panic!("no {stage} check for {signal}"))
}

pub fn status(report: &Report, stage: runner::cause::Stage) -> Status {
    check(report, Signal::Traces, stage).status
}

pub fn dump(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap()
}
