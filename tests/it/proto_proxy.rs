//! Probing through HTTP(S)_PROXY: CONNECT and absolute-form, proxy failures, NO_PROXY.

use crate::support::ports::free_port;
use crate::support::probe::*;
use runner::cause::{Cause, Severity};
use runner::config::{Protocol, Source, Sourced};
use runner::report::Status;

const OK_PROTOBUF: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";

fn proxy_setting(value: String, var: &str) -> Option<Sourced<String>> {
    Some(Sourced::new(value, Source::Env(var.into())))
}

#[tokio::test]
async fn plain_http_goes_through_the_proxy_in_absolute_form() {
    let addr = http1_server(|_| {
        hyper::Response::builder()
            .header("content-type", "application/x-protobuf")
            .body(http_body_util::Full::new(bytes::Bytes::new()))
            .unwrap()
    })
    .await;
    let proxy = test_proxy(None).await;
    let mut fx = Fixture::new(&format!("http://{addr}/v1/traces"), Protocol::HttpProtobuf);
    fx.proxy.http = proxy_setting(format!("http://{}", proxy.addr), "HTTP_PROXY");
    let r = bounded(runner::doctor::export_stage(&fx.probe(), addr)).await;
    assert_eq!(r.check.status, Status::Pass, "{r:#?}");
    let seen = proxy.seen.lock().unwrap().clone();
    assert_eq!(seen, vec![format!("POST http://{addr}/v1/traces")]);
    assert_eq!(r.check.evidence["proxy"], format!("http://{}", proxy.addr));
}

#[tokio::test]
async fn https_goes_through_a_connect_tunnel() {
    let (addr, pem) = tls_server_with_cert(OK_PROTOBUF).await;
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, pem).unwrap();
    let proxy = test_proxy(None).await;
    let mut fx = Fixture::new(&format!("https://{addr}/v1/traces"), Protocol::HttpProtobuf);
    fx.settings.certificate = Some(Sourced::default_value(ca));
    fx.proxy.https = proxy_setting(format!("http://{}", proxy.addr), "HTTPS_PROXY");
    let r = bounded(runner::doctor::export_stage(&fx.probe(), addr)).await;
    assert_eq!(r.check.status, Status::Pass, "{r:#?}");
    let seen = proxy.seen.lock().unwrap().clone();
    assert_eq!(seen, vec![format!("CONNECT {addr}")]);
}

#[tokio::test]
async fn proxy_refusing_connect_is_proxy_failure_naming_it_without_password() {
    let (addr, _) = tls_server_with_cert(OK_PROTOBUF).await;
    let proxy = test_proxy(Some(403)).await;
    let mut fx = Fixture::new(&format!("https://{addr}/v1/traces"), Protocol::HttpProtobuf);
    fx.proxy.https = proxy_setting(
        format!("http://bob:<redacted len=6 sha256=abcd>@{}", proxy.addr),
        "HTTPS_PROXY",
    );
    let r = bounded(runner::doctor::protocol_stage(&fx.probe(), addr)).await;
    let f = finding(&r, Cause::ProxyFailure);
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.summary.contains(&format!("http://bob@{}", proxy.addr)),
        "{}",
        f.summary
    );
    assert!(f.summary.contains("403"), "{}", f.summary);
    assert!(
        f.explanation.contains("env:HTTPS_PROXY"),
        "{}",
        f.explanation
    );
    assert_eq!(r.check.status, Status::Fail);
}

#[tokio::test]
async fn dead_proxy_is_proxy_failure() {
    let addr =
        http1_server(|_| hyper::Response::new(http_body_util::Full::new(bytes::Bytes::new())))
            .await;
    let port = free_port();
    let mut fx = Fixture::new(&format!("http://{addr}/v1/traces"), Protocol::HttpProtobuf);
    fx.proxy.http = proxy_setting(format!("127.0.0.1:{port}"), "HTTP_PROXY");
    let r = bounded(runner::doctor::export_stage(&fx.probe(), addr)).await;
    let f = finding(&r, Cause::ProxyFailure);
    assert!(
        f.summary.contains(&format!("http://127.0.0.1:{port}")),
        "{}",
        f.summary
    );
}

#[tokio::test]
async fn no_proxy_bypasses_the_proxy() {
    let addr = http1_server(|_| {
        hyper::Response::builder()
            .header("content-type", "application/x-protobuf")
            .body(http_body_util::Full::new(bytes::Bytes::new()))
            .unwrap()
    })
    .await;
    let port = free_port();
    let mut fx = Fixture::new(&format!("http://{addr}/v1/traces"), Protocol::HttpProtobuf);
    fx.proxy.http = proxy_setting(format!("127.0.0.1:{port}"), "HTTP_PROXY");
    fx.proxy.no_proxy = proxy_setting("localhost,127.0.0.0/8".into(), "NO_PROXY");
    let r = bounded(runner::doctor::export_stage(&fx.probe(), addr)).await;
    assert_eq!(r.check.status, Status::Pass, "{r:#?}");
}
