//! The job trace at a real collector (rotel): one trace per job, with the span names, parent
//! links and attributes the runner promises, exported over OTLP/gRPC.

mod runner_support;

use opentelemetry::trace::TracerProvider;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::trace::span_processor_with_async_runtime::BatchSpanProcessor;
use opentelemetry_sdk::trace::SdkTracerProvider;
use runner::config::RunnerEntry;
use runner::redact::Secret;
use runner::runner::lifecycle::Phase;
use runner::runner::service::{self, Service};
use runner::runner::shell::Procs;
use runner_support::rotel::Rotel;
use runner_support::{git_repo, job, Mock};
use std::time::Duration;
use tokio::sync::watch;

const TOKEN: &str = "glrt-rotel-runner";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotel_receives_one_trace_per_job_with_names_links_and_attributes() {
    let rotel = Rotel::start();
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_tonic()
        .with_endpoint(format!("http://127.0.0.1:{}", rotel.grpc_port))
        .with_timeout(Duration::from_secs(3))
        .build()
        .unwrap();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(
            BatchSpanProcessor::builder(exporter, opentelemetry_sdk::runtime::Tokio).build(),
        )
        .build();

    let dir = tempfile::tempdir().unwrap();
    let sha = git_repo(&dir.path().join("repo"));
    let repo = dir.path().join("repo").display().to_string();
    let mock = Mock::start(TOKEN).await;
    mock.push_job(job(51, &repo, &sha, &["echo one", "echo two"], &[]));
    mock.push_job(job(52, &repo, &sha, &["echo one", "exit 4"], &[]));
    let svc = Service {
        runners: vec![RunnerEntry {
            name: "rotel-runner".into(),
            url: mock.url(),
            token: Secret::new(TOKEN),
            executor: "shell".into(),
            builds_dir: Some(dir.path().join("builds")),
        }],
        concurrent: 1,
        check_interval: Duration::from_millis(100),
        shutdown_timeout: Duration::from_secs(10),
        http_timeout: Duration::from_secs(5),
        trace_interval: Duration::from_millis(200),
        default_builds_dir: dir.path().join("builds"),
    };
    let (phase, rx) = watch::channel(Phase::Running);
    let loop_ = tokio::spawn(service::run(
        svc,
        provider.tracer("runner"),
        rx,
        Procs::default(),
    ));
    assert_eq!(
        mock.wait_final(51, Duration::from_secs(30)).await["state"],
        "success"
    );
    assert_eq!(
        mock.wait_final(52, Duration::from_secs(30)).await["state"],
        "failed"
    );
    phase.send(Phase::Draining).unwrap();
    loop_.await.unwrap();
    let p = provider.clone();
    tokio::task::spawn_blocking(move || p.force_flush())
        .await
        .unwrap()
        .unwrap();

    // Two jobs, six spans each (root, request, prepare, step script, upload, report).
    let spans = rotel.wait_spans(12, Duration::from_secs(10)).await;
    let roots: Vec<_> = spans.iter().filter(|s| s.name == "job build-job").collect();
    assert_eq!(roots.len(), 2, "{spans:#?}");
    for root in &roots {
        let job_id = &root.attributes["cicd.pipeline.task.run.id"];
        assert_eq!(root.attributes["cicd.pipeline.name"], "demo pipeline");
        assert_eq!(root.attributes["cicd.pipeline.run.id"], "777");
        assert_eq!(root.attributes["cicd.pipeline.task.name"], "build-job");
        assert_eq!(root.attributes["cicd.worker.name"], "rotel-runner");
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
                "step script",
                "upload log"
            ]
        );
        for c in &children {
            assert_eq!(
                c.parent_id, root.id,
                "{} is not a child of the root",
                c.name
            );
        }
        let step = children.iter().find(|s| s.name == "step script").unwrap();
        let request = children.iter().find(|s| s.name == "request job").unwrap();
        assert_eq!(request.attributes["http.response.status_code"], "201");
        if job_id == "52" {
            assert_eq!(step.attributes["process.exit.code"], "4");
            assert_eq!(step.status, "STATUS_CODE_ERROR");
            assert_eq!(root.status, "STATUS_CODE_ERROR");
        } else {
            assert_eq!(step.attributes["process.exit.code"], "0");
            assert_ne!(step.status, "STATUS_CODE_ERROR");
        }
    }
}
