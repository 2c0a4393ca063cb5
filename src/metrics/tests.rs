//! The registry and its exposition: names, types, label values, the doctor's gauges, the
//! server's routes and bounds on a real socket.

use super::labels::{self, Trigger};
use super::server::{self, Limits};
use super::*;
use crate::cause::{Cause, Finding};
use crate::config::Signal;
use crate::telemetry::{ExportFailure, FailureKind, SpanPartialSuccess as PartialSuccess};
use http::Method;
use std::io::ErrorKind;
use std::sync::Arc;

fn text(m: &Metrics) -> String {
    String::from_utf8(m.render()).unwrap()
}

/// The value of the sample line that starts with `series` (name and labels as written).
fn sample(m: &Metrics, series: &str) -> Option<f64> {
    text(m)
        .lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

fn record(spans: usize, outcome: Outcome) -> ExportRecord {
    ExportRecord {
        spans,
        latency_ms: 12,
        span_ids: vec![],
        outcome,
    }
}

fn failed(kind: FailureKind, io: Option<ErrorKind>) -> Outcome {
    let mut f = ExportFailure::new(
        kind,
        vec!["POST http://user:s3cret-pass@collector:4318/v1/traces: refused".into()],
    );
    f.io = io;
    Outcome::Failed(f)
}

fn report(findings: Vec<Finding>) -> Report {
    Report {
        schema: crate::report::SCHEMA,
        version: crate::VERSION,
        verdict: Report::verdict_of(&findings),
        duration_ms: 3,
        settings: serde_json::json!({}),
        targets: vec![],
        findings,
        canary: None,
    }
}

#[test]
fn every_contract_metric_is_exposed_in_the_classic_format() {
    let m = Metrics::new("0.1.0");
    m.exported(&record(1, Outcome::Exported));
    m.exported(&record(1, failed(FailureKind::Timeout, None)));
    m.dropped(1);
    m.doctor_ran(
        Trigger::Preflight,
        Some(&report(vec![Finding::new(
            Cause::TcpRefused,
            Severity::Error,
            Some(Signal::Traces),
        )])),
    );
    let t = text(&m);
    for (name, kind) in [
        ("runner_otel_spans_exported_total", "counter"),
        ("runner_otel_spans_failed_total", "counter"),
        ("runner_otel_spans_dropped_total", "counter"),
        ("runner_otel_export_duration_seconds", "histogram"),
        ("runner_otel_last_export_success_timestamp_seconds", "gauge"),
        ("runner_otel_doctor_runs_total", "counter"),
        ("runner_otel_doctor_verdict", "gauge"),
        ("runner_otel_doctor_findings", "gauge"),
        ("runner_jobs_total", "counter"),
        ("runner_build_info", "gauge"),
    ] {
        // Classic 0.0.4: the family is named as its samples (`_total` included), with help.
        assert!(
            t.contains(&format!("# TYPE {name} {kind}\n")),
            "{name}: {t}"
        );
        assert!(t.contains(&format!("# HELP {name} ")), "{name}: {t}");
    }
    assert_eq!(
        sample(&m, "runner_build_info{version=\"0.1.0\"}"),
        Some(1.0)
    );
    assert_eq!(
        sample(&m, "runner_otel_export_duration_seconds_count"),
        Some(2.0)
    );
    assert!(t.contains("runner_otel_export_duration_seconds_bucket{le=\"+Inf\"} 2"));
    // Zeros from the start, so alerts and dashboards see series, not gaps.
    let fresh = Metrics::new("0.1.0");
    for series in [
        "runner_otel_doctor_runs_total{trigger=\"export_failing\"}",
        "runner_otel_doctor_verdict{verdict=\"broken\"}",
        "runner_jobs_total{state=\"success\"}",
        "runner_otel_last_export_success_timestamp_seconds",
    ] {
        assert_eq!(sample(&fresh, series), Some(0.0), "{series}");
    }
}

#[test]
fn exports_count_spans_by_outcome_and_cause_never_by_text() {
    let m = Metrics::new("0.1.0");
    m.exported(&record(4, Outcome::Exported));
    m.exported(&record(
        5,
        Outcome::PartiallyRejected(PartialSuccess {
            rejected_spans: 2,
            message: "bad attribute".into(),
        }),
    ));
    m.exported(&record(
        3,
        failed(FailureKind::Transport, Some(ErrorKind::ConnectionRefused)),
    ));
    m.exported(&record(1, failed(FailureKind::Transport, None)));
    m.exported(&record(
        2,
        failed(FailureKind::HttpStatus { status: 401 }, None),
    ));
    m.exported(&record(
        1,
        failed(
            FailureKind::GrpcStatus {
                code: 14,
                message: "upstream connect error".into(),
            },
            None,
        ),
    ));
    m.dropped(7);
    assert_eq!(sample(&m, "runner_otel_spans_exported_total"), Some(7.0));
    assert_eq!(sample(&m, "runner_otel_spans_dropped_total"), Some(7.0));
    let failed_by = |cause: &str| {
        sample(
            &m,
            &format!("runner_otel_spans_failed_total{{cause=\"{cause}\"}}"),
        )
    };
    assert_eq!(failed_by("canary_partial_success"), Some(2.0));
    assert_eq!(failed_by("tcp_refused"), Some(3.0));
    assert_eq!(failed_by("unknown"), Some(1.0));
    assert_eq!(failed_by("http_auth_rejected"), Some(2.0));
    assert_eq!(failed_by("grpc_unavailable"), Some(1.0));
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let last = sample(&m, "runner_otel_last_export_success_timestamp_seconds").unwrap();
    assert!((now - last).abs() < 60.0, "{last} vs {now}");
    let t = text(&m);
    for leak in [
        "s3cret",
        "collector:4318",
        "bad attribute",
        "upstream connect",
    ] {
        assert!(!t.contains(leak), "{leak} leaked into the exposition");
    }
}

#[test]
fn an_answer_is_classified_as_the_doctor_classifies_it() {
    use crate::facts::answer::{AnswerFacts, BodySign, Sent};
    let answer = |status, body: &[u8], grpc| {
        let f = ExportFailure::new(FailureKind::HttpStatus { status }, vec![]);
        let facts = AnswerFacts {
            http_status: status,
            sign: BodySign::of(body),
            ..AnswerFacts::default()
        };
        labels::failure_cause(&f.with_answer(facts, Sent { grpc, tls: false }))
    };
    let go = b"Client sent an HTTP request to an HTTPS server.\n";
    assert_eq!(answer(400, go, false), "plaintext_to_tls");
    assert_eq!(answer(400, b"bad", false), "unknown");
    // A gRPC client meeting an HTTP front: the front's cause, or no gRPC endpoint at all.
    assert_eq!(answer(401, b"", true), "http_auth_rejected");
    assert_eq!(answer(413, b"", true), "http_payload_too_large");
    assert_eq!(answer(502, b"", true), "http_upstream_unavailable");
    assert_eq!(answer(404, b"", true), "grpc_non_grpc_response");
}

#[test]
fn failure_causes_come_from_typed_evidence() {
    let cause = |kind: FailureKind, io: Option<ErrorKind>| {
        let mut f = ExportFailure::new(kind, vec!["connection refused".into()]);
        f.io = io;
        labels::failure_cause(&f)
    };
    use FailureKind::*;
    assert_eq!(
        cause(Transport, Some(ErrorKind::ConnectionReset)),
        "connection_reset"
    );
    assert_eq!(cause(Transport, Some(ErrorKind::TimedOut)), "tcp_timeout");
    assert_eq!(
        cause(Transport, Some(ErrorKind::HostUnreachable)),
        "tcp_unreachable"
    );
    // The text says "refused", but the evidence says nothing typed: unknown.
    assert_eq!(cause(Transport, None), "unknown");
    assert_eq!(cause(Transport, Some(ErrorKind::Other)), "unknown");
    assert_eq!(cause(Timeout, None), "response_timeout");
    assert_eq!(cause(Exporter, None), "unknown");
    for (status, code) in [
        (404, "http_not_found"),
        (413, "http_payload_too_large"),
        (429, "http_throttled"),
        (503, "http_upstream_unavailable"),
        (500, "http_server_error"),
        (308, "http_redirect"),
        (418, "unknown"),
    ] {
        assert_eq!(cause(HttpStatus { status }, None), code, "{status}");
    }
    for c in 0..20 {
        let label = cause(
            GrpcStatus {
                code: c,
                message: "x".into(),
            },
            None,
        );
        assert!(
            label == "unknown" || Cause::from_code(label).is_some(),
            "{label}"
        );
    }
}

#[test]
fn doctor_gauges_hold_the_latest_run_only() {
    let m = Metrics::new("0.1.0");
    assert_eq!(m.current(), None);
    let broken = report(vec![
        Finding::new(Cause::TcpRefused, Severity::Error, Some(Signal::Traces)),
        Finding::new(Cause::ServiceNameMissing, Severity::Warning, None),
    ]);
    m.doctor_ran(Trigger::ExportFailing, Some(&broken));
    let series = |s: &str| sample(&m, s);
    assert_eq!(
        series("runner_otel_doctor_findings{cause=\"tcp_refused\",severity=\"error\",signal=\"traces\"}"),
        Some(1.0)
    );
    assert_eq!(
        series("runner_otel_doctor_findings{cause=\"service_name_missing\",severity=\"warning\",signal=\"all\"}"),
        Some(1.0)
    );
    assert_eq!(
        series("runner_otel_doctor_verdict{verdict=\"broken\"}"),
        Some(1.0)
    );
    assert_eq!(
        series("runner_otel_doctor_verdict{verdict=\"healthy\"}"),
        Some(0.0)
    );
    assert_eq!(m.current(), Some((Verdict::Broken, Trigger::ExportFailing)));
    // Cut short: counted, the verdict stays.
    m.doctor_ran(Trigger::Interval, None);
    assert_eq!(
        series("runner_otel_doctor_runs_total{trigger=\"interval\"}"),
        Some(1.0)
    );
    assert_eq!(
        series("runner_otel_doctor_verdict{verdict=\"broken\"}"),
        Some(1.0)
    );
    // Recovery: healthy, and the old findings are gone.
    m.export_recovered();
    assert_eq!(
        series("runner_otel_doctor_verdict{verdict=\"healthy\"}"),
        Some(1.0)
    );
    assert_eq!(
        series("runner_otel_doctor_verdict{verdict=\"broken\"}"),
        Some(0.0)
    );
    assert!(!text(&m).contains("cause=\"tcp_refused\""));
    m.doctor_ran(Trigger::Recovered, Some(&report(vec![])));
    assert_eq!(
        series("runner_otel_doctor_runs_total{trigger=\"recovered\"}"),
        Some(1.0)
    );
    assert_eq!(
        series("runner_otel_doctor_runs_total{trigger=\"export_failing\"}"),
        Some(1.0)
    );
}

#[test]
fn job_states_and_versions_are_bounded() {
    let m = Metrics::new("0.1.0 <script>");
    m.job_finished("success");
    m.job_finished("failed");
    m.job_finished("something a coordinator made up");
    assert_eq!(
        sample(&m, "runner_jobs_total{state=\"success\"}"),
        Some(1.0)
    );
    assert_eq!(sample(&m, "runner_jobs_total{state=\"failed\"}"), Some(1.0));
    assert_eq!(sample(&m, "runner_jobs_total{state=\"other\"}"), Some(1.0));
    assert_eq!(
        sample(&m, "runner_build_info{version=\"unknown\"}"),
        Some(1.0)
    );
}

#[test]
fn routes_answer_metrics_health_and_nothing_else() {
    let m = Metrics::new("0.1.0");
    let r = server::route(&m, &Method::GET, "/metrics");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], CONTENT_TYPE);
    let h = server::health_body(&m);
    let v: serde_json::Value = serde_json::from_str(&h).unwrap();
    assert_eq!(v["status"], "up");
    assert_eq!(v["telemetry"]["verdict"], "unknown");
    m.doctor_ran(
        Trigger::ExportFailing,
        Some(&report(vec![Finding::new(
            Cause::TcpRefused,
            Severity::Error,
            Some(Signal::Traces),
        )])),
    );
    let v: serde_json::Value = serde_json::from_str(&server::health_body(&m)).unwrap();
    assert_eq!(v["telemetry"]["verdict"], "broken");
    assert_eq!(v["telemetry"]["trigger"], "export_failing");
    assert_eq!(server::route(&m, &Method::GET, "/healthz").status(), 200);
    assert_eq!(server::route(&m, &Method::HEAD, "/metrics").status(), 200);
    assert_eq!(server::route(&m, &Method::POST, "/metrics").status(), 405);
    assert_eq!(server::route(&m, &Method::GET, "/").status(), 404);
}

/// One raw HTTP exchange on a fresh connection; what came back (empty when closed at once).
async fn exchange(addr: std::net::SocketAddr, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let _ = s.write_all(request).await;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

use std::time::Duration;

#[tokio::test]
async fn the_server_is_bounded_on_a_real_socket() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let limits = Limits {
        max_connections: 2,
        max_request_bytes: 8192,
        header_timeout: Duration::from_millis(300),
        connection_timeout: Duration::from_secs(2),
    };
    let task = tokio::spawn(server::serve(
        listener,
        Arc::new(Metrics::new("0.1.0")),
        limits,
    ));
    let ok = exchange(addr, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    assert!(ok.contains("runner_build_info"), "{ok}");
    // A request head over the limit is refused, not buffered.
    let big = format!(
        "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(20_000)
    );
    let refused = exchange(addr, big.as_bytes()).await;
    assert!(
        refused.is_empty() || refused.starts_with("HTTP/1.1 431"),
        "{refused}"
    );
    // Two silent clients take both slots; a third is closed at once, and the slots come back
    // when the header timeout ends the silent ones.
    let started = std::time::Instant::now();
    let silent: Vec<_> = open_silent(addr).await;
    let third = exchange(addr, b"").await;
    assert!(third.is_empty(), "{third}");
    assert!(started.elapsed() < Duration::from_millis(250));
    drop(silent);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let again = exchange(addr, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(again.starts_with("HTTP/1.1 200"), "{again}");
    task.abort();
}

async fn open_silent(addr: std::net::SocketAddr) -> Vec<tokio::net::TcpStream> {
    let mut v = Vec::new();
    for _ in 0..2 {
        v.push(tokio::net::TcpStream::connect(addr).await.unwrap());
    }
    // Let the server accept both before the next one arrives.
    tokio::time::sleep(Duration::from_millis(50)).await;
    v
}
