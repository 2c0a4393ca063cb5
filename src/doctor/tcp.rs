//! The tcp stage: connect to every address of both families, concurrently, each bounded.
//!
//! A peer that accepts and then resets or closes is named by the first stage that sends it
//! something (tls or protocol), from what came back: waiting here for a reset would cost every
//! healthy run that wait.

use super::net::{connect_tcp, ConnectFailure};
use super::proxy::ProxyTarget;
use super::{suggest_url, Probe, Seen};
use crate::facts::diagnosis::tcp::Diagnosis;
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
        TcpFailure::Connect(c) => c.to_string(),
    }
}

/// Runs the stage over the resolved addresses (in the system's order of preference).
/// Returns what it saw, and the address later stages use: the first that connected.
pub async fn run(probe: &Probe<'_>, ips: &[IpAddr]) -> (Seen<Diagnosis>, Option<SocketAddr>) {
    let started = Instant::now();
    let port = probe.endpoint.port;
    let timeout = probe.opts.timeout;
    let addrs: Vec<SocketAddr> = ips.iter().map(|ip| SocketAddr::new(*ip, port)).collect();
    if let Some(proxy) = super::proxy::exporter_proxy(probe) {
        return via_proxy(probe, proxy, addrs.first().copied(), started).await;
    }
    let attempts = connect_all(&addrs, timeout).await;
    let evidence = json!({
        "attempts": attempts.iter().map(|a| json!({
            "address": a.addr.to_string(),
            "ms": super::ms(a.took),
            "result": match &a.result { Ok(()) => "connected".to_string(), Err(f) => failure_name(f) },
        })).collect::<Vec<_>>(),
    });
    let connected: Vec<SocketAddr> = attempts
        .iter()
        .filter(|a| a.result.is_ok())
        .map(|a| a.addr)
        .collect();
    let failed: Vec<&Attempt> = attempts.iter().filter(|a| a.result.is_err()).collect();
    let chosen = connected.first().copied();
    let seen = |diagnosis| Seen::new(diagnosis, evidence.clone(), started);

    let Some(first_failure) = failed.first().and_then(|a| a.result.clone().err()) else {
        return (seen(Diagnosis::Connected { addrs: connected }), chosen);
    };
    let TcpFailure::Connect(failure) = first_failure.clone();
    let Some(working) = chosen else {
        // Nothing connected: the preferred address's failure names the cause.
        let same: Vec<SocketAddr> = failed
            .iter()
            .filter(|a| a.result.as_ref().err() == Some(&first_failure))
            .map(|a| a.addr)
            .collect();
        let d = Diagnosis::Failed {
            failure,
            addrs: same,
            timeout,
        };
        return (seen(d), None);
    };

    // Some addresses answer, some do not.
    let failed: Vec<SocketAddr> = failed.iter().map(|a| a.addr).collect();
    let other_family = failed
        .iter()
        .all(|f| connected.iter().all(|c| c.is_ipv6() != f.is_ipv6()));
    let d = if other_family {
        Diagnosis::FamilyMismatch {
            failed,
            working,
            suggested_url: suggest_url(probe.endpoint, None, Some(&working.ip())),
            setting: probe.settings.endpoint_raw.source.clone(),
        }
    } else {
        Diagnosis::SomeFailed {
            failure,
            failed,
            timeout,
        }
    };
    (seen(d), chosen)
}

/// The exporter goes through `proxy`: the connection it opens is to the proxy, so that is the
/// one this stage makes. Later stages keep `endpoint` (the endpoint's first address) for its
/// port and name; they reach it through the proxy too.
async fn via_proxy(
    probe: &Probe<'_>,
    proxy: ProxyTarget,
    endpoint: Option<SocketAddr>,
    started: Instant,
) -> (Seen<Diagnosis>, Option<SocketAddr>) {
    let timeout = probe.opts.timeout;
    match super::proxy::connect_proxy(&proxy, timeout).await {
        Ok(tcp) => {
            let peer = tcp.peer_addr().ok();
            let evidence = json!({
                "proxy": proxy.display,
                "source": proxy.source,
                "address": peer.map(|a| a.to_string()),
            });
            let d = Diagnosis::ViaProxy { proxy, peer };
            (Seen::new(d, evidence, started), endpoint)
        }
        Err(error) => {
            let evidence = super::proxy::failure_evidence(&proxy, &error);
            let d = Diagnosis::ProxyFailed {
                proxy,
                error,
                timeout,
            };
            (Seen::new(d, evidence, started), None)
        }
    }
}
