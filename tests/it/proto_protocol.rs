//! The protocol stage against in-process servers: each cause reproduced on real sockets.

use crate::support::probe::*;
use runner::cause::{Cause, Severity, Stage};
use runner::config::{Protocol, Source, Sourced};
use runner::report::Status;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

const OK_PROTOBUF: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";

/// An h2c server that serves the OTLP export (OK) and nothing else (UNIMPLEMENTED).
async fn grpc_collector() -> std::net::SocketAddr {
    h2_server(|req| {
        if req.uri().path().ends_with("TraceService/Export") {
            grpc_answer(0, "", b"")
        } else {
            grpc_answer(12, "unknown service grpc.health.v1.Health", b"")
        }
    })
    .await
}

#[tokio::test]
async fn grpc_healthy_h2c_passes_and_notes_missing_health_service() {
    let addr = grpc_collector().await;
    let fx = Fixture::new(&format!("http://{addr}"), Protocol::Grpc);
    let r = bounded(runner::doctor::protocol_stage(&fx.probe(), addr)).await;
    assert_eq!(r.check.status, Status::Pass, "{r:#?}");
    assert!(r.findings.is_empty());
    let note = r.check.evidence["health_check"]["note"].as_str().unwrap();
    assert!(note.contains("not registered"), "{note}");
}

#[tokio::test]
async fn grpc_to_http1_port_is_verified_with_http_protobuf() {
    // Like an HTTP/1-only receiver: answers the h2 preface with 400, serves OTLP/HTTP.
    let addr = raw_server(|mut s| async move {
        let req = read_some(&mut s).await;
        let answer: &[u8] = if req.starts_with(b"PRI * HTTP/2.0") {
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
        } else {
            OK_PROTOBUF
        };
        let _ = s.write_all(answer).await;
    })
    .await;
    let fx = Fixture::new(&format!("http://{addr}"), Protocol::Grpc);
    let r = bounded(runner::doctor::protocol_stage(&fx.probe(), addr)).await;
    let f = finding(&r, Cause::GrpcToHttpPort);
    assert_eq!(f.stage, Stage::Protocol);
    assert_eq!(f.severity, Severity::Error);
    assert!(f.fix_verified, "{f:#?}");
    assert!(
        f.fix.contains("http/protobuf") && f.fix.contains("tried"),
        "{}",
        f.fix
    );
    assert_eq!(r.check.status, Status::Fail);
}

#[tokio::test]
async fn http_to_grpc_port_is_verified_with_grpc() {
    let addr = grpc_collector().await;
    let fx = Fixture::new(&format!("http://{addr}/v1/traces"), Protocol::HttpProtobuf);
    let r = bounded(runner::doctor::protocol_stage(&fx.probe(), addr)).await;
    let f = finding(&r, Cause::HttpToGrpcPort);
    assert_eq!(f.stage, Stage::Protocol);
    assert_eq!(f.severity, Severity::Error);
    assert!(f.fix_verified, "{f:#?}");
    assert!(f.fix.contains("`grpc`"), "{}", f.fix);
}

#[tokio::test]
async fn http_to_grpc_port_unverified_when_grpc_fails_too() {
    // An h2 server that is not an OTLP receiver: the grpc attempt gets UNIMPLEMENTED.
    let addr = h2_server(|_| grpc_answer(12, "unknown service", b"")).await;
    let fx = Fixture::new(&format!("http://{addr}/v1/traces"), Protocol::HttpProtobuf);
    let r = bounded(runner::doctor::protocol_stage(&fx.probe(), addr)).await;
    let f = finding(&r, Cause::HttpToGrpcPort);
    assert!(!f.fix_verified, "{f:#?}");
}

#[tokio::test]
async fn plaintext_to_tls_port_is_verified_by_server_hello() {
    let addr = tls_server(OK_PROTOBUF).await;
    for protocol in [Protocol::HttpProtobuf, Protocol::Grpc] {
        let fx = Fixture::new(&format!("http://{addr}/v1/traces"), protocol);
        let r = bounded(runner::doctor::protocol_stage(&fx.probe(), addr)).await;
        let f = finding(&r, Cause::PlaintextToTls);
        assert_eq!(f.stage, Stage::Tls);
        assert_eq!(f.severity, Severity::Error);
        assert!(f.fix_verified, "{f:#?}");
        assert!(f.fix.contains("https://"), "{}", f.fix);
    }
}

#[tokio::test]
async fn nginx_plain_http_to_https_port_is_recognised() {
    // nginx's answer; the port itself does not speak TLS here, so the fix is not verified.
    let addr = raw_server(|mut s| async move {
        read_some(&mut s).await;
        let body = "<html><center>The plain HTTP request was sent to HTTPS port</center></html>";
        let head = format!(
            "HTTP/1.1 400 Bad Request\r\ncontent-type: text/html\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        let _ = s.write_all(head.as_bytes()).await;
        let _ = s.write_all(body.as_bytes()).await;
    })
    .await;
    let fx = Fixture::new(&format!("http://{addr}/v1/traces"), Protocol::HttpProtobuf);
    let r = bounded(runner::doctor::protocol_stage(&fx.probe(), addr)).await;
    let f = finding(&r, Cause::PlaintextToTls);
    assert!(!f.fix_verified);
    assert!(
        f.explanation.contains("plain HTTP request"),
        "{}",
        f.explanation
    );
}

#[tokio::test]
async fn accept_then_close_without_a_byte() {
    // Closes its side at once (FIN), and drains what arrives so no reset is sent.
    let addr = raw_server(|mut s| async move {
        let _ = s.shutdown().await;
        while !read_some(&mut s).await.is_empty() {}
    })
    .await;
    for protocol in [Protocol::HttpProtobuf, Protocol::Grpc] {
        let fx = Fixture::new(&format!("http://{addr}/v1/traces"), protocol);
        let r = bounded(runner::doctor::protocol_stage(&fx.probe(), addr)).await;
        let f = finding(&r, Cause::AcceptThenClose);
        assert_eq!(f.stage, Stage::Protocol);
        assert_eq!(f.severity, Severity::Error);
        assert!(!f.fix_verified);
    }
}

#[tokio::test]
async fn reset_after_first_request_without_a_byte_is_accept_then_close() {
    let addr = raw_server(|mut s| async move {
        read_some(&mut s).await;
        #[allow(deprecated)]
        let _ = s.set_linger(Some(Duration::ZERO));
        drop(s);
    })
    .await;
    for protocol in [Protocol::HttpProtobuf, Protocol::Grpc] {
        let fx = Fixture::new(&format!("http://{addr}/v1/traces"), protocol);
        let r = bounded(runner::doctor::protocol_stage(&fx.probe(), addr)).await;
        // A plaintext peer that resets before sending a byte never spoke: accept_then_close.
        let f = finding(&r, Cause::AcceptThenClose);
        assert_eq!(f.stage, Stage::Protocol);
        assert_eq!(f.severity, Severity::Error);
    }
}

#[tokio::test]
async fn silent_peer_is_a_response_timeout_within_bounds() {
    let addr = raw_server(|mut s| async move {
        read_some(&mut s).await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    for protocol in [Protocol::HttpProtobuf, Protocol::Grpc] {
        // The answer is awaited as long as the exporter would wait (its timeout), not longer.
        let fx = Fixture::new(&format!("http://{addr}/v1/traces"), protocol);
        let started = std::time::Instant::now();
        let r = bounded(runner::doctor::protocol_stage(&fx.probe(), addr)).await;
        let f = finding(&r, Cause::ResponseTimeout);
        assert!(
            f.summary.contains("(the exporter's timeout)"),
            "{}",
            f.summary
        );
        assert_eq!(f.stage, Stage::Protocol);
        assert_eq!(f.severity, Severity::Error);
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
    }
}

#[tokio::test]
async fn grpc_with_proxy_set_says_tonic_ignores_it() {
    let addr = grpc_collector().await;
    let mut fx = Fixture::new(&format!("http://{addr}"), Protocol::Grpc);
    fx.proxy.http = Some(Sourced::new(
        "http://127.0.0.1:9".to_string(),
        Source::Env("HTTP_PROXY".into()),
    ));
    let r = bounded(runner::doctor::protocol_stage(&fx.probe(), addr)).await;
    assert_eq!(r.check.status, Status::Pass);
    let f = finding(&r, Cause::ProxyFailure);
    assert_eq!(f.severity, Severity::Info);
    assert!(f.summary.contains("ignores proxies"), "{}", f.summary);
}

/// Like nginx `listen ... ssl http2`: TLS when the client starts with a ClientHello, and a
/// generic HTML `400 Bad Request` (HTTP/1.1) to anything else, such as a plaintext h2 preface.
async fn nginx_like_tls_port() -> std::net::SocketAddr {
    use std::sync::Arc;
    let key = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let cert = key.cert.der().clone();
    let private =
        rustls::pki_types::PrivateKeyDer::try_from(key.signing_key.serialize_der()).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert], private)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    raw_server(move |mut s| {
        let acceptor = acceptor.clone();
        async move {
            let mut first = [0u8; 1];
            if s.peek(&mut first).await.is_err() {
                return;
            }
            if first[0] == 0x16 {
                let _ = acceptor.accept(s).await;
                return;
            }
            read_some(&mut s).await;
            let body = "<html><head><title>400 Bad Request</title></head></html>";
            let head = format!(
                "HTTP/1.1 400 Bad Request\r\nServer: nginx\r\ncontent-type: text/html\r\n\
                 content-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(head.as_bytes()).await;
            let _ = s.write_all(body.as_bytes()).await;
            let _ = s.shutdown().await;
            // Drain the rest of the preface, so the kernel does not answer it with a reset.
            while !read_some(&mut s).await.is_empty() {}
        }
    })
    .await
}

#[tokio::test]
async fn plaintext_grpc_to_a_tls_port_answering_http1_400_is_plaintext_to_tls() {
    // nginx answers a plaintext h2 preface on its TLS port with a generic HTTP/1.1 400: not an
    // OTLP/HTTP port (http/protobuf gets 400 too), and a ClientHello gets a ServerHello.
    let addr = nginx_like_tls_port().await;
    let fx = Fixture::new(&format!("http://{addr}"), Protocol::Grpc);
    let r = bounded(runner::doctor::protocol_stage(&fx.probe(), addr)).await;
    let f = finding(&r, Cause::PlaintextToTls);
    assert_eq!((f.stage, f.severity), (Stage::Tls, Severity::Error));
    assert!(f.fix_verified, "{f:#?}");
    assert!(f.fix.contains("https://"), "{}", f.fix);
    assert!(
        r.findings.iter().all(|f| f.cause != Cause::GrpcToHttpPort),
        "{r:#?}"
    );
    assert_eq!(f.evidence["ruled_out"][0]["worked"], false, "{f:#?}");
    assert_eq!(f.evidence["tried"][0]["worked"], true, "{f:#?}");
}
