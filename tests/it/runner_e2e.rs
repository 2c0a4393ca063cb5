//! End to end, in process: a mock coordinator hands out jobs from a git repository made at test
//! time; the runner runs them, streams the log, reports the state, and traces each job.

use crate::support::gitlab::{git_repo, job, Mock};
use opentelemetry::trace::{SpanId, Status, TracerProvider};
use opentelemetry::Value;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanExporter};
use runner::config::RunnerEntry;
use runner::redact::Secret;
use runner::runner::lifecycle::Phase;
use runner::runner::service::{self, Service, Summary};
use runner::runner::shell::Procs;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

const RUNNER_TOKEN: &str = "glrt-runner-token-xyz";

/// Keeps every exported span in memory.
#[derive(Clone, Debug, Default)]
struct Collect(Arc<Mutex<Vec<SpanData>>>);

impl SpanExporter for Collect {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.0.lock().unwrap().extend(batch);
        Ok(())
    }
}

struct Run {
    mock: Mock,
    spans: Collect,
    provider: SdkTracerProvider,
    phase: watch::Sender<Phase>,
    handle: tokio::task::JoinHandle<Summary>,
    _dirs: Vec<tempfile::TempDir>,
    sha: String,
    repo: String,
}

async fn start(concurrent: usize) -> Run {
    start_with(concurrent, Duration::from_secs(10)).await
}

async fn start_with(concurrent: usize, grace: Duration) -> Run {
    let repo_dir = tempfile::tempdir().unwrap();
    let builds = tempfile::tempdir().unwrap();
    let sha = git_repo(repo_dir.path());
    let mock = Mock::start(RUNNER_TOKEN).await;
    let spans = Collect::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(spans.clone())
        .build();
    let svc = Service {
        runners: vec![RunnerEntry {
            name: "test-runner".into(),
            url: mock.url(),
            token: Secret::new(RUNNER_TOKEN),
            executor: "shell".into(),
            builds_dir: Some(builds.path().to_owned()),
        }],
        concurrent,
        check_interval: Duration::from_millis(100),
        shutdown_timeout: grace,
        http_timeout: Duration::from_secs(5),
        trace_interval: Duration::from_millis(100),
        default_builds_dir: builds.path().to_owned(),
    };
    let (phase, rx) = watch::channel(Phase::Running);
    let handle = tokio::spawn(service::run(
        svc,
        provider.tracer("runner"),
        rx,
        Procs::default(),
    ));
    Run {
        mock,
        spans,
        provider,
        phase,
        handle,
        repo: format!("file://{}", repo_dir.path().display()),
        _dirs: vec![repo_dir, builds],
        sha,
    }
}

impl Run {
    async fn stop(self) -> (Summary, Vec<SpanData>, Mock) {
        self.phase.send(Phase::Draining).unwrap();
        let summary = tokio::time::timeout(Duration::from_secs(20), self.handle)
            .await
            .expect("the loop stops once drained")
            .unwrap();
        self.provider.force_flush().unwrap();
        let spans = self.spans.0.lock().unwrap().clone();
        (summary, spans, self.mock)
    }
}

fn attr<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}

fn named<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    spans
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no span {name:?} in {:?}", names(spans)))
}

fn names(spans: &[SpanData]) -> Vec<String> {
    spans.iter().map(|s| s.name.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_two_line_job_runs_uploads_its_log_reports_success_and_is_traced() {
    let run = start(1).await;
    run.mock.push_job(job(
        11,
        &run.repo,
        &run.sha,
        &[
            "echo \"hello from $CI_JOB_NAME in pipeline $CI_PIPELINE_ID\"",
            "cat README.md; echo \"secret is $DEPLOY_SECRET\"",
        ],
        &["echo cleaning up"],
    ));
    let state = run.mock.wait_final(11, Duration::from_secs(30)).await;
    let (summary, spans, mock) = run.stop().await;

    // Coordinator side: success, with the job's token.
    assert_eq!(state["state"], "success", "{state}");
    assert_eq!(state["token"], "job-token-11");
    assert_eq!(summary.outcomes.len(), 1);
    let log = mock.log(11);
    assert!(
        log.contains("hello from build-job in pipeline 777"),
        "{log}"
    );
    assert!(log.contains("hello from the repository"), "{log}");
    assert!(log.contains("cleaning up"), "{log}");
    assert!(log.contains("Job succeeded"), "{log}");
    assert!(
        !log.contains("hunter2-deploy-secret"),
        "masked value leaked: {log}"
    );
    assert!(log.contains("secret is <redacted len=21"), "{log}");

    // GitLab's rules: log and state calls carry the job token; the whole log precedes the state.
    let seen = mock.seen();
    let patches: Vec<_> = seen.iter().filter(|s| s.method == "PATCH").collect();
    assert!(!patches.is_empty());
    for p in &patches {
        assert_eq!(p.headers["JOB-TOKEN"], "job-token-11");
        assert_ne!(p.status, 403);
    }
    let put_at = seen.iter().position(|s| s.method == "PUT").unwrap();
    let last_patch_at = seen.iter().rposition(|s| s.method == "PATCH").unwrap();
    assert!(
        last_patch_at < put_at,
        "log chunk sent after the final state"
    );
    assert!(!String::from_utf8_lossy(&seen[put_at].body).contains(RUNNER_TOKEN));

    // One trace: a root span and its children, with the CI/CD conventions.
    let root = named(&spans, "job build-job");
    assert_eq!(root.parent_span_id, SpanId::INVALID);
    let trace_id = root.span_context.trace_id();
    assert!(log.contains(&format!("Trace ID: {trace_id}")), "{log}");
    for (key, want) in [
        ("cicd.pipeline.name", "demo pipeline"),
        ("cicd.pipeline.run.id", "777"),
        ("cicd.pipeline.task.name", "build-job"),
        ("cicd.pipeline.task.run.id", "11"),
        ("cicd.worker.name", "test-runner"),
        ("cicd.pipeline.task.run.result", "success"),
        ("runner.name", "test-runner"),
        ("runner.executor", "shell"),
    ] {
        assert_eq!(
            attr(root, key).map(|v| v.as_str().into_owned()),
            Some(want.to_owned()),
            "{key}"
        );
    }
    assert!(matches!(root.status, Status::Unset | Status::Ok));
    for child in [
        "request job",
        "prepare",
        "step script",
        "step after_script",
        "upload log",
        "report result",
    ] {
        let s = named(&spans, child);
        assert_eq!(s.span_context.trace_id(), trace_id, "{child}");
        assert_eq!(s.parent_span_id, root.span_context.span_id(), "{child}");
        assert!(!s.parent_span_is_remote, "{child}");
    }
    assert_eq!(
        attr(named(&spans, "request job"), "http.response.status_code"),
        Some(&Value::I64(201))
    );
    assert_eq!(
        attr(named(&spans, "step script"), "process.exit.code"),
        Some(&Value::I64(0))
    );
    assert_eq!(spans.len(), 7, "{:?}", names(&spans));
    for s in &spans {
        for kv in &s.attributes {
            assert!(
                !kv.value.as_str().contains("hunter2") && !kv.value.as_str().contains("job-token"),
                "secret in span {}: {kv:?}",
                s.name
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_step_reports_failed_and_an_error_span() {
    let run = start(1).await;
    run.mock.push_job(job(
        12,
        &run.repo,
        &run.sha,
        &["echo before", "exit 3", "echo never-printed"],
        &["echo after-script-still-runs"],
    ));
    let state = run.mock.wait_final(12, Duration::from_secs(30)).await;
    let (_, spans, mock) = run.stop().await;
    assert_eq!(state["state"], "failed", "{state}");
    assert_eq!(state["failure_reason"], "script_failure");
    assert_eq!(state["exit_code"], 3);
    let log = mock.log(12);
    assert!(
        log.contains("before") && !log.contains("never-printed\n"),
        "{log}"
    );
    assert!(log.contains("after-script-still-runs"), "{log}");
    assert!(log.contains("ERROR: Job failed: exit code 3"), "{log}");

    let step = named(&spans, "step script");
    assert!(
        matches!(step.status, Status::Error { .. }),
        "{:?}",
        step.status
    );
    assert_eq!(attr(step, "process.exit.code"), Some(&Value::I64(3)));
    assert!(step.events.iter().any(|e| e.name == "exception"));
    let root = named(&spans, "job build-job");
    assert!(matches!(root.status, Status::Error { .. }));
    assert_eq!(
        attr(root, "cicd.pipeline.task.run.result").map(|v| v.as_str().into_owned()),
        Some("failure".to_owned())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_416_the_runner_resumes_from_the_servers_length() {
    let run = start(1).await;
    // The script prints, pauses (so a chunk is streamed), prints again.
    run.mock.push_job(job(
        13,
        &run.repo,
        &run.sha,
        &["echo first-part", "sleep 0.5", "echo second-part"],
        &[],
    ));
    // After the first chunk, the server "loses" all but 10 bytes of it.
    run.mock.lose_log_after(13, 10);
    let state = run.mock.wait_final(13, Duration::from_secs(30)).await;
    let (_, spans, mock) = run.stop().await;
    assert_eq!(state["state"], "success");
    let seen = mock.seen();
    assert!(seen.iter().any(|s| s.status == 416), "no 416 was served");
    let log = mock.log(13);
    assert_eq!(log.matches("Trace ID:").count(), 1, "{log}");
    assert!(log.starts_with("Running with runner"), "{log}");
    assert!(
        log.contains("first-part") && log.contains("second-part"),
        "{log}"
    );
    assert!(log.ends_with("Job succeeded\n"), "{log}");
    let upload = named(&spans, "upload log");
    assert!(matches!(upload.status, Status::Unset | Status::Ok));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_run_concurrently_up_to_the_limit() {
    let run = start(2).await;
    for id in [21, 22] {
        run.mock
            .push_job(job(id, &run.repo, &run.sha, &["sleep 1"], &[]));
    }
    run.mock.wait_final(21, Duration::from_secs(30)).await;
    run.mock.wait_final(22, Duration::from_secs(30)).await;
    let (summary, spans, _) = run.stop().await;
    assert_eq!(summary.outcomes.len(), 2);
    // Concurrent: the two `sleep 1` steps overlap in time.
    let steps: Vec<_> = spans.iter().filter(|s| s.name == "step script").collect();
    assert_eq!(steps.len(), 2);
    assert!(
        steps[0].start_time < steps[1].end_time && steps[1].start_time < steps[0].end_time,
        "the jobs ran one after the other"
    );
    let roots: Vec<_> = spans
        .iter()
        .filter(|s| s.parent_span_id == SpanId::INVALID)
        .collect();
    assert_eq!(roots.len(), 2);
    assert_ne!(
        roots[0].span_context.trace_id(),
        roots[1].span_context.trace_id(),
        "one trace per job"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_still_running_after_the_grace_period_is_aborted_and_reported_failed() {
    let run = start_with(1, Duration::from_millis(500)).await;
    run.mock.push_job(job(
        71,
        &run.repo,
        &run.sha,
        &["echo going-to-sleep", "sleep 30"],
        &[],
    ));
    run.mock.wait_handed_out(1, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = std::time::Instant::now();
    let (summary, spans, mock) = run.stop().await;
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(summary.aborted, 1);
    let state = mock.final_state(71).expect("the aborted job is reported");
    assert_eq!(state["state"], "failed");
    assert_eq!(state["failure_reason"], "runner_system_failure");
    assert!(mock.log(71).contains("going-to-sleep"));
    let step = named(&spans, "step script");
    assert!(matches!(step.status, Status::Error { .. }));
}
