//! Wrong blame (issue 13): proxy trouble of every kind is `proxy_failure` naming the proxy, a
//! REFUSED_STREAM is a refusal, a truncated DNS answer is asked again over TCP. In-process
//! servers on 127.0.0.1 port 0.

pub use crate::support::probe::{finding, Fixture as Fx};
use runner::cause::{Cause, Finding};
use runner::config::{Protocol, Signal};
use runner::doctor::{dns, DoctorOptions, StageResult};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};

/// The bound of the shared probe fixture (`support::probe::Fixture`): `--timeout` and the
/// exporter's timeout alike.
pub const TIMEOUT: Duration = Duration::from_millis(800);

/// Runs a stage under a hard deadline and returns it with its wall time.
pub async fn timed<F: Future<Output = StageResult>>(f: F) -> (StageResult, Duration) {
    let t0 = Instant::now();
    let r = tokio::time::timeout(Duration::from_secs(15), f)
        .await
        .expect("stage must not hang");
    (r, t0.elapsed())
}

pub use crate::support::probe::raw_server;

/// Reads a request head (bounded), so that replies come after the request.
pub async fn read_head(s: &mut TcpStream) -> Vec<u8> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65536 {
        match tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => head.extend_from_slice(&buf[..n]),
            _ => break,
        }
    }
    head
}

/// A proxy (or server) that reads the request head, writes `reply`, then holds the connection
/// open without another byte for a minute.
pub async fn answer_then_hold(reply: &'static [u8]) -> SocketAddr {
    raw_server(move |mut s| async move {
        let _ = read_head(&mut s).await;
        let _ = s.write_all(reply).await;
        tokio::time::sleep(Duration::from_secs(60)).await;
    })
    .await
}

/// An OTLP/HTTP-looking endpoint the tests never expect to reach (the proxy fails first).
pub async fn endpoint() -> SocketAddr {
    answer_then_hold(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n",
    )
    .await
}

fn assert_names_proxy(f: &Finding, proxy: SocketAddr, var: &str) {
    assert!(
        f.summary
            .contains(&format!("http://127.0.0.1:{}", proxy.port())),
        "{}",
        f.summary
    );
    assert!(f.explanation.contains(var), "{}", f.explanation);
    assert!(
        f.fix.contains(var) && f.fix.contains("NO_PROXY"),
        "{}",
        f.fix
    );
}

#[tokio::test]
async fn silent_http_proxy_is_proxy_failure_not_a_silent_endpoint() {
    let ep = endpoint().await;
    let proxy = answer_then_hold(b"").await;
    let fx = Fx::new(&format!("http://{ep}/v1/traces"), Protocol::HttpProtobuf)
        .http_proxy(format!("http://{proxy}"));
    let (r, took) = timed(runner::doctor::protocol_stage(&fx.probe(), ep)).await;
    let f = finding(&r, Cause::ProxyFailure);
    assert_names_proxy(&f, proxy, "env:HTTP_PROXY");
    assert!(f.stalled, "a silent proxy blocks the path");
    assert!(took < TIMEOUT * 2, "{took:?}");
    assert!(r.findings.iter().all(|f| f.cause == Cause::ProxyFailure));
}

#[tokio::test]
async fn http_proxy_407_is_proxy_failure_with_the_password_redacted() {
    let ep = endpoint().await;
    let proxy = answer_then_hold(
        b"HTTP/1.1 407 Proxy Authentication Required\r\nproxy-authenticate: Basic realm=\"corp\"\r\ncontent-length: 0\r\n\r\n",
    )
    .await;
    let fx = Fx::new(&format!("http://{ep}/v1/traces"), Protocol::HttpProtobuf)
        .http_proxy(format!("http://alice:s3cr3t-pw@{proxy}"));
    let (r, _) = timed(runner::doctor::protocol_stage(&fx.probe(), ep)).await;
    let f = finding(&r, Cause::ProxyFailure);
    assert!(f.summary.contains("407"), "{}", f.summary);
    assert!(
        f.summary.contains(&format!("http://alice@{proxy}")),
        "{}",
        f.summary
    );
    assert!(f.fix.contains("env:HTTP_PROXY") && f.fix.contains("NO_PROXY"));
    let all = serde_json::to_string(&r.findings).unwrap();
    assert!(!all.contains("s3cr3t-pw"), "{all}");
    assert!(!f.stalled);
}

#[tokio::test]
async fn http_proxy_closing_without_an_answer_is_proxy_failure() {
    let ep = endpoint().await;
    let proxy = raw_server(|mut s| async move {
        let _ = read_head(&mut s).await;
    })
    .await;
    let fx = Fx::new(&format!("http://{ep}/v1/traces"), Protocol::HttpProtobuf)
        .http_proxy(format!("http://{proxy}"));
    let (r, _) = timed(runner::doctor::protocol_stage(&fx.probe(), ep)).await;
    assert_names_proxy(&finding(&r, Cause::ProxyFailure), proxy, "env:HTTP_PROXY");
}

#[tokio::test]
async fn dead_http_proxy_is_worded_without_debug_output() {
    let ep = endpoint().await;
    let dead = {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap()
    };
    let fx = Fx::new(&format!("http://{ep}/v1/traces"), Protocol::HttpProtobuf)
        .http_proxy(format!("http://{dead}"));
    let (r, _) = timed(runner::doctor::protocol_stage(&fx.probe(), ep)).await;
    let f = finding(&r, Cause::ProxyFailure);
    assert!(
        f.summary.contains("refused the connection"),
        "{}",
        f.summary
    );
    assert!(!f.summary.contains("(Refused)"), "{}", f.summary);
    assert_eq!(f.evidence["error"]["kind"], "connect_refused");
}

#[tokio::test]
async fn https_proxy_silent_connect_200_silent_and_garbage_are_proxy_failures() {
    let ep = endpoint().await;
    let silent = answer_then_hold(b"").await;
    let tunnel_then_nothing =
        answer_then_hold(b"HTTP/1.1 200 Connection established\r\n\r\n").await;
    let garbage =
        answer_then_hold(b"HTTP/1.1 200 Connection established\r\n\r\n\x00garbage\r\n").await;
    let refused = answer_then_hold(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n").await;
    for (proxy, stalls) in [
        (silent, true),
        (tunnel_then_nothing, true),
        (garbage, false),
        (refused, false),
    ] {
        let fx = Fx::new(&format!("https://{ep}/v1/traces"), Protocol::HttpProtobuf)
            .https_proxy(format!("http://{proxy}"));
        let (r, took) = timed(runner::doctor::protocol_stage(&fx.probe(), ep)).await;
        let f = finding(&r, Cause::ProxyFailure);
        assert!(f.summary.contains(&proxy.to_string()), "{}", f.summary);
        assert!(f.fix.contains("NO_PROXY"), "{}", f.fix);
        assert_eq!(f.stalled, stalls, "{proxy}: {}", f.summary);
        assert!(took < TIMEOUT * 2, "{took:?}");
    }
}

/// An h2c server that resets every stream with `reason`.
async fn h2_resetting(reason: h2::Reason) -> SocketAddr {
    raw_server(move |s| async move {
        let Ok(mut conn) = h2::server::handshake(s).await else {
            return;
        };
        while let Some(Ok((_req, mut respond))) = conn.accept().await {
            respond.send_reset(reason);
        }
    })
    .await
}

#[tokio::test]
async fn refused_stream_is_a_retryable_refusal_not_garbage() {
    let addr = h2_resetting(h2::Reason::REFUSED_STREAM).await;
    let fx = Fx::new(&format!("http://{addr}"), Protocol::Grpc);
    let (r, _) = timed(runner::doctor::protocol_stage(&fx.probe(), addr)).await;
    let f = finding(&r, Cause::GrpcUnavailable);
    assert!(f.summary.contains("REFUSED_STREAM"), "{}", f.summary);
    assert!(f.explanation.contains("retry"), "{}", f.explanation);
    assert!(!f.explanation.contains("not a valid response"));
    assert_eq!(f.evidence["peer"]["stream_reset"]["code"], 7);
}

/// A name server on one port: UDP answers carry the TC flag and no records; TCP answers carry
/// 127.0.0.1 unless `tcp_truncated`, then the TC flag again.
async fn truncating_dns(tcp_truncated: bool) -> (SocketAddr, Arc<std::sync::atomic::AtomicUsize>) {
    let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = udp.local_addr().unwrap();
    let tcp = TcpListener::bind(addr).await.unwrap();
    let tcp_queries = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    tokio::spawn(async move {
        let mut buf = [0u8; 1500];
        while let Ok((n, peer)) = udp.recv_from(&mut buf).await {
            if let Some(reply) = dns_reply(&buf[..n], true) {
                let _ = udp.send_to(&reply, peer).await;
            }
        }
    });
    let count = tcp_queries.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = tcp.accept().await {
            let count = count.clone();
            tokio::spawn(async move {
                loop {
                    let mut len = [0u8; 2];
                    if s.read_exact(&mut len).await.is_err() {
                        return;
                    }
                    let mut q = vec![0u8; u16::from_be_bytes(len) as usize];
                    if s.read_exact(&mut q).await.is_err() {
                        return;
                    }
                    count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(reply) = dns_reply(&q, tcp_truncated) else {
                        return;
                    };
                    let mut out = (reply.len() as u16).to_be_bytes().to_vec();
                    out.extend_from_slice(&reply);
                    let _ = s.write_all(&out).await;
                }
            });
        }
    });
    (addr, tcp_queries)
}

/// The reply to query `q`: TC and no answer when `truncated`, else 127.0.0.1 for A and NODATA
/// for other types.
fn dns_reply(q: &[u8], truncated: bool) -> Option<Vec<u8>> {
    let mut i = 12;
    while *q.get(i)? != 0 {
        i += 1 + *q.get(i)? as usize;
    }
    let qtype = u16::from_be_bytes([*q.get(i + 1)?, *q.get(i + 2)?]);
    let question = q.get(12..i + 5)?;
    let answer = !truncated && qtype == 1;
    let mut r = vec![q[0], q[1], 0x81 | if truncated { 0x02 } else { 0 }, 0x80];
    r.extend_from_slice(&[0, 1, 0, answer as u8, 0, 0, 0, 0]);
    r.extend_from_slice(question);
    if answer {
        r.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1]);
    }
    Some(r)
}

#[tokio::test]
async fn truncated_udp_answer_is_asked_again_over_tcp() {
    let (server, tcp_queries) = truncating_dns(false).await;
    let res = dns::resolve("collector.test", Some(server), TIMEOUT).await;
    assert_eq!(
        res.addresses(),
        vec!["127.0.0.1".parse::<std::net::IpAddr>().unwrap()]
    );
    assert!(tcp_queries.load(std::sync::atomic::Ordering::SeqCst) >= 1);
}

#[tokio::test]
async fn truncated_over_udp_and_tcp_says_so() {
    let (server, tcp_queries) = truncating_dns(true).await;
    let res = dns::resolve("collector.test", Some(server), TIMEOUT).await;
    assert!(tcp_queries.load(std::sync::atomic::Ordering::SeqCst) >= 1);
    assert_eq!(
        res.a.0,
        dns::Answer::Failed(runner::cause::net_text::DnsFailureKind::Truncated)
    );
    let f = runner::cause::net_text::dns_failure(
        Signal::Traces,
        "collector.test",
        &res.source,
        &runner::cause::net_text::DnsFailureKind::Truncated,
        serde_json::json!({}),
    );
    assert!(f.summary.contains("over TCP"), "{}", f.summary);
    assert!(!f.summary.contains("already tried"), "{}", f.summary);
}

/// An h2c gRPC server whose every answer declares a 5 MB message (over tonic's 4 MiB decode
/// limit) and then ends with `grpc-status: 0`.
async fn grpc_oversized_answer() -> SocketAddr {
    raw_server(|s| async move {
        let Ok(mut conn) = h2::server::handshake(s).await else {
            return;
        };
        while let Some(Ok((_req, mut respond))) = conn.accept().await {
            let head = http::Response::builder()
                .status(200)
                .header("content-type", "application/grpc")
                .body(())
                .unwrap();
            let Ok(mut body) = respond.send_response(head, false) else {
                continue;
            };
            let mut frame = vec![0u8];
            frame.extend_from_slice(&5_000_000u32.to_be_bytes());
            frame.extend_from_slice(&[0u8; 64]);
            let _ = body.send_data(bytes::Bytes::from(frame), false);
            let mut trailers = http::HeaderMap::new();
            trailers.insert("grpc-status", "0".parse().unwrap());
            let _ = body.send_trailers(trailers);
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn canary_tells_its_own_client_errors_from_collector_statuses() {
    let addr = grpc_oversized_answer().await;
    let env = runner::config::Environment::from_pairs([
        (
            "OTEL_EXPORTER_OTLP_ENDPOINT".to_string(),
            format!("http://{addr}"),
        ),
        (
            "OTEL_EXPORTER_OTLP_PROTOCOL".to_string(),
            "grpc".to_string(),
        ),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    let overrides = runner::config::Overrides {
        config_path: Some(config),
        ..Default::default()
    };
    let loaded = runner::config::load(&overrides, &env).unwrap();
    let opts = DoctorOptions {
        timeout: Duration::from_secs(2),
        ..DoctorOptions::default()
    };
    let report = runner::doctor::run(&loaded, &env, &opts).await;
    let canary = report
        .findings
        .iter()
        .find(|f| f.cause == Cause::CanaryExportFailed)
        .unwrap_or_else(|| panic!("{:#?}", report.findings));
    assert!(
        canary.summary.contains("own gRPC client refused"),
        "{}",
        canary.summary
    );
    assert!(
        !canary
            .summary
            .contains("the collector answered gRPC status"),
        "{}",
        canary.summary
    );
    assert_eq!(canary.evidence["failure"]["kind"], "client_rejected");
}
