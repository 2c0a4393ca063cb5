//! The doctor against the real Go OpenTelemetry Collector (the current release, built from its
//! Go modules by `scripts/build-otelcol.sh`): its own receivers configured per test, each case
//! a scenario of `scenarios/real/gocol_*.toml`, with what curl and openssl saw kept beside it.

use crate::support::real::gocol::{self, GoWorld, Spec};
use crate::support::real::world::http1;
use std::time::Duration;

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

/// Every `Spec` builder writes configuration the real collector accepts (its own `validate`),
/// and the running collector's file is the one the spec wrote.
#[test]
fn gocol_spec_builders_make_valid_configs() {
    let w = GoWorld::new(|_| Spec::default());
    let ports = w.col.ports;
    let running = std::fs::read_to_string(&w.col.config).expect("config");
    assert_eq!(running, Spec::default().yaml(&ports));
    let specs = [
        Spec::default().tls(&w.certs.server, Some(&w.certs.ca)),
        Spec::default().bearer("s3cret"),
        Spec::default()
            .grpc("max_recv_msg_size_mib: 1")
            .http("max_request_body_size: 100")
            .http("traces_url_path: /custom/traces"),
        Spec::default()
            .processor("memory_limiter: {check_interval: 1s, limit_mib: 20}")
            .processor("batch: {}"),
        Spec::default().signal("metrics"),
    ];
    for (i, spec) in specs.iter().enumerate() {
        let path = w.dir.path().join(format!("spec-{i}.yaml"));
        let yaml = spec.yaml(&ports);
        std::fs::write(&path, &yaml).expect("write");
        assert_eq!(gocol::validate(&path), Ok(()), "{yaml}");
    }
}
