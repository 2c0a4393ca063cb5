//! The tcp stage: connect to every address of both families, concurrently, each bounded.

use super::net::{connect_tcp, ConnectFailure};
use super::{suggest_url, Probe, StageResult};
use crate::cause::net_text;
use crate::cause::{Finding, Severity, Stage};
use crate::report::{Check, Status};
use serde_json::json;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

/// One address's connect attempt.
#[derive(Clone, Debug)]
pub struct Attempt {
    pub addr: SocketAddr,
    pub took: Duration,
    pub result: Result<(), ConnectFailure>,
}

/// Connects to every address concurrently; attempts come back in the order given.
pub async fn connect_all(addrs: &[SocketAddr], timeout: Duration) -> Vec<Attempt> {
    let mut set = tokio::task::JoinSet::new();
    for (i, &addr) in addrs.iter().enumerate() {
        set.spawn(async move {
            let started = Instant::now();
            // The stream is dropped at once: later stages open their own connections.
            let result = connect_tcp(addr, timeout).await.map(drop);
            (
                i,
                Attempt {
                    addr,
                    took: started.elapsed(),
                    result,
                },
            )
        });
    }
    let mut out: Vec<Option<Attempt>> = vec![None; addrs.len()];
    while let Some(joined) = set.join_next().await {
        if let Ok((i, a)) = joined {
            out[i] = Some(a);
        }
    }
    out.into_iter().flatten().collect()
}

fn failure_name(f: &ConnectFailure) -> String {
    match f {
        ConnectFailure::Refused => "refused".into(),
        ConnectFailure::Timeout => "timeout".into(),
        ConnectFailure::Unreachable => "unreachable".into(),
        ConnectFailure::Reset => "reset".into(),
        ConnectFailure::Other(k) => format!("{k:?}"),
    }
}

/// Runs the stage over the resolved addresses (in the system's order of preference).
/// Returns the address later stages use: the first that connected.
pub async fn run(probe: &Probe<'_>, ips: &[IpAddr]) -> (StageResult, Option<SocketAddr>) {
    let started = Instant::now();
    let port = probe.endpoint.port;
    let addrs: Vec<SocketAddr> = ips.iter().map(|ip| SocketAddr::new(*ip, port)).collect();
    let attempts = connect_all(&addrs, probe.opts.timeout).await;
    let evidence = json!({
        "attempts": attempts.iter().map(|a| json!({
            "address": a.addr.to_string(),
            "ms": super::ms(a.took),
            "result": match &a.result { Ok(()) => "connected".to_string(), Err(f) => failure_name(f) },
        })).collect::<Vec<_>>(),
    });
    let took = started.elapsed();
    let connected: Vec<SocketAddr> = attempts
        .iter()
        .filter(|a| a.result.is_ok())
        .map(|a| a.addr)
        .collect();
    let failed: Vec<&Attempt> = attempts.iter().filter(|a| a.result.is_err()).collect();
    let chosen = connected.first().copied();
    let signal = probe.settings.signal;

    if failed.is_empty() {
        let list: Vec<String> = connected.iter().map(ToString::to_string).collect();
        let check = Check::new(
            Stage::Tcp,
            Status::Pass,
            format!("connected to {}", list.join(", ")),
        )
        .evidence(evidence)
        .took(took);
        return (StageResult::new(check), chosen);
    }

    let Some(working) = chosen else {
        // Nothing connected: the preferred address's failure names the cause.
        let first = failed[0].result.clone().unwrap_err();
        let same: Vec<SocketAddr> = failed
            .iter()
            .filter(|a| a.result.as_ref().err() == Some(&first))
            .map(|a| a.addr)
            .collect();
        let finding = failure_finding(probe, &first, &same, evidence.clone());
        let check = Check::new(Stage::Tcp, Status::Fail, finding.summary.clone())
            .evidence(evidence)
            .took(took);
        return (StageResult::new(check).with(finding), None);
    };

    // Some addresses answer, some do not.
    let failed_addrs: Vec<SocketAddr> = failed.iter().map(|a| a.addr).collect();
    let other_family = failed_addrs
        .iter()
        .all(|f| connected.iter().all(|c| c.is_ipv6() != f.is_ipv6()));
    let finding = if other_family {
        let url = suggest_url(probe.endpoint, None, Some(&working.ip()));
        let setting = net_text::setting_name(
            &probe.settings.endpoint_raw.source,
            "OTEL_EXPORTER_OTLP_ENDPOINT",
        );
        net_text::address_family_mismatch(
            signal,
            &probe.endpoint.host,
            &failed_addrs,
            working,
            &url,
            &setting,
            probe.endpoint.tls,
            evidence.clone(),
        )
    } else {
        let first = failed[0].result.clone().unwrap_err();
        let mut f = failure_finding(probe, &first, &failed_addrs, evidence.clone());
        // Another address of the same family answers: clients that try every address work.
        f.severity = Severity::Warning;
        f
    };
    let check = Check::new(Stage::Tcp, Status::Warn, finding.summary.clone())
        .evidence(evidence)
        .took(took);
    (StageResult::new(check).with(finding), chosen)
}

fn failure_finding(
    probe: &Probe<'_>,
    failure: &ConnectFailure,
    addrs: &[SocketAddr],
    evidence: serde_json::Value,
) -> Finding {
    let signal = probe.settings.signal;
    match failure {
        ConnectFailure::Refused => net_text::tcp_refused(signal, addrs, evidence),
        ConnectFailure::Timeout => {
            net_text::tcp_timeout(signal, addrs, probe.opts.timeout, evidence)
        }
        ConnectFailure::Reset => {
            net_text::connection_reset(signal, Stage::Tcp, addrs[0], "the TCP handshake", evidence)
        }
        ConnectFailure::Unreachable | ConnectFailure::Other(_) => {
            net_text::tcp_unreachable(signal, addrs, evidence)
        }
    }
}
