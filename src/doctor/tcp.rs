//! The tcp stage: connect to every address of both families, concurrently, each bounded.
//!
//! A peer that accepts and then resets or closes is named by the first stage that sends it
//! something (tls or protocol), from what came back: waiting here for a reset would cost every
//! healthy run that wait.

use super::net::{connect_tcp, ConnectFailure};
use super::{suggest_url, Probe, StageResult};
use crate::cause::net_text::{self, CloseKind};
use crate::cause::{Finding, Severity, Stage};
use crate::report::{Check, Status};
use serde_json::json;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

/// Why an address gave no usable connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TcpFailure {
    Connect(ConnectFailure),
}

/// One address's connect attempt.
#[derive(Clone, Debug)]
pub struct Attempt {
    pub addr: SocketAddr,
    pub took: Duration,
    pub result: Result<(), TcpFailure>,
}

/// Connects to every address concurrently; attempts come back in the order given.
pub async fn connect_all(addrs: &[SocketAddr], timeout: Duration) -> Vec<Attempt> {
    let mut set = tokio::task::JoinSet::new();
    for (i, &addr) in addrs.iter().enumerate() {
        set.spawn(async move {
            let started = Instant::now();
            // The stream is dropped at once: later stages open their own connections.
            let result = connect_tcp(addr, timeout)
                .await
                .map(drop)
                .map_err(TcpFailure::Connect);
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

fn failure_name(f: &TcpFailure) -> String {
    match f {
        TcpFailure::Connect(ConnectFailure::Refused) => "refused".into(),
        TcpFailure::Connect(ConnectFailure::Timeout) => "timeout".into(),
        TcpFailure::Connect(ConnectFailure::Unreachable) => "unreachable".into(),
        TcpFailure::Connect(ConnectFailure::Reset) => "reset".into(),
        TcpFailure::Connect(c @ ConnectFailure::Other(_)) => c.to_string(),
    }
}

/// Runs the stage over the resolved addresses (in the system's order of preference).
/// Returns the address later stages use: the first that connected.
pub async fn run(probe: &Probe<'_>, ips: &[IpAddr]) -> (StageResult, Option<SocketAddr>) {
    let started = Instant::now();
    let port = probe.endpoint.port;
    let addrs: Vec<SocketAddr> = ips.iter().map(|ip| SocketAddr::new(*ip, port)).collect();
    if let Some(proxy) = super::proxy::exporter_proxy(probe) {
        return via_proxy(probe, &proxy, addrs.first().copied(), started).await;
    }
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

/// The exporter goes through `proxy`: the connection it opens is to the proxy, so that is the
/// one this stage makes. Later stages keep `endpoint` (the endpoint's first address) for its
/// port and name; they reach it through the proxy too.
async fn via_proxy(
    probe: &Probe<'_>,
    proxy: &super::proxy::ProxyTarget,
    endpoint: Option<SocketAddr>,
    started: Instant,
) -> (StageResult, Option<SocketAddr>) {
    match super::proxy::connect_proxy(proxy, probe.opts.timeout).await {
        Ok(tcp) => {
            let peer = tcp.peer_addr().ok();
            let evidence = json!({
                "proxy": proxy.display,
                "source": proxy.source,
                "address": peer.map(|a| a.to_string()),
            });
            let check = Check::new(
                Stage::Tcp,
                Status::Pass,
                net_text::tcp_via_proxy_summary(probe.endpoint, proxy, peer),
            )
            .evidence(evidence)
            .took(started.elapsed());
            (StageResult::new(check), endpoint)
        }
        Err(e) => {
            let mut r = super::protocol::open_failed(
                probe,
                Stage::Tcp,
                super::protocol::wire::OpenFailure::Proxy(proxy.clone(), e),
            );
            for f in &mut r.findings {
                f.stage = Stage::Tcp;
            }
            r.check = r.check.took(started.elapsed());
            (r, None)
        }
    }
}

fn failure_finding(
    probe: &Probe<'_>,
    failure: &TcpFailure,
    addrs: &[SocketAddr],
    evidence: serde_json::Value,
) -> Finding {
    let signal = probe.settings.signal;
    match failure {
        // A reset seen by connect came after the peer's SYN-ACK (a refused SYN is
        // `Refused`): the peer accepted, then reset before a byte was sent either way.
        TcpFailure::Connect(ConnectFailure::Reset) => net_text::accept_then_close(
            signal,
            Stage::Tcp,
            addrs[0],
            "the TCP handshake, before the doctor sent a byte,",
            CloseKind::Reset,
            evidence,
        ),
        TcpFailure::Connect(ConnectFailure::Refused) => {
            net_text::tcp_refused(signal, addrs, evidence)
        }
        TcpFailure::Connect(ConnectFailure::Timeout) => {
            net_text::tcp_timeout(signal, addrs, probe.opts.timeout, evidence)
        }
        TcpFailure::Connect(ConnectFailure::Unreachable | ConnectFailure::Other(_)) => {
            net_text::tcp_unreachable(signal, addrs, evidence)
        }
    }
}
