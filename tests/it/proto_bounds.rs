//! Hostile peers: garbage, trickling bytes, enormous bodies, huge headers, closes mid-frame and
//! silence each give a finding, within bounds: no hang, no panic, no unbounded read.

use crate::support::probe::*;
use runner::cause::Cause;
use runner::config::Protocol;
use runner::doctor::StageResult;
use runner::report::Status;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

/// Both stages for both protocols; each must finish within a few timeouts (0.8 s each).
async fn run_all(addr: SocketAddr) -> Vec<(Protocol, &'static str, StageResult)> {
    let mut out = Vec::new();
    for proto in [Protocol::HttpProtobuf, Protocol::Grpc] {
        let fx = Fixture::new(&format!("http://{addr}/v1/traces"), proto);
        let started = Instant::now();
        let p = bounded(runner::doctor::protocol_stage(&fx.probe(), addr)).await;
        let e = bounded(runner::doctor::export_stage(&fx.probe(), addr)).await;
        // Each stage: one exchange plus at most two verification attempts, each bounded.
        assert!(
            started.elapsed() < Duration::from_secs(8),
            "{:?}",
            started.elapsed()
        );
        out.push((proto, "protocol", p));
        out.push((proto, "export", e));
    }
    out
}

fn assert_failed_with(
    results: &[(Protocol, &str, StageResult)],
    expect: impl Fn(Protocol) -> Vec<Cause>,
) {
    for (proto, stage, r) in results {
        assert_eq!(r.check.status, Status::Fail, "{proto} {stage}: {r:#?}");
        let causes: Vec<Cause> = r.findings.iter().map(|f| f.cause).collect();
        assert!(
            causes.iter().any(|c| expect(*proto).contains(c)),
            "{proto} {stage}: got {causes:?}, expected one of {:?}",
            expect(*proto)
        );
    }
}

#[tokio::test]
async fn garbage() {
    let addr = raw_server(|mut s| async move {
        read_some(&mut s).await;
        let junk: Vec<u8> = (0..2048u32).map(|i| (i * 7919 % 251) as u8).collect();
        let _ = s.write_all(&junk).await;
        let _ = s.shutdown().await;
        // Drain what the client still sends, so the kernel does not answer it with a reset.
        while !read_some(&mut s).await.is_empty() {}
    })
    .await;
    let results = run_all(addr).await;
    assert_failed_with(&results, |p| match p {
        Protocol::Grpc => vec![Cause::GrpcNonGrpcResponse],
        _ => vec![Cause::NotOtlpEndpoint],
    });
}

#[tokio::test]
async fn trickling_head_is_a_timeout() {
    let addr = raw_server(|mut s| async move {
        read_some(&mut s).await;
        for b in b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\n"
            .iter()
            .cycle()
        {
            if s.write_all(&[*b]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    let results = run_all(addr).await;
    assert_failed_with(&results, |p| match p {
        // gRPC sees `HTTP/1.` in reply to its preface.
        Protocol::Grpc => vec![Cause::GrpcToHttpPort],
        _ => vec![Cause::ResponseTimeout],
    });
}

#[tokio::test]
async fn trickling_body_is_bounded() {
    let addr = raw_server(|mut s| async move {
        read_some(&mut s).await;
        let _ = s
            .write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 100000\r\n\r\n",
            )
            .await;
        loop {
            if s.write_all(b"<").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    let fx = Fixture::new(&format!("http://{addr}/v1/traces"), Protocol::HttpProtobuf);
    let started = Instant::now();
    let r = bounded(runner::doctor::export_stage(&fx.probe(), addr)).await;
    assert!(started.elapsed() < Duration::from_secs(3));
    let f = finding(&r, Cause::NotOtlpEndpoint);
    assert_eq!(f.evidence["body_end"], "timed_out");
    // The stage waited its whole timeout: later stages of the path must not wait again.
    assert!(f.stalled);
}

#[tokio::test]
async fn enormous_body_is_read_only_to_the_limit() {
    let addr = raw_server(|mut s| async move {
        read_some(&mut s).await;
        let _ = s
            .write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 1000000000\r\n\r\n",
            )
            .await;
        let chunk = vec![b'a'; 65536];
        for _ in 0..16000 {
            if s.write_all(&chunk).await.is_err() {
                return;
            }
        }
    })
    .await;
    let fx = Fixture::new(&format!("http://{addr}/v1/traces"), Protocol::HttpProtobuf);
    let r = bounded(runner::doctor::export_stage(&fx.probe(), addr)).await;
    let f = finding(&r, Cause::NotOtlpEndpoint);
    assert_eq!(f.evidence["body_end"], "truncated");
    // At most 500 bytes are quoted.
    assert!(f.evidence["body"].as_str().unwrap().len() < 600);
}

#[tokio::test]
async fn huge_header() {
    let addr = raw_server(|mut s| async move {
        read_some(&mut s).await;
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nx-big: ").await;
        let chunk = vec![b'a'; 16384];
        for _ in 0..64 {
            if s.write_all(&chunk).await.is_err() {
                return;
            }
        }
        let _ = s.write_all(b"\r\n\r\n").await;
    })
    .await;
    let fx = Fixture::new(&format!("http://{addr}/v1/traces"), Protocol::HttpProtobuf);
    for r in [
        bounded(runner::doctor::protocol_stage(&fx.probe(), addr)).await,
        bounded(runner::doctor::export_stage(&fx.probe(), addr)).await,
    ] {
        let f = finding(&r, Cause::NotOtlpEndpoint);
        assert!(f.explanation.contains("64 KiB"), "{}", f.explanation);
    }
}

#[tokio::test]
async fn huge_h2_header_list() {
    let big: &'static str = Box::leak("a".repeat(100_000).into_boxed_str());
    let addr = h2_server(move |_| {
        let (mut resp, trailers) = grpc_answer(0, "", b"");
        resp.headers_mut().insert("x-big", big.parse().unwrap());
        (resp, trailers)
    })
    .await;
    let fx = Fixture::new(&format!("http://{addr}"), Protocol::Grpc);
    let r = bounded(runner::doctor::export_stage(&fx.probe(), addr)).await;
    assert_eq!(r.check.status, Status::Fail, "{r:#?}");
}

#[tokio::test]
async fn close_mid_frame() {
    // HTTP: half a status line; h2: half a SETTINGS frame.
    let http = raw_server(|mut s| async move {
        read_some(&mut s).await;
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Le").await;
        let _ = s.shutdown().await;
    })
    .await;
    let fx = Fixture::new(&format!("http://{http}/v1/traces"), Protocol::HttpProtobuf);
    let r = bounded(runner::doctor::export_stage(&fx.probe(), http)).await;
    let f = finding(&r, Cause::NotOtlpEndpoint);
    assert!(
        f.explanation
            .contains("closed the connection in the middle"),
        "{}",
        f.explanation
    );

    let h2 = raw_server(|mut s| async move {
        read_some(&mut s).await;
        let _ = s.write_all(&[0, 0, 12, 4, 0, 0, 0, 0, 0, 0, 3]).await;
        let _ = s.shutdown().await;
        while !read_some(&mut s).await.is_empty() {}
    })
    .await;
    let fx = Fixture::new(&format!("http://{h2}"), Protocol::Grpc);
    let r = bounded(runner::doctor::export_stage(&fx.probe(), h2)).await;
    finding(&r, Cause::GrpcNonGrpcResponse);
}

#[tokio::test]
async fn silent_peer() {
    let addr = raw_server(|mut s| async move {
        read_some(&mut s).await;
        tokio::time::sleep(Duration::from_secs(60)).await;
    })
    .await;
    let results = run_all(addr).await;
    assert_failed_with(&results, |_| vec![Cause::ResponseTimeout]);
}
