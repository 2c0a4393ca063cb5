//! The tcp stage, and the orchestration's bounds, against listeners on loopback.

use crate::support::doctor_run::*;
use crate::support::settings::signal_settings;
use runner::cause::{Cause, Severity, Stage};
use runner::config::{Protocol, Signal};
use runner::report::{Status, Verdict};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

async fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    port
}

#[tokio::test]
async fn refused() {
    let port = closed_port().await;
    let s = signal_settings(
        Signal::Traces,
        &format!("http://127.0.0.1:{port}"),
        Protocol::Grpc,
    );
    let r = doctor(vec![s], &opts(1000)).await;
    let f = only(&r, Cause::TcpRefused);
    assert_eq!((f.stage, f.severity), (Stage::Tcp, Severity::Error));
    assert_eq!(status(&r, Stage::Tcp), Status::Fail);
    assert_eq!(status(&r, Stage::Tls), Status::Skip);
    assert_eq!(status(&r, Stage::Protocol), Status::Skip);
    assert_eq!(r.verdict, Verdict::Broken);
}

#[tokio::test]
async fn ipv4_only_listener_behind_localhost_is_a_family_mismatch() {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    if std::net::TcpListener::bind(("::1", port)).is_err() {
        eprintln!("::1:{port} is taken or IPv6 loopback is missing; skipping");
        return;
    }
    let s = signal_settings(
        Signal::Traces,
        &format!("http://localhost:{port}"),
        Protocol::Grpc,
    );
    let r = doctor(vec![s], &opts(1000)).await;
    let f = only(&r, Cause::AddressFamilyMismatch);
    assert_eq!((f.stage, f.severity), (Stage::Tcp, Severity::Warning));
    assert!(
        f.fix_verified,
        "the doctor connected to the suggested address"
    );
    assert!(
        f.fix.contains(&format!("http://127.0.0.1:{port}")),
        "{}",
        f.fix
    );
    assert!(
        f.summary.contains("IPv4") && f.summary.contains("IPv6"),
        "{}",
        f.summary
    );
    assert_eq!(status(&r, Stage::Tcp), Status::Warn);
    // The listener never answers, so later stages may fail; the tcp stage itself only warns.
    assert!(r
        .findings
        .iter()
        .filter(|f| f.stage == Stage::Tcp)
        .all(|f| f.severity != Severity::Error));
}

#[tokio::test]
async fn both_families_refused_is_refused() {
    let port = closed_port().await;
    let s = signal_settings(
        Signal::Traces,
        &format!("http://localhost:{port}"),
        Protocol::Grpc,
    );
    let r = doctor(vec![s], &opts(1000)).await;
    let f = only(&r, Cause::TcpRefused);
    assert!(
        f.summary.contains("[::1]") && f.summary.contains("127.0.0.1"),
        "{}",
        f.summary
    );
}

/// A listener whose accept queue is full drops further SYNs: a connect that never completes.
#[tokio::test]
async fn silent_syn_is_a_timeout() {
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let port = sock.local_addr().unwrap().port();
    let _l = sock.listen(0).unwrap();
    let mut fillers = Vec::new();
    for _ in 0..4 {
        if let Ok(Ok(c)) = tokio::time::timeout(
            Duration::from_millis(200),
            tokio::net::TcpStream::connect(("127.0.0.1", port)),
        )
        .await
        {
            fillers.push(c);
        }
    }
    let s = signal_settings(
        Signal::Traces,
        &format!("http://127.0.0.1:{port}"),
        Protocol::Grpc,
    );
    let r = doctor(vec![s], &opts(300)).await;
    if r.findings.iter().all(|f| f.cause != Cause::TcpTimeout) {
        eprintln!(
            "this kernel accepts past the backlog; skipping: {}",
            dump(&r)
        );
        return;
    }
    let f = only(&r, Cause::TcpTimeout);
    assert_eq!((f.stage, f.severity), (Stage::Tcp, Severity::Error));
}

/// Peers that accept and then never say a word: every signal on its own blocked path, and
/// the verdict still arrives within about one timeout, not one per signal.
#[tokio::test]
async fn blocked_paths_cost_one_timeout() {
    let mut signals = Vec::new();
    let mut keep = Vec::new();
    for signal in Signal::ALL {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        keep.push(tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((c, _)) = l.accept().await {
                held.push(c);
            }
        }));
        signals.push(signal_settings(
            signal,
            &format!("https://127.0.0.1:{port}"),
            Protocol::Grpc,
        ));
    }
    let timeout = Duration::from_millis(600);
    let started = Instant::now();
    let r = doctor(signals, &opts(timeout.as_millis() as u64)).await;
    let took = started.elapsed();
    assert!(
        took < timeout.mul_f64(1.1) + Duration::from_millis(100),
        "took {took:?}"
    );
    assert!(took >= timeout, "took {took:?}");
    let handshakes = r
        .findings
        .iter()
        .filter(|f| f.cause == Cause::TlsHandshakeFailed && f.stage == Stage::Tls)
        .count();
    assert_eq!(handshakes, 3, "{}", dump(&r));
    for t in &r.targets {
        let tls = t.checks.iter().find(|c| c.stage == Stage::Tls).unwrap();
        assert_eq!(tls.status, Status::Fail);
        assert!(tls.duration_ms >= 600);
    }
}

/// Signals that share an endpoint are probed once per path; each keeps its own finding.
#[tokio::test]
async fn shared_path_findings_keep_their_signal() {
    let port = closed_port().await;
    let signals = Signal::ALL
        .iter()
        .map(|s| {
            signal_settings(
                *s,
                &format!("http://127.0.0.1:{port}"),
                Protocol::HttpProtobuf,
            )
        })
        .collect();
    let r = doctor(signals, &opts(1000)).await;
    let refused: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.cause == Cause::TcpRefused)
        .map(|f| f.signal)
        .collect();
    assert_eq!(
        refused,
        vec![
            Some(Signal::Traces),
            Some(Signal::Metrics),
            Some(Signal::Logs)
        ]
    );
    assert_eq!(r.targets.len(), 3);
}

/// A listener that resets (or closes, FIN) every connection right after accepting it.
async fn listener_that(reset: bool) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut c, _)) = l.accept().await {
            if reset {
                // SO_LINGER 0: dropping sends a reset instead of a FIN.
                #[allow(deprecated)]
                let _ = c.set_linger(Some(Duration::ZERO));
                drop(c);
                continue;
            }
            // FIN, then keep reading so the client's bytes cause no reset.
            tokio::spawn(async move {
                let _ = c.shutdown().await;
                let mut buf = [0u8; 4096];
                while matches!(c.read(&mut buf).await, Ok(n) if n > 0) {}
            });
        }
    });
    port
}

/// A front end with no live backend that resets right after accepting: the first stage that
/// sends bytes (protocol, for plaintext) names it accept_then_close, not connection_reset.
/// The tcp stage does not wait for it: that wait would cost every healthy run.
#[tokio::test]
async fn reset_right_after_accept_is_accept_then_close() {
    let port = listener_that(true).await;
    let s = signal_settings(
        Signal::Traces,
        &format!("http://127.0.0.1:{port}"),
        Protocol::HttpProtobuf,
    );
    let r = doctor(vec![s], &opts(2000)).await;
    let f = only(&r, Cause::AcceptThenClose);
    // The reset races the connect: seen by connect itself (tcp) or by the first request.
    assert!(
        matches!(f.stage, Stage::Tcp | Stage::Protocol),
        "{}",
        dump(&r)
    );
    assert_eq!(f.severity, Severity::Error);
    assert!(f.summary.contains("reset"), "{}", f.summary);
    assert!(
        r.findings.iter().all(|f| f.cause != Cause::ConnectionReset),
        "{}",
        dump(&r)
    );
    assert_eq!(status(&r, f.stage), Status::Fail);
    assert_eq!(status(&r, Stage::Export), Status::Skip);
}

/// A FIN right after accept is only a half-close: the tcp stage passes and the stage that
/// sends the first bytes names it.
#[tokio::test]
async fn close_right_after_accept_is_left_to_later_stages() {
    let port = listener_that(false).await;
    let s = signal_settings(
        Signal::Traces,
        &format!("http://127.0.0.1:{port}"),
        Protocol::HttpProtobuf,
    );
    let r = doctor(vec![s], &opts(2000)).await;
    assert_eq!(status(&r, Stage::Tcp), Status::Pass, "{}", dump(&r));
    let f = only(&r, Cause::AcceptThenClose);
    assert_eq!(f.stage, Stage::Protocol);
}
