//! `runner doctor collector` against a real otelcol-contrib 0.135 on loopback: filelog → otlphttp
//! to rotel (healthy), to an https:// URL of rotel's plaintext port, and to a closed port; and
//! `otelcol-contrib validate` agreeing with the doctor on the scenario configurations.

use crate::support::ports::free_port;
use crate::support::real::otelcol::{self, telemetry, Otelcol};
use crate::support::rotel::Rotel;
use serde_json::Value;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Appends log lines to `path` every 50 ms until dropped: filelog then always has data.
struct Writer(Arc<AtomicBool>);

impl Drop for Writer {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

fn write_lines(path: std::path::PathBuf) -> Writer {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    std::thread::spawn(move || {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap();
        let mut i = 0u64;
        while !flag.load(Ordering::SeqCst) {
            for _ in 0..5 {
                i += 1;
                let _ = writeln!(f, "job {i} finished");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    Writer(stop)
}

fn exporter_finding<'a>(r: &'a Value, exporter: &str) -> Option<&'a Value> {
    r["findings"].as_array()?.iter().find(|f| {
        f["cause"] == "collector_exporter_failing" && f["evidence"]["exporter"] == exporter
    })
}

#[test]
fn the_doctor_names_the_failing_exporters_of_a_real_collector() {
    let dir = crate::support::real::tempdir();
    let rotel = Rotel::start_in(dir.path());
    let input = dir.path().join("in.log");
    std::fs::write(&input, "").unwrap();
    let _writer = write_lines(input.clone());
    let closed = free_port();
    let col = Otelcol::start(dir.path(), |metrics| {
        format!(
            "receivers:\n  filelog:\n    include: [{input}]\n    start_at: beginning\n    poll_interval: 50ms\n\
             processors:\n  batch:\n    timeout: 50ms\n\
             exporters:\n  otlphttp/healthy:\n    endpoint: http://127.0.0.1:{http}\n\
             \x20 otlphttp/tls:\n    endpoint: https://127.0.0.1:{http}\n\
             \x20 otlphttp/closed:\n    endpoint: http://127.0.0.1:{closed}\n\
             service:\n{telemetry}  pipelines:\n    logs:\n      receivers: [filelog]\n      processors: [batch]\n      exporters: [otlphttp/healthy, otlphttp/tls, otlphttp/closed]\n",
            input = input.display(),
            http = rotel.http_port,
            telemetry = telemetry(metrics),
        )
    });
    // Let the first exports fail once and their lines reach the log.
    std::thread::sleep(Duration::from_millis(1500));
    let url = col.metrics_url();
    let log = col.proc.log.display().to_string();
    let config = col.config.display().to_string();
    let flags = [
        "--metrics-url",
        &url,
        "--collector-log",
        &log,
        "--interval",
        "1s",
    ];
    let started = std::time::Instant::now();
    let (code, r) = crate::collector::json(&[config.into()], &flags, &[]);
    assert!(started.elapsed() < Duration::from_secs(5), "bounded");
    assert_eq!(code, 1, "{r}");
    let tls = exporter_finding(&r, "otlphttp/tls").unwrap_or_else(|| panic!("tls: {r}"));
    let closed = exporter_finding(&r, "otlphttp/closed").unwrap_or_else(|| panic!("closed: {r}"));
    // Default retries: send_failed stays absent for minutes, the queue is the evidence.
    assert_eq!(tls["evidence"]["phase"], "retrying", "{tls}");
    assert_eq!(
        tls["evidence"]["log"][0]["causes"][0], "tls_to_plaintext",
        "{tls}"
    );
    assert_eq!(
        closed["evidence"]["log"][0]["causes"][0], "tcp_refused",
        "{closed}"
    );
    assert!(exporter_finding(&r, "otlphttp/healthy").is_none(), "{r}");
    let live = r["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["pipeline"] == "live collector")
        .unwrap();
    assert!(
        live["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["status"] == "pass"
                && c["summary"]
                    .as_str()
                    .unwrap()
                    .contains("otlphttp/healthy: sent")),
        "{live}"
    );
}

/// Scenario files `otelcol-contrib validate` can judge: plain configurations (not manifests)
/// whose components this small build has, or whose unknown type the doctor also calls wrong.
#[test]
fn validate_and_the_doctor_agree_and_the_doctor_gives_lines() {
    let files = crate::support::scenario::load(
        &crate::collector::root().join("scenarios"),
        crate::support::scenario::Format::Collector,
    )
    .into_iter()
    .map(|f| f.path);
    let (mut judged, mut problems) = (Vec::new(), Vec::new());
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        if text.contains("\napiVersion:") || text.starts_with("apiVersion:") {
            continue;
        }
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let verdict = otelcol::validate(&f);
        let (code, r) = crate::collector::json(
            std::slice::from_ref(&f),
            &["--collector-version", "0.135"],
            &[],
        );
        let errors: Vec<&Value> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["severity"] == "error")
            .collect();
        if let Err(msg) = &verdict {
            if let Some(ty) = msg
                .split("unknown type: \"")
                .nth(1)
                .and_then(|s| s.split('"').next())
            {
                let doctor_too = errors.iter().any(|e| {
                    e["evidence"]["id"]
                        .as_str()
                        .is_some_and(|id| id.split('/').next() == Some(ty))
                });
                if !doctor_too {
                    continue; // a component this build lacks: validate cannot judge the file
                }
            }
            // validate names a line only for YAML syntax errors; the doctor names one always.
            if errors
                .iter()
                .any(|e| e["evidence"]["location"]["line"].as_u64().unwrap_or(0) == 0)
            {
                problems.push(format!("{name}: an error finding without a line"));
            }
        }
        judged.push(name.clone());
        if verdict.is_ok() != (code == 0) {
            problems.push(format!(
                "{name}: validate {verdict:?}, doctor exit {code}: {errors:?}"
            ));
        }
    }
    println!("judged by validate: {judged:?}");
    assert!(judged.len() >= 6, "{judged:?}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `doctor otel --collector-config`: https:// to rotel's plaintext port; the probe's
/// tls_to_plaintext says the collector's configuration confirms it, naming the receiver's line.
#[test]
fn the_collector_configuration_confirms_the_probe() {
    let dir = crate::support::real::tempdir();
    let rotel = Rotel::start_in(dir.path());
    let config = dir.path().join("collector.yaml");
    std::fs::write(
        &config,
        format!(
            "receivers:\n  otlp:\n    protocols:\n      http:\n        endpoint: 127.0.0.1:{}\nexporters:\n  debug: {{}}\nservice:\n  pipelines:\n    traces: {{receivers: [otlp], exporters: [debug]}}\n",
            rotel.http_port
        ),
    )
    .unwrap();
    let out = std::process::Command::new(crate::support::process::runner_bin())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            format!("https://127.0.0.1:{}", rotel.http_port),
        )
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
        .args([
            "doctor",
            "otel",
            "--json",
            "--no-canary",
            "--timeout",
            "2s",
            "--collector-config",
        ])
        .arg(&config)
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = r["findings"].as_array().unwrap();
    let probe = f
        .iter()
        .find(|f| f["cause"] == "tls_to_plaintext")
        .expect("probe finding");
    assert!(
        probe["explanation"]
            .as_str()
            .unwrap()
            .contains("The collector's configuration confirms it"),
        "{probe}"
    );
    assert_eq!(
        probe["evidence"]["collector_config"]["at"]["line"], 4,
        "{probe}"
    );
    let m = f
        .iter()
        .find(|f| f["cause"] == "collector_mismatch")
        .expect("mismatch");
    assert_eq!(m["evidence"]["confirms"], "tls_to_plaintext");
    assert_eq!(m["severity"], "error");
}
