//! The job trace at a real collector (rotel), end to end: `runner run` as a process, its real
//! pipeline built from `[otel]` by `telemetry::build`, a mock coordinator handing out jobs with
//! two steps. One trace per job, with the span names, parent links and attributes the runner
//! promises, over OTLP/gRPC and OTLP/HTTP.

use crate::support::gitlab::{git_repo, job, Mock};
use crate::support::process::{runner, runner_table, write_config, Running};
use crate::support::rotel::{Rotel, RotelSpan};
use std::time::Duration;

const TOKEN: &str = "glrt-rotel-runner";

/// Root, request, prepare, step script, step after_script, upload log, report result.
const SPANS_PER_JOB: usize = 7;

async fn one_trace_per_job(protocol: &str) {
    let rotel = Rotel::start();
    let port = if protocol == "grpc" {
        rotel.grpc_port
    } else {
        rotel.http_port
    };
    let dir = tempfile::tempdir().unwrap();
    let sha = git_repo(&dir.path().join("repo"));
    let repo = dir.path().join("repo").display().to_string();
    let mock = Mock::start(TOKEN).await;
    mock.push_job(job(
        51,
        &repo,
        &sha,
        &["echo one", "echo two"],
        &["echo after"],
    ));
    mock.push_job(job(
        52,
        &repo,
        &sha,
        &["echo one", "exit 4"],
        &["echo cleanup"],
    ));
    let cfg = write_config(
        dir.path(),
        &format!(
            "concurrent = 1\ncheck_interval = 1\n{}[otel]\nendpoint = \"http://127.0.0.1:{port}\"\n\
             protocol = \"{protocol}\"\nservice_name = \"ci-runner\"\n",
            runner_table(&mock.url(), TOKEN, &dir.path().join("builds"))
        ),
    );
    let mut r = Running::start(runner(
        dir.path(),
        &["-c", cfg.to_str().unwrap(), "--preflight-budget", "5s"],
    ));
    assert_eq!(
        mock.wait_final(51, Duration::from_secs(30)).await["state"],
        "success"
    );
    assert_eq!(
        mock.wait_final(52, Duration::from_secs(30)).await["state"],
        "failed"
    );
    // The spans still queued go out in the bounded flush at shutdown.
    r.signal("TERM");
    assert_eq!(
        r.exit_code(Duration::from_secs(30)).await,
        Some(0),
        "{}",
        r.text()
    );
    let text = r.text();
    assert!(
        text.contains("pre-flight: telemetry healthy"),
        "{protocol}: {text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("telemetry flushed") && l.contains("spans_lost=0")),
        "{protocol}: {text}"
    );

    // The pre-flight's canary is a trace of its own; the jobs' spans are counted apart.
    let spans = rotel
        .wait_spans(2 * SPANS_PER_JOB, Duration::from_secs(10))
        .await;
    let roots: Vec<&RotelSpan> = spans.iter().filter(|s| s.name == "job build-job").collect();
    assert_eq!(roots.len(), 2, "{protocol}: {spans:#?}");
    assert_ne!(roots[0].trace_id, roots[1].trace_id, "one trace per job");
    for root in &roots {
        check_job_trace(&mock, root, &spans, protocol);
    }
    // The resource: service.name from `[otel]`, the runner's name from its identity (only the
    // job pipeline has the latter; the canary's resource does not).
    let out = rotel.log();
    for attr in [
        "-> service.name: Str(ci-runner)",
        "-> runner.name: Str(cli-runner)",
    ] {
        assert!(out.contains(attr), "{protocol}: {attr} not in: {out}");
    }
}

fn check_job_trace(mock: &Mock, root: &RotelSpan, spans: &[RotelSpan], protocol: &str) {
    let job_id = &root.attributes["cicd.pipeline.task.run.id"];
    assert_eq!(root.attributes["cicd.pipeline.name"], "demo pipeline");
    assert_eq!(root.attributes["cicd.pipeline.run.id"], "777");
    assert_eq!(root.attributes["cicd.pipeline.task.name"], "build-job");
    assert_eq!(root.attributes["cicd.worker.name"], "cli-runner");
    assert_eq!(root.attributes["runner.executor"], "shell");
    assert!(root.parent_id.is_empty(), "root has a parent: {root:?}");
    assert!(
        mock.log(job_id.parse().unwrap())
            .contains(&format!("Trace ID: {}", root.trace_id)),
        "the job log names the trace"
    );
    let children: Vec<_> = spans
        .iter()
        .filter(|s| s.trace_id == root.trace_id && s.id != root.id)
        .collect();
    let mut names: Vec<_> = children.iter().map(|s| s.name.as_str()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "prepare",
            "report result",
            "request job",
            "step after_script",
            "step script",
            "upload log"
        ],
        "{protocol}: job {job_id}"
    );
    for c in &children {
        assert_eq!(
            c.parent_id, root.id,
            "{} is not a child of the root",
            c.name
        );
    }
    let step = children.iter().find(|s| s.name == "step script").unwrap();
    let after = children
        .iter()
        .find(|s| s.name == "step after_script")
        .unwrap();
    let request = children.iter().find(|s| s.name == "request job").unwrap();
    assert_eq!(request.attributes["http.response.status_code"], "201");
    assert_eq!(after.attributes["process.exit.code"], "0");
    if job_id == "52" {
        assert_eq!(step.attributes["process.exit.code"], "4");
        assert_eq!(step.status, "STATUS_CODE_ERROR");
        assert_eq!(root.status, "STATUS_CODE_ERROR");
    } else {
        assert_eq!(job_id, "51");
        assert_eq!(step.attributes["process.exit.code"], "0");
        assert_ne!(step.status, "STATUS_CODE_ERROR");
        assert_ne!(root.status, "STATUS_CODE_ERROR");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotel_receives_one_trace_per_job_over_grpc() {
    one_trace_per_job("grpc").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotel_receives_one_trace_per_job_over_http_protobuf() {
    one_trace_per_job("http/protobuf").await;
}
