//! The dns stage against a tiny in-process DNS responder on 127.0.0.1 (via `--dns-server`).

use crate::support::doctor_run::*;
use crate::support::settings::signal_settings;
use runner::cause::{Cause, Severity, Stage};
use runner::config::{Protocol, Signal};
use runner::report::Status;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::net::UdpSocket;

/// Answers names under `.test`: `collector` (A and AAAA), `v4only` (A; AAAA NODATA), `noaddr`
/// (NODATA), `servfail` (SERVFAIL), `slow` (never answers); anything else NXDOMAIN.
async fn dns_server() -> SocketAddr {
    let sock = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = sock.local_addr().unwrap();
    tokio::spawn(async move {
        let mut buf = [0u8; 1500];
        loop {
            let Ok((n, peer)) = sock.recv_from(&mut buf).await else {
                return;
            };
            if let Some(reply) = answer(&buf[..n]) {
                let _ = sock.send_to(&reply, peer).await;
            }
        }
    });
    addr
}

fn answer(q: &[u8]) -> Option<Vec<u8>> {
    if q.len() < 12 {
        return None;
    }
    // Question name, as dotted lower-case text, and where the question ends.
    let mut i = 12;
    let mut labels = Vec::new();
    while q[i] != 0 {
        let len = q[i] as usize;
        labels.push(String::from_utf8_lossy(&q[i + 1..i + 1 + len]).to_ascii_lowercase());
        i += 1 + len;
    }
    let qtype = u16::from_be_bytes([q[i + 1], q[i + 2]]);
    let qend = i + 5;
    let name = labels.join(".");
    let (rcode, records): (u8, Vec<Vec<u8>>) = match (name.as_str(), qtype) {
        ("slow.test", _) => return None,
        ("servfail.test", _) => (2, vec![]),
        ("collector.test", 1) | ("v4only.test", 1) => (0, vec![vec![127, 0, 0, 1]]),
        ("collector.test", 28) => (0, vec![std::net::Ipv6Addr::LOCALHOST.octets().to_vec()]),
        ("collector.test" | "v4only.test" | "noaddr.test", _) => (0, vec![]),
        _ => (3, vec![]),
    };
    let mut r = Vec::new();
    r.extend_from_slice(&q[0..2]); // id
    r.push(0x84 | (q[2] & 0x01)); // QR, AA, RD copied
    r.push(0x80 | rcode); // RA, rcode
    r.extend_from_slice(&[0, 1]);
    r.extend_from_slice(&(records.len() as u16).to_be_bytes());
    r.extend_from_slice(&[0, 0, 0, 0]);
    r.extend_from_slice(&q[12..qend]);
    for rdata in records {
        r.extend_from_slice(&[0xc0, 0x0c]);
        r.extend_from_slice(&qtype.to_be_bytes());
        r.extend_from_slice(&[0, 1, 0, 0, 0, 60]);
        r.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        r.extend_from_slice(&rdata);
    }
    Some(r)
}

fn grpc(host: &str) -> runner::config::SignalSettings {
    signal_settings(
        Signal::Traces,
        &format!("http://{host}:4317"),
        Protocol::Grpc,
    )
}

#[tokio::test]
async fn nxdomain() {
    let dns = dns_server().await;
    let r = doctor(vec![grpc("missing.test")], &opts_dns(1000, dns)).await;
    let f = only(&r, Cause::DnsNxdomain);
    assert_eq!((f.stage, f.severity), (Stage::Dns, Severity::Error));
    assert_eq!(f.signal, Some(Signal::Traces));
    assert_eq!(status(&r, Stage::Dns), Status::Fail);
    assert_eq!(status(&r, Stage::Tcp), Status::Skip, "{}", dump(&r));
    assert_eq!(r.exit_code(), runner::report::Exit::Problem);
}

#[tokio::test]
async fn nodata_is_no_address() {
    let dns = dns_server().await;
    let r = doctor(vec![grpc("noaddr.test")], &opts_dns(1000, dns)).await;
    let f = only(&r, Cause::DnsNoAddress);
    assert_eq!((f.stage, f.severity), (Stage::Dns, Severity::Error));
}

#[tokio::test]
async fn servfail_is_dns_failure() {
    let dns = dns_server().await;
    let r = doctor(vec![grpc("servfail.test")], &opts_dns(1000, dns)).await;
    let f = only(&r, Cause::DnsFailure);
    assert_eq!((f.stage, f.severity), (Stage::Dns, Severity::Error));
    assert!(
        f.summary.contains("SERVFAIL") || f.summary.contains("Server Failure"),
        "{}",
        f.summary
    );
}

#[tokio::test]
async fn silent_server_is_dns_failure_within_the_timeout() {
    let dns = dns_server().await;
    let started = Instant::now();
    let r = doctor(vec![grpc("slow.test")], &opts_dns(400, dns)).await;
    let f = only(&r, Cause::DnsFailure);
    assert_eq!(f.evidence["a"]["error"], "timeout", "{}", dump(&r));
    assert!(
        started.elapsed() < Duration::from_millis(440 + 200),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn kubernetes_names_are_cluster_local() {
    let dns = dns_server().await;
    for host in [
        "otel-collector",
        "otel-collector.observability.svc.cluster.local",
    ] {
        let r = doctor(vec![grpc(host)], &opts_dns(1000, dns)).await;
        let f = only(&r, Cause::ClusterLocalName);
        assert_eq!((f.stage, f.severity), (Stage::Dns, Severity::Error));
        assert!(
            f.fix
                .contains("kubectl port-forward svc/otel-collector 4317:4317"),
            "{}",
            f.fix
        );
        assert!(r.findings.iter().all(|f| f.cause != Cause::DnsNxdomain));
    }
}

#[tokio::test]
async fn every_answer_is_evidence() {
    let dns = dns_server().await;
    let r = doctor(vec![grpc("collector.test")], &opts_dns(1000, dns)).await;
    let c = check(&r, Signal::Traces, Stage::Dns);
    assert_eq!(c.status, Status::Pass);
    assert_eq!(c.evidence["a"]["answers"][0], "127.0.0.1");
    assert_eq!(c.evidence["aaaa"]["answers"][0], "::1");
    assert!(c.evidence["a"]["ms"].is_number());

    let r = doctor(vec![grpc("v4only.test")], &opts_dns(1000, dns)).await;
    let c = check(&r, Signal::Traces, Stage::Dns);
    assert_eq!(c.status, Status::Pass, "{}", dump(&r));
    assert_eq!(c.evidence["aaaa"]["rcode"], "NOERROR");
}

#[tokio::test]
async fn literals_and_localhost_skip_dns() {
    let r = doctor(vec![grpc("127.0.0.1")], &opts(500)).await;
    let c = check(&r, Signal::Traces, Stage::Dns);
    assert_eq!(c.status, Status::Pass);
    assert!(c.summary.contains("literal"));

    let r = doctor(vec![grpc("localhost")], &opts(500)).await;
    let c = check(&r, Signal::Traces, Stage::Dns);
    assert_eq!(c.status, Status::Pass);
    assert_eq!(c.evidence["a"]["answers"][0], "127.0.0.1");
    assert_eq!(c.evidence["aaaa"]["answers"][0], "::1");
}
