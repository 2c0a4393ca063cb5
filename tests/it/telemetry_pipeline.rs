//! The runner's pipeline: spans ended before shutdown are exported, shutdown is bounded with a
//! dead collector, every export is recorded with its typed outcome, drops are counted.

use crate::support::ports::free_port;
use crate::support::receivers::{self, Behaviour};
use crate::support::settings::{traces, with_timeout};
use opentelemetry::trace::{Span, Tracer};
use runner::config::{ExporterKind, Protocol, Sourced};
use runner::telemetry::{self, FailureKind, Identity, Outcome};
use std::time::{Duration, Instant};

fn emit(p: &telemetry::Pipeline, n: usize) {
    let tracer = p.tracer("test");
    for i in 0..n {
        let mut s = tracer.start(format!("job step {i}"));
        s.end();
    }
}

#[tokio::test]
async fn spans_ended_before_shutdown_are_exported_grpc_and_http() {
    for (rx, proto) in [
        (receivers::grpc(Behaviour::Accept), Protocol::Grpc),
        (receivers::http(Behaviour::Accept), Protocol::HttpProtobuf),
        (receivers::http(Behaviour::Accept), Protocol::HttpJson),
    ] {
        let p = telemetry::build(&traces(&rx.url(), proto), &Identity::default()).unwrap();
        emit(&p, 5);
        // Shut down at once, long before the batch processor's own 5 s tick: the seed's bug.
        let stats_before = p.stats();
        assert_eq!(stats_before.spans_exported, 0);
        let exports = {
            let r = p.shutdown(Duration::from_secs(5)).await;
            assert!(r.is_ok(), "{proto}: {r:?}");
            rx.seen.count()
        };
        assert_eq!(exports, 5, "{proto}: receiver saw {exports} spans");
    }
}

#[tokio::test]
async fn stats_and_records_follow_each_export() {
    let rx = receivers::http(Behaviour::Accept);
    let p = telemetry::build(
        &traces(&rx.url(), Protocol::HttpProtobuf),
        &Identity::default(),
    )
    .unwrap();
    emit(&p, 3);
    p.flush(Duration::from_secs(5)).await.unwrap();
    let s = p.stats();
    assert_eq!(
        (s.exports_ok, s.spans_exported, s.exports_failed),
        (1, 3, 0)
    );
    let rec = &p.exports()[0];
    assert_eq!((rec.spans, &rec.outcome), (3, &Outcome::Exported));
    assert_eq!(rec.span_ids.len(), 3);
    p.shutdown(Duration::from_secs(2)).await.unwrap();
}

#[tokio::test]
async fn shutdown_with_a_dead_collector_returns_within_its_bound() {
    for proto in [Protocol::Grpc, Protocol::HttpProtobuf] {
        // A port nobody listens on; the exporter's own timeout is far longer than the bound.
        let s = traces(&format!("http://127.0.0.1:{}", free_port()), proto);
        let p = telemetry::build(&s, &Identity::default()).unwrap();
        emit(&p, 2);
        let start = Instant::now();
        let _ = p.shutdown(Duration::from_millis(800)).await;
        assert!(
            start.elapsed() < Duration::from_millis(1500),
            "{proto}: shutdown took {:?}",
            start.elapsed()
        );
    }
}

#[tokio::test]
async fn shutdown_is_bounded_even_when_the_collector_never_answers() {
    // Accepts TCP and never answers: the worst case for a bounded shutdown.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    for proto in [Protocol::Grpc, Protocol::HttpProtobuf] {
        let p = telemetry::build(&traces(&url, proto), &Identity::default()).unwrap();
        emit(&p, 1);
        let start = Instant::now();
        let r = p.shutdown(Duration::from_millis(700)).await;
        assert!(r.is_err(), "{proto}: a hung export must be reported");
        assert!(
            start.elapsed() < Duration::from_millis(1400),
            "{proto}: {:?}",
            start.elapsed()
        );
    }
}

#[tokio::test]
async fn a_refused_export_keeps_its_full_error_chain() {
    for proto in [Protocol::Grpc, Protocol::HttpProtobuf] {
        let s = traces(&format!("http://127.0.0.1:{}", free_port()), proto);
        let p = telemetry::build(&s, &Identity::default()).unwrap();
        emit(&p, 1);
        let r = p.flush(Duration::from_secs(5)).await;
        assert!(r.is_err(), "{proto}");
        let rec = p.exports().pop().unwrap();
        let Outcome::Failed(f) = &rec.outcome else {
            panic!("{proto}: {rec:?}")
        };
        assert_eq!(f.kind, FailureKind::Transport, "{proto}: {f:?}");
        let text = f.chain_text().to_lowercase();
        assert!(
            text.contains("refused"),
            "{proto}: chain lost the cause: {text}"
        );
        let stats = p.stats();
        assert_eq!((stats.exports_failed, stats.spans_failed), (1, 1));
        assert!(stats.last_error.unwrap().to_lowercase().contains("refused"));
        p.shutdown(Duration::from_secs(1)).await.ok();
    }
}

#[tokio::test]
async fn a_full_queue_drops_and_counts() {
    // A slow receiver keeps the exporter busy while far more spans than the queue holds end.
    let rx = receivers::http(Behaviour::Slow(Duration::from_secs(2)));
    let p = telemetry::build(
        &traces(&rx.url(), Protocol::HttpProtobuf),
        &Identity::default(),
    )
    .unwrap();
    emit(&p, telemetry::QUEUE_SIZE + 1000);
    let dropped = p.stats().spans_dropped;
    assert!(dropped >= 400, "dropped {dropped}");
    let _ = p.shutdown(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn the_file_exporter_writes_otlp_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spans.jsonl");
    let mut s = traces("http://127.0.0.1:4318", Protocol::HttpProtobuf);
    s.traces_exporter = Sourced::default_value(ExporterKind::File(path.clone()));
    s.service_name = Some(Sourced::default_value("ci-runner-7".into()));
    let p = telemetry::build(&s, &Identity::default()).unwrap();
    emit(&p, 2);
    p.shutdown(Duration::from_secs(2)).await.unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let line = text.lines().next().unwrap();
    let req: opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest =
        serde_json::from_str(line).unwrap();
    let rs = &req.resource_spans[0];
    assert_eq!(rs.scope_spans[0].spans.len(), 2);
    let attrs = serde_json::to_string(&rs.resource).unwrap();
    assert!(attrs.contains("ci-runner-7"), "{attrs}");
}

#[tokio::test]
async fn exporter_timeout_is_recorded_as_timeout() {
    let rx = receivers::grpc(Behaviour::Slow(Duration::from_secs(3)));
    let s = with_timeout(
        traces(&rx.url(), Protocol::Grpc),
        Duration::from_millis(300),
    );
    let p = telemetry::build(&s, &Identity::default()).unwrap();
    emit(&p, 1);
    let _ = p.flush(Duration::from_secs(3)).await;
    let rec = p.exports().pop().unwrap();
    assert!(
        matches!(&rec.outcome, Outcome::Failed(f) if f.kind == FailureKind::Timeout),
        "{rec:?}"
    );
    let _ = p.shutdown(Duration::from_millis(300)).await;
}

/// The name libtest knows a test of this module by (its path without the crate's name).
fn own_test_name(f: &str) -> String {
    let module = module_path!().split_once("::").map_or("", |(_, m)| m);
    format!("{module}::{f}")
}

/// The seed's failure cannot recur: a process that never calls shutdown still exports the spans
/// that ended before it exits, because the pipeline's `Drop` flushes (bounded).
#[test]
fn spans_are_exported_before_the_process_exits_without_explicit_shutdown() {
    if let Ok(url) = std::env::var("RUNNER_TEST_CHILD_OTLP") {
        // Child: build, emit, and return: the pipeline is only dropped.
        let s = traces(&url, Protocol::HttpProtobuf);
        let p = telemetry::build(&s, &Identity::default()).unwrap();
        emit(&p, 4);
        return;
    }
    let rx = receivers::http(Behaviour::Accept);
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            &own_test_name("spans_are_exported_before_the_process_exits_without_explicit_shutdown"),
            "--test-threads=1",
        ])
        .env("RUNNER_TEST_CHILD_OTLP", rx.url())
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(rx.seen.count(), 4, "spans lost at process exit");
}

/// Drops a pipeline inside async code, as a doctor future cut short by its budget does: no
/// panic ("Cannot drop a runtime in a context where blocking is not allowed"), the caller is not
/// held up even by a collector that never answers, and the spans still go out.
async fn drop_inside_async_code() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let hung = traces(
        &format!("http://{}", silent.local_addr().unwrap()),
        Protocol::HttpProtobuf,
    );
    let p = telemetry::build(&hung, &Identity::default()).unwrap();
    emit(&p, 1);
    let start = Instant::now();
    drop(p);
    assert!(
        start.elapsed() < Duration::from_millis(500),
        "drop held async code up for {:?}",
        start.elapsed()
    );

    let rx = receivers::http(Behaviour::Accept);
    let p = telemetry::build(
        &traces(&rx.url(), Protocol::HttpProtobuf),
        &Identity::default(),
    )
    .unwrap();
    emit(&p, 3);
    drop(p);
    let start = Instant::now();
    while rx.seen.count() < 3 {
        assert!(
            start.elapsed() < telemetry::DROP_SHUTDOWN_BOUND,
            "spans of a pipeline dropped in async code never arrived"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(rx.seen.count(), 3);

    // A build that fails after starting its runtime drops that runtime here too.
    let dir = tempfile::tempdir().unwrap();
    let mut bad = traces("http://127.0.0.1:4318", Protocol::HttpProtobuf);
    bad.traces_exporter = Sourced::default_value(ExporterKind::File(
        dir.path().join("no such dir").join("spans.jsonl"),
    ));
    assert!(telemetry::build(&bad, &Identity::default()).is_err());
}

#[tokio::test(flavor = "current_thread")]
async fn dropping_a_pipeline_in_a_current_thread_runtime_is_safe() {
    drop_inside_async_code().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_a_pipeline_in_a_multi_thread_runtime_is_safe() {
    drop_inside_async_code().await;
}
