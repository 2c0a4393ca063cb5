//! The pre-flight at start-up (README.md, "Running the runner"), in process: healthy, broken in
//! `warn` (goes on), broken in `strict` (stops), and a doctor slower than its budget (cut short,
//! goes on).

use runner::cause::{Cause, Finding, Severity};
use runner::config::endpoint::EndpointError;
use runner::config::{Environment, Loaded, Overrides, Problem, Signal, Source};
use runner::report::{Report, Verdict, SCHEMA};
use runner::runner::preflight::{self, Decision, Mode};
use std::time::{Duration, Instant};

fn loaded(dir: &std::path::Path) -> Loaded {
    loaded_at(dir, "http://127.0.0.1:4318")
}

fn loaded_at(dir: &std::path::Path, endpoint: &str) -> Loaded {
    let cfg = dir.join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "[[runners]]\nname = \"r\"\nurl = \"http://127.0.0.1:9/\"\ntoken = \"t\"\nexecutor = \"shell\"\n\
             [otel]\nendpoint = \"{endpoint}\"\nprotocol = \"http/protobuf\"\n"
        ),
    )
    .unwrap();
    let overrides = Overrides {
        config_path: Some(cfg),
        ..Overrides::default()
    };
    runner::config::load(&overrides, &Environment::default()).unwrap()
}

fn broken(dir: &std::path::Path) -> Loaded {
    let mut l = loaded(dir);
    // Planted: an endpoint problem, which the doctor's config stage words as endpoint_invalid.
    l.problems.push(Problem::Endpoint {
        signal: Signal::Traces,
        source: Source::Config("otel.endpoint".into()),
        display: "not a url".into(),
        error: EndpointError::NoHost,
    });
    l
}

fn opts_budget() -> Duration {
    Duration::from_secs(2)
}

#[tokio::test]
async fn healthy_goes_on_and_keeps_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state/preflight.json");
    // A real OTLP/HTTP receiver, so the setup is healthy; a budget no loaded machine misses.
    let receiver = crate::support::receivers::http(crate::support::receivers::Behaviour::Accept);
    let l = loaded_at(dir.path(), &receiver.url());
    let budget = Duration::from_secs(10);
    let out = preflight::run(&l, &Environment::default(), Mode::Warn, budget, &path).await;
    assert_eq!(out.decision, Decision::Proceed);
    assert!(!out.cut_short, "took {:?}", out.took);
    let report = out.report.expect("finished within the budget");
    assert_eq!(report.verdict, Verdict::Healthy, "{:#?}", report.findings);
    let kept: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(kept["schema"], SCHEMA);
    assert_eq!(kept["verdict"], "healthy");
    assert_eq!(
        kept["findings"].as_array().unwrap().len(),
        report.findings.len()
    );
    assert!(out.took <= budget + Duration::from_millis(500));
}

#[tokio::test]
async fn broken_in_warn_mode_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("preflight.json");
    let l = broken(dir.path());
    let out = preflight::run(
        &l,
        &Environment::default(),
        Mode::Warn,
        opts_budget(),
        &path,
    )
    .await;
    assert_eq!(out.decision, Decision::Proceed);
    let report = out.report.expect("finished within the budget");
    assert_eq!(report.verdict, Verdict::Broken);
    assert!(path.exists());
}

#[tokio::test]
async fn broken_in_strict_mode_stops_with_the_findings_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("preflight.json");
    let l = broken(dir.path());
    let out = preflight::run(
        &l,
        &Environment::default(),
        Mode::Strict,
        opts_budget(),
        &path,
    )
    .await;
    assert_eq!(out.decision, Decision::Stop);
    let kept: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(kept["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["cause"] == "endpoint_invalid" && f["severity"] == "error"));
}

#[tokio::test]
async fn a_warning_does_not_stop_strict_mode() {
    let dir = tempfile::tempdir().unwrap();
    let report = Report {
        schema: SCHEMA,
        version: runner::VERSION,
        verdict: Verdict::Degraded,
        duration_ms: 1,
        settings: serde_json::json!({}),
        targets: vec![],
        findings: vec![Finding::new(
            Cause::ServiceNameMissing,
            Severity::Warning,
            None,
        )],
        canary: None,
    };
    let out = preflight::run_with(
        async { report },
        Mode::Strict,
        opts_budget(),
        &dir.path().join("p.json"),
    )
    .await;
    assert_eq!(out.decision, Decision::Proceed);
}

#[tokio::test]
async fn a_doctor_slower_than_the_budget_is_cut_short_and_the_runner_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("preflight.json");
    let started = Instant::now();
    let out = preflight::run_with(
        std::future::pending::<Report>(),
        Mode::Strict,
        Duration::from_millis(300),
        &path,
    )
    .await;
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(out.cut_short);
    assert_eq!(out.decision, Decision::Proceed);
    assert!(!path.exists());
}

#[tokio::test]
async fn off_runs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("preflight.json");
    let out = preflight::run_with(
        async { panic!("the doctor ran with the pre-flight off") },
        Mode::Off,
        opts_budget(),
        &path,
    )
    .await;
    assert_eq!(out.decision, Decision::Proceed);
    assert!(out.report.is_none() && !path.exists());
}
