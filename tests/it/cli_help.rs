//! Snapshots of what people read: `--help` texts and a config-only text report.

use runner::cause::Stage;
use runner::config::{self, Environment, Overrides};
use runner::report::{self, Check, Report, Status, Target};
use std::process::Command;

fn help(args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_runner"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("RUNNER_CONFIG")
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn runner_help() {
    insta::assert_snapshot!("runner_help", help(&["--help"]));
}

#[test]
fn doctor_otel_help() {
    insta::assert_snapshot!("doctor_otel_help", help(&["doctor", "otel", "--help"]));
}

/// A report of the config stage only (network stages shown as skipped), so the snapshot does
/// not depend on the network or on other stages' wording. The endpoint is 127.0.0.1:9.
fn config_only_report(env: &Environment, flags: &Overrides) -> Report {
    let loaded = config::load(flags, env).unwrap();
    let stage = runner::doctor::stages::config(&loaded, env);
    let mut check = stage.check.clone();
    check.duration_ms = 0;
    let targets = loaded
        .settings
        .signals
        .iter()
        .map(|s| Target {
            signal: s.signal,
            url: s.url.clone().unwrap_or_default(),
            protocol: s.protocol.value,
            checks: std::iter::once(check.clone())
                .chain(
                    Stage::ALL[1..]
                        .iter()
                        .map(|st| Check::new(*st, Status::Skip, "not part of this snapshot")),
                )
                .collect(),
        })
        .collect();
    let mut findings = stage.findings;
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    Report {
        schema: report::SCHEMA,
        version: runner::VERSION,
        verdict: Report::verdict_of(&findings),
        duration_ms: 0,
        settings: config::report_json(&loaded),
        targets,
        findings,
        canary: None,
    }
}

#[test]
fn text_report_config_scenario() {
    let env = Environment::from_pairs([
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
        (
            "OTEL_EXPORTER_OTLP_HEADERS",
            "authorization=Bearer%20SNAPSECRET",
        ),
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://127.0.0.1:9"),
        ("OTEL_SERVICE_NAME", "unknown_service"),
        ("OTEL_EXPORTER_OTLP_ENDPIONT", "http://collector:4318"),
    ]);
    let flags = Overrides {
        protocol: Some(config::Protocol::HttpProtobuf),
        ..Default::default()
    };
    let r = config_only_report(&env, &flags);
    let text = report::text::render(&r, false, false);
    assert!(!text.contains("SNAPSECRET"));
    insta::assert_snapshot!("text_report_config_scenario", text);
    let colored = report::text::render(&r, true, false);
    assert!(colored.contains("\x1b["));
    assert!(!text.contains("\x1b["));
}
