//! The tcp and tls stages take the exporter's path: behind `HTTPS_PROXY`/`HTTP_PROXY` (unless
//! `NO_PROXY` matches, and never for gRPC, which ignores proxies) they connect to the proxy and
//! shake hands with the endpoint through its CONNECT tunnel, and say so.

use crate::support::ports::free_port;
use crate::support::probe::*;
use runner::cause::{Cause, Stage};
use runner::config::{Protocol, Source, Sourced};
use runner::doctor::stages;
use runner::report::Status;
use std::net::SocketAddr;

const OK_PROTOBUF: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";

/// An https endpoint trusted through its CA file, with `HTTPS_PROXY` at `proxy`.
async fn behind(proxy: SocketAddr, protocol: Protocol) -> (Fixture, SocketAddr, tempfile::TempDir) {
    let (addr, pem) = tls_server_with_cert(OK_PROTOBUF).await;
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, pem).unwrap();
    let mut fx = Fixture::new(&format!("https://{addr}/v1/traces"), protocol);
    fx.settings.certificate = Some(Sourced::default_value(ca));
    fx.proxy.https = Some(Sourced::new(
        format!("http://{proxy}"),
        Source::Env("HTTPS_PROXY".into()),
    ));
    (fx, addr, dir)
}

#[tokio::test]
async fn tcp_and_tls_go_through_the_proxy_and_say_so() {
    let proxy = test_proxy(None).await;
    let (fx, addr, _dir) = behind(proxy.addr, Protocol::HttpProtobuf).await;
    let probe = fx.probe();
    let (r, chosen) = stages::tcp(&probe, &[addr.ip()]).await;
    assert_eq!(r.check.status, Status::Pass, "{r:#?}");
    assert_eq!(
        chosen,
        Some(addr),
        "later stages keep the endpoint's address"
    );
    assert!(
        r.check
            .summary
            .contains(&format!("proxy http://{}", proxy.addr)),
        "{}",
        r.check.summary
    );
    let t = bounded(stages::tls(&probe, addr)).await;
    assert_eq!(t.check.status, Status::Pass, "{t:#?}");
    assert!(
        t.check.summary.starts_with("through the proxy"),
        "{}",
        t.check.summary
    );
    assert_eq!(t.check.evidence["proxy"], format!("http://{}", proxy.addr));
    let seen = proxy.seen.lock().unwrap().clone();
    assert_eq!(seen, vec![format!("CONNECT {addr}")]);
}

#[tokio::test]
async fn a_refused_tunnel_is_the_tls_stage_proxy_failure() {
    let proxy = test_proxy(Some(403)).await;
    let (fx, addr, _dir) = behind(proxy.addr, Protocol::HttpProtobuf).await;
    let t = bounded(stages::tls(&fx.probe(), addr)).await;
    assert_eq!(t.check.status, Status::Fail, "{t:#?}");
    let f = finding(&t, Cause::ProxyFailure);
    assert_eq!(f.stage, Stage::Tls);
}

#[tokio::test]
async fn a_proxy_that_is_down_is_the_tcp_stage_proxy_failure() {
    let down = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let (fx, addr, _dir) = behind(down, Protocol::HttpProtobuf).await;
    let (r, chosen) = stages::tcp(&fx.probe(), &[addr.ip()]).await;
    assert_eq!(r.check.status, Status::Fail, "{r:#?}");
    assert_eq!(chosen, None);
    let f = finding(&r, Cause::ProxyFailure);
    assert_eq!(f.stage, Stage::Tcp);
}

#[tokio::test]
async fn grpc_and_no_proxy_connect_directly() {
    let proxy = test_proxy(None).await;
    let (fx, addr, _dir) = behind(proxy.addr, Protocol::Grpc).await;
    let (r, _) = stages::tcp(&fx.probe(), &[addr.ip()]).await;
    assert_eq!(r.check.summary, format!("connected to {addr}"));

    let (mut fx, addr, _dir) = behind(proxy.addr, Protocol::HttpProtobuf).await;
    fx.proxy.no_proxy = Some(Sourced::new(
        "127.0.0.1".into(),
        Source::Env("NO_PROXY".into()),
    ));
    let (r, _) = stages::tcp(&fx.probe(), &[addr.ip()]).await;
    assert_eq!(r.check.summary, format!("connected to {addr}"));
    let t = bounded(stages::tls(&fx.probe(), addr)).await;
    assert_eq!(t.check.status, Status::Pass, "{t:#?}");
    assert!(proxy.seen.lock().unwrap().is_empty());
}
