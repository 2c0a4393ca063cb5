//! The doctor against the real Go OpenTelemetry Collector (the current release, built from its
//! Go modules by `scripts/build-otelcol.sh`): its own receivers configured per test, each case
//! a scenario of `scenarios/real/gocol_*.toml`, with what curl and openssl saw kept beside it.

use crate::support::real::certs::Certs;
use crate::support::real::gocol::{self, GoCol, GoWorld, Spec};
use crate::support::real::nginx::Nginx;
use crate::support::real::world::http1;
use std::time::Duration;

/// Server TLS with the CA-signed certificate; `mtls` also requires a client certificate.
fn tls(c: &Certs, mtls: bool) -> Spec {
    Spec::default().tls(&c.server, mtls.then_some(c.ca.as_path()))
}

/// The collector behind nginx's `client_max_body_size 100` (`NGINX_PORT`), then the scenario.
fn behind_body_limit(name: &str, grpc: bool) {
    let mut w = GoWorld::new(|_| Spec::default());
    let ports = w.col.ports;
    let n = Nginx::start(
        w.dir.path(),
        1,
        |p| gocol::nginx_body_limit(p[0], &ports, grpc),
        |_| String::new(),
    );
    w.set("NGINX_PORT", n.ports[0].to_string());
    w.run(name);
}

/// A collector whose memory limiter (1 MiB) refuses every span, once it says so in its log.
fn refusing_memory_limiter() -> GoWorld {
    let mut w = GoWorld::new(|_| {
        Spec::default()
            .processor("memory_limiter: {check_interval: 100ms, limit_mib: 1, spike_limit_mib: 0}")
    });
    w.col
        .proc
        .wait_for_log("Refusing data", Duration::from_secs(10))
        .expect("the memory limiter refuses");
    w
}

/// The Go collector with `openssl req -x509`'s certificate (`SELF_SIGNED_CA_TRUE_FILE`).
fn self_signed_ca_true(name: &str) {
    let dir = crate::support::real::tempdir();
    let pem = gocol::openssl_self_signed(dir.path());
    let mut w = GoWorld::new(|_| Spec::default().tls(&pem, None));
    w.set("SELF_SIGNED_CA_TRUE_FILE", pem.cert.display().to_string());
    w.run(name);
}

/// The collector built is the release the scripts name, and its health check and debug
/// exporter work: an OTLP/JSON span posted by hand shows up in its log.
#[test]
fn gocol_component_receives_and_logs_spans() {
    let w = GoWorld::new(|_| Spec::default());
    assert!(gocol::version().starts_with("0."), "{}", gocol::version());
    let health = http1(
        w.col.ports.health,
        "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    let trace = "5b8efff798038103d269b633813fc60c";
    let body = format!(
        r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{{"traceId":"{trace}","spanId":"eee19b7ec3c1b174","name":"probe","kind":1,"startTimeUnixNano":"1","endTimeUnixNano":"2"}}]}}]}}]}}"#
    );
    let reply = http1(
        w.col.ports.http,
        &format!(
            "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(w.col.saw_trace(trace, Duration::from_secs(5)));
}

#[test]
fn gocol_grpc_healthy() {
    GoWorld::new(|_| Spec::default()).run("gocol_grpc_healthy");
}

#[test]
fn gocol_http_healthy() {
    GoWorld::new(|_| Spec::default()).run("gocol_http_healthy");
}

/// Every `Spec` builder writes configuration the real collector starts with (config loading,
/// every extension, receiver and processor created and ready), and the running collector's
/// file is the one the spec wrote.
#[test]
fn gocol_spec_builders_make_working_configs() {
    let dir = crate::support::real::tempdir();
    let certs = Certs::make(dir.path());
    let specs = [
        Spec::default(),
        Spec::default().tls(&certs.server, Some(&certs.ca)),
        Spec::default().bearer("s3cret"),
        Spec::default()
            .grpc("max_recv_msg_size_mib: 1")
            .http("max_request_body_size: 100")
            .http("traces_url_path: /custom/traces")
            .http(r#"compression_algorithms: ["zstd"]"#),
        Spec::default()
            .processor("memory_limiter: {check_interval: 1s, limit_mib: 20}")
            .processor("batch: {}"),
        Spec::default().signal("metrics"),
    ];
    for spec in &specs {
        let col = GoCol::start(dir.path(), spec);
        let running = std::fs::read_to_string(&col.config).expect("config");
        assert_eq!(running, spec.yaml(&col.ports));
    }
}

// ---- TLS (gocol_tls.observed.txt, gocol_plaintext.observed.txt) ----

#[test]
fn gocol_tls_grpc_healthy() {
    GoWorld::new(|c| tls(c, false)).run("gocol_tls_grpc_healthy");
}

#[test]
fn gocol_tls_http_healthy() {
    GoWorld::new(|c| tls(c, false)).run("gocol_tls_http_healthy");
}

#[test]
fn gocol_plaintext_to_tls_grpc() {
    GoWorld::new(|c| tls(c, false)).run("gocol_plaintext_to_tls_grpc");
}

#[test]
fn gocol_plaintext_to_tls_http() {
    GoWorld::new(|c| tls(c, false)).run("gocol_plaintext_to_tls_http");
}

#[test]
fn gocol_tls_to_plaintext_grpc() {
    GoWorld::new(|_| Spec::default()).run("gocol_tls_to_plaintext_grpc");
}

#[test]
fn gocol_tls_to_plaintext_http() {
    GoWorld::new(|_| Spec::default()).run("gocol_tls_to_plaintext_http");
}

#[test]
fn gocol_tls_unknown_ca_grpc() {
    GoWorld::new(|c| tls(c, false)).run("gocol_tls_unknown_ca_grpc");
}

#[test]
fn gocol_self_signed_ca_true_grpc() {
    self_signed_ca_true("gocol_self_signed_ca_true_grpc");
}

#[test]
fn gocol_self_signed_ca_true_http() {
    self_signed_ca_true("gocol_self_signed_ca_true_http");
}

// ---- mTLS (gocol_mtls.observed.txt) ----

#[test]
fn gocol_mtls_grpc_healthy() {
    GoWorld::new(|c| tls(c, true)).run("gocol_mtls_grpc_healthy");
}

#[test]
fn gocol_mtls_http_healthy() {
    GoWorld::new(|c| tls(c, true)).run("gocol_mtls_http_healthy");
}

#[test]
fn gocol_mtls_no_client_cert_grpc() {
    GoWorld::new(|c| tls(c, true)).run("gocol_mtls_no_client_cert_grpc");
}

#[test]
fn gocol_mtls_no_client_cert_http() {
    GoWorld::new(|c| tls(c, true)).run("gocol_mtls_no_client_cert_http");
}

// ---- Bearer-token auth (gocol_bearer.observed.txt) ----

#[test]
fn gocol_bearer_missing_grpc() {
    GoWorld::new(|_| Spec::default().bearer("s3cret")).run("gocol_bearer_missing_grpc");
}

#[test]
fn gocol_bearer_missing_http() {
    GoWorld::new(|_| Spec::default().bearer("s3cret")).run("gocol_bearer_missing_http");
}

#[test]
fn gocol_bearer_grpc_healthy() {
    GoWorld::new(|_| Spec::default().bearer("s3cret")).run("gocol_bearer_grpc_healthy");
}

#[test]
fn gocol_bearer_http_healthy() {
    GoWorld::new(|_| Spec::default().bearer("s3cret")).run("gocol_bearer_http_healthy");
}

// ---- Size limits (gocol_body_limit.observed.txt, gocol_grpc_msg_limit.observed.txt) ----

#[test]
fn gocol_body_limit_http() {
    GoWorld::new(|_| Spec::default().http("max_request_body_size: 60"))
        .run("gocol_body_limit_http");
}

#[test]
fn gocol_nginx_body_limit_http() {
    behind_body_limit("gocol_nginx_body_limit_http", false);
}

#[test]
fn gocol_nginx_body_limit_grpc() {
    behind_body_limit("gocol_nginx_body_limit_grpc", true);
}

#[test]
fn gocol_grpc_msg_limit_healthy() {
    GoWorld::new(|_| Spec::default().grpc("max_recv_msg_size_mib: 1"))
        .run("gocol_grpc_msg_limit_healthy");
}

// ---- Paths and pipelines (gocol_custom_path.observed.txt, gocol_no_traces_pipeline...) ----

#[test]
fn gocol_custom_path_default() {
    GoWorld::new(|_| Spec::default().http("traces_url_path: /custom/traces"))
        .run("gocol_custom_path_default");
}

#[test]
fn gocol_custom_path_signal_endpoint() {
    GoWorld::new(|_| Spec::default().http("traces_url_path: /custom/traces"))
        .run("gocol_custom_path_signal_endpoint");
}

#[test]
fn gocol_no_traces_pipeline_grpc() {
    GoWorld::new(|_| Spec::default().signal("metrics")).run("gocol_no_traces_pipeline_grpc");
}

#[test]
fn gocol_no_traces_pipeline_http() {
    GoWorld::new(|_| Spec::default().signal("metrics")).run("gocol_no_traces_pipeline_http");
}

// ---- A refusing memory limiter (gocol_memory_limiter.observed.txt) ----

#[test]
fn gocol_memory_limiter_grpc() {
    refusing_memory_limiter().run("gocol_memory_limiter_grpc");
}

#[test]
fn gocol_memory_limiter_http() {
    refusing_memory_limiter().run("gocol_memory_limiter_http");
}

// ---- Compression (gocol_compression.observed.txt) ----

#[test]
fn gocol_compression_unsupported_http() {
    GoWorld::new(|_| Spec::default().http(r#"compression_algorithms: ["zstd"]"#))
        .run("gocol_compression_unsupported_http");
}
