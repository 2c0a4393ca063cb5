//! The coordinator in the fleet view (contract §9, issue 21): `runner_coordinator_up`,
//! `runner_coordinator_errors_total{cause}` and the coordinator's state in `/healthz`, for a
//! coordinator that answers, one that refuses the token, and one nobody listens for.

use super::prometheus::get;
use super::promtool_accepts;
use crate::support::gitlab::Mock;
use crate::support::ports::free_port;
use crate::support::process::{runner, runner_table, write_config, Running};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// `runner run` against `coordinator` with its metrics on a free port; polls `/metrics` until
/// `want` holds (or 20 s pass) and returns the exposition and `/healthz`.
async fn observe(coordinator: &str, token: &str, want: &str) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let metrics = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let cfg = write_config(
        dir.path(),
        &format!(
            "concurrent = 1\ncheck_interval = 1\nlisten_address = \"{metrics}\"\n{}\
             [otel]\nendpoint = \"http://127.0.0.1:{}\"\npreflight = \"off\"\n",
            runner_table(coordinator, token, &dir.path().join("builds")),
            free_port()
        ),
    );
    let mut run = Running::start(runner(dir.path(), &["-c", cfg.to_str().unwrap()]));
    let t0 = Instant::now();
    let mut last = String::new();
    while t0.elapsed() < Duration::from_secs(20) {
        if let Some((200, body)) = get(metrics, "/metrics").await {
            last = body;
            if last.lines().any(|l| l == want) {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let health = get(metrics, "/healthz")
        .await
        .map(|(_, b)| b)
        .unwrap_or_default();
    run.signal("TERM");
    let _ = run.exit_code(Duration::from_secs(15)).await;
    assert!(
        last.lines().any(|l| l == want),
        "no `{want}` in:\n{last}\nrunner:\n{}",
        run.text()
    );
    (last, health)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_that_answers_is_up() {
    let mock = Mock::start("glrt-coordinator-up").await;
    let (exposition, health) = observe(
        &mock.url(),
        "glrt-coordinator-up",
        "runner_coordinator_up 1",
    )
    .await;
    assert!(exposition.contains("runner_coordinator_errors_total{cause=\"connect\"} 0"));
    assert!(
        health.contains("\"coordinator\":{\"last_error\":null,\"state\":\"up\"}"),
        "{health}"
    );
    promtool_accepts(&exposition);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_is_an_answer_and_an_error() {
    let mock = Mock::start("glrt-the-right-one").await;
    let (exposition, health) = observe(
        &mock.url(),
        "glrt-a-wrong-one",
        "runner_coordinator_errors_total{cause=\"refused\"} 1",
    )
    .await;
    // A refusal is an HTTP answer: the coordinator is up, the token is wrong.
    assert!(
        exposition.contains("\nrunner_coordinator_up 1\n"),
        "{exposition}"
    );
    assert!(health.contains("\"last_error\":\"refused\""), "{health}");
    assert!(!exposition.contains("glrt-"), "no token in any label");
    promtool_accepts(&exposition);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_nobody_listens_for_is_down_with_its_cause() {
    let dead = format!("http://127.0.0.1:{}/", free_port());
    let (exposition, health) = observe(
        &dead,
        "glrt-nobody",
        "runner_coordinator_errors_total{cause=\"connect\"} 1",
    )
    .await;
    assert!(
        exposition.contains("\nrunner_coordinator_up 0\n"),
        "{exposition}"
    );
    assert!(health.contains("\"state\":\"down\""), "{health}");
    promtool_accepts(&exposition);
}
