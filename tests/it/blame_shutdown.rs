//! `runner run`: a signal cancels the job request in flight (issue 13). With a coordinator that
//! accepts the connection and never answers, no job running and shutdown_timeout = 3 s, the
//! loop is over well within the grace period, not after the request's 10 s HTTP timeout.

use crate::blame::raw_server;
use opentelemetry::trace::TracerProvider;
use runner::config::RunnerEntry;
use runner::redact::Secret;
use runner::runner::lifecycle::Phase;
use runner::runner::service::{self, Service};
use runner::runner::shell::Procs;
use std::time::{Duration, Instant};
use tokio::sync::watch;

#[tokio::test]
async fn signal_cancels_a_job_request_that_never_returns() {
    let coordinator = raw_server(|s| async move {
        // Hold the connection without a byte.
        tokio::time::sleep(Duration::from_secs(60)).await;
        drop(s);
    })
    .await;
    let builds = tempfile::tempdir().unwrap();
    let svc = Service {
        runners: vec![RunnerEntry {
            name: "stuck".into(),
            url: format!("http://{coordinator}/"),
            token: Secret::new("glrt-test-token"),
            executor: "shell".into(),
            builds_dir: Some(builds.path().to_owned()),
        }],
        concurrent: 1,
        check_interval: Duration::from_secs(3),
        shutdown_timeout: Duration::from_secs(3),
        http_timeout: Duration::from_secs(10),
        trace_interval: Duration::from_secs(3),
        default_builds_dir: builds.path().to_owned(),
    };
    let tracer = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .build()
        .tracer("runner");
    let (phase, rx) = watch::channel(Phase::Running);
    let loop_ = tokio::spawn(service::run(svc, tracer, rx, Procs::default()));
    // Let the job request go out and hang.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let t0 = Instant::now();
    phase.send(Phase::Draining).unwrap();
    let summary = tokio::time::timeout(Duration::from_secs(15), loop_)
        .await
        .expect("the loop stops")
        .unwrap();
    let took = t0.elapsed();
    assert!(took < Duration::from_secs(1), "stopped after {took:?}");
    assert!(summary.outcomes.is_empty());
    let left = summary.deadline.unwrap() - tokio::time::Instant::now();
    assert!(
        left > Duration::from_secs(2),
        "deadline is the signal plus 3 s"
    );
}
