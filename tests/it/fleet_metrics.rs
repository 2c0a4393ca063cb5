//! Fleet metrics end to end (README.md, "For operators"): `runner run` as a process with
//! `listen_address`, jobs from the mock coordinator, a real Prometheus scraping it every second,
//! once with a healthy collector (rotel) and once with a dead one (a closed port). Checked through
//! Prometheus's HTTP API, `promtool check metrics|rules`, and every PromQL query of the Grafana
//! dashboard.

mod bench;
mod coordinator;
mod prometheus;

use crate::support::gitlab::{git_repo, job, Mock};
use crate::support::ports::free_port;
use crate::support::process::{runner, runner_table, write_config, Running};
use crate::support::rotel::Rotel;
use prometheus::{get, promtool, Prometheus};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

const TOKEN: &str = "glrt-fleet-metrics";

fn deploy(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("deploy")
        .join(rel)
}

const RULES: &str = "prometheus/runner-alerts.yml";
const DASHBOARD: &str = "grafana/runner-fleet-dashboard.json";

/// A runner with `listen_address`, a mock coordinator holding one passing and one failing job,
/// and a Prometheus scraping the runner.
struct Fleet {
    runner: Running,
    mock: Mock,
    metrics: SocketAddr,
    prom: Prometheus,
    _dir: tempfile::TempDir,
}

async fn start(otel_endpoint: &str) -> Fleet {
    let dir = tempfile::tempdir().unwrap();
    let sha = git_repo(&dir.path().join("repo"));
    let repo = dir.path().join("repo").display().to_string();
    let mock = Mock::start(TOKEN).await;
    mock.push_job(job(71, &repo, &sha, &["echo fine"], &[]));
    mock.push_job(job(72, &repo, &sha, &["exit 3"], &[]));
    let metrics = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let prom = Prometheus::start(metrics, &deploy(RULES)).await;
    let cfg = write_config(
        dir.path(),
        &format!(
            "concurrent = 1\ncheck_interval = 1\nlisten_address = \"{metrics}\"\n{}\
             [otel]\nendpoint = \"{otel_endpoint}\"\nprotocol = \"grpc\"\ndoctor_interval = \"10m\"\n",
            runner_table(&mock.url(), TOKEN, &dir.path().join("builds"))
        ),
    );
    let runner = Running::start(runner(dir.path(), &["-c", cfg.to_str().unwrap()]));
    Fleet {
        runner,
        mock,
        metrics,
        prom,
        _dir: dir,
    }
}

impl Fleet {
    /// Both jobs end in their right states, and Prometheus has counted them.
    async fn jobs_end_right(&self) {
        let within = Duration::from_secs(30);
        assert_eq!(self.mock.wait_final(71, within).await["state"], "success");
        assert_eq!(self.mock.wait_final(72, within).await["state"], "failed");
        for state in ["success", "failed"] {
            self.prom
                .wait_value(
                    &format!("runner_jobs_total{{job=\"runner\",state=\"{state}\"}}"),
                    |v| v == 1.0,
                    Duration::from_secs(10),
                )
                .await;
        }
    }

    async fn exposition(&self) -> String {
        let (status, body) = get(self.metrics, "/metrics").await.expect("metrics answer");
        assert_eq!(status, 200);
        body
    }

    async fn stop(mut self) {
        self.runner.signal("TERM");
        let code = self.runner.exit_code(Duration::from_secs(30)).await;
        assert_eq!(code, Some(0), "{}", self.runner.text());
    }
}

fn promtool_accepts(exposition: &str) {
    let (ok, out) = promtool(&["check", "metrics"], exposition.as_bytes());
    assert!(
        ok && out.trim().is_empty(),
        "promtool check metrics: {out}\n{exposition}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthy_collector_shows_exports_and_a_healthy_verdict_in_prometheus() {
    let rotel = Rotel::start();
    let fleet = start(&format!("http://127.0.0.1:{}", rotel.grpc_port)).await;
    fleet.jobs_end_right().await;
    let p = &fleet.prom;
    let quick = Duration::from_secs(10);
    p.wait_value("up{job=\"runner\"}", |v| v == 1.0, quick)
        .await;
    p.wait_value("runner_build_info{version=\"0.1.0\"}", |v| v == 1.0, quick)
        .await;
    p.wait_value(
        "runner_otel_doctor_verdict{verdict=\"healthy\"}",
        |v| v == 1.0,
        quick,
    )
    .await;
    p.wait_value(
        "runner_otel_doctor_runs_total{trigger=\"preflight\"}",
        |v| v == 1.0,
        quick,
    )
    .await;
    // The batch processor exports every 5 s.
    p.wait_value(
        "runner_otel_spans_exported_total",
        |v| v > 0.0,
        Duration::from_secs(15),
    )
    .await;
    p.wait_value(
        "time() - runner_otel_last_export_success_timestamp_seconds",
        |v| (0.0..60.0).contains(&v),
        quick,
    )
    .await;
    p.wait_value(
        "runner_otel_export_duration_seconds_count",
        |v| v > 0.0,
        quick,
    )
    .await;
    p.wait_value(
        "runner_otel_doctor_runs_total{trigger=\"export_failing\"}",
        |v| v == 0.0,
        quick,
    )
    .await;
    let errors = p
        .query("runner_otel_doctor_findings{severity=\"error\"}")
        .await
        .unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    let (status, health) = get(fleet.metrics, "/healthz").await.unwrap();
    assert_eq!(status, 200);
    assert!(health.contains("\"verdict\":\"healthy\""), "{health}");
    promtool_accepts(&fleet.exposition().await);
    dashboard_queries_run(p).await;
    rules_load_and_evaluate(p).await;
    fleet.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_collector_shows_tcp_refused_and_a_broken_verdict_while_jobs_go_on() {
    // A port nobody listens on: connections are refused.
    let dead = free_port();
    let fleet = start(&format!("http://127.0.0.1:{dead}")).await;
    fleet.jobs_end_right().await;
    let p = &fleet.prom;
    let quick = Duration::from_secs(10);
    let refused =
        "runner_otel_doctor_findings{cause=\"tcp_refused\",severity=\"error\",signal=\"traces\"}";
    p.wait_value(refused, |v| v == 1.0, quick).await;
    p.wait_value(
        "runner_otel_doctor_verdict{verdict=\"broken\"}",
        |v| v == 1.0,
        quick,
    )
    .await;
    p.wait_value(
        "runner_otel_doctor_verdict{verdict=\"healthy\"}",
        |v| v == 0.0,
        quick,
    )
    .await;
    // The runner's own exports fail (first batch after 5 s), the self-check runs once, off the
    // job path, and says the same.
    p.wait_value(
        "runner_otel_spans_failed_total{cause=\"tcp_refused\"}",
        |v| v > 0.0,
        Duration::from_secs(15),
    )
    .await;
    p.wait_value(
        "runner_otel_doctor_runs_total{trigger=\"export_failing\"}",
        |v| v == 1.0,
        quick,
    )
    .await;
    p.wait_value(refused, |v| v == 1.0, quick).await;
    p.wait_value("runner_otel_spans_exported_total", |v| v == 0.0, quick)
        .await;
    let text = fleet.runner.text();
    let line = text
        .lines()
        .find(|l| l.contains("self-check at run time (trigger export_failing"))
        .unwrap_or_else(|| panic!("no self-check line:\n{text}"));
    assert!(
        line.contains("telemetry broken") && line.contains("tcp_refused"),
        "{line}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("self-check finding tcp_refused")
                && l.contains("trigger export_failing")),
        "{text}"
    );
    let (status, health) = get(fleet.metrics, "/healthz").await.unwrap();
    assert_eq!(status, 200, "liveness stays up while telemetry is broken");
    assert!(health.contains("\"verdict\":\"broken\""), "{health}");
    let exposition = fleet.exposition().await;
    assert!(
        !exposition.contains(&dead.to_string()),
        "no URL in any label"
    );
    promtool_accepts(&exposition);
    // The broken-verdict alert's expression finds this runner with its cause.
    let expr = rule_exprs()
        .into_iter()
        .find(|(name, _)| name == "RunnerDoctorVerdictBroken")
        .unwrap()
        .1;
    let firing = p.query(&expr).await.unwrap();
    assert!(
        firing
            .iter()
            .any(|s| s.labels.get("cause").map(String::as_str) == Some("tcp_refused")),
        "{firing:?}"
    );
    fleet.stop().await;
}

#[test]
fn promtool_accepts_the_alert_rules() {
    let path = deploy(RULES);
    let (ok, out) = promtool(&["check", "rules", path.to_str().unwrap()], b"");
    assert!(ok && out.contains("SUCCESS: 3 rules found"), "{out}");
    let text = std::fs::read_to_string(&path).unwrap();
    // Each rule names the cause label and the command to run.
    for block in text.split("- alert:").skip(1) {
        assert!(block.contains("cause"), "{block}");
        assert!(block.contains("`runner doctor otel`"), "{block}");
    }
}

/// Every alert's name and expression (the rules file is simple YAML: `expr: |` blocks).
fn rule_exprs() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(deploy(RULES)).unwrap();
    let mut out = Vec::new();
    for block in text.split("- alert:").skip(1) {
        let name = block.lines().next().unwrap().trim().to_owned();
        let expr: Vec<&str> = block
            .split("expr: |")
            .nth(1)
            .unwrap()
            .lines()
            .skip(1)
            .take_while(|l| l.starts_with("          "))
            .collect();
        out.push((name, expr.join("\n")));
    }
    out
}

/// Every PromQL expression of the dashboard, with Grafana's variables filled in as it would.
fn dashboard_exprs() -> Vec<String> {
    let text = std::fs::read_to_string(deploy(DASHBOARD)).unwrap();
    let d: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut out = Vec::new();
    for panel in d["panels"].as_array().unwrap() {
        for t in panel["targets"].as_array().unwrap() {
            out.push(
                t["expr"]
                    .as_str()
                    .unwrap()
                    .replace("$__rate_interval", "1m")
                    .replace("$__range", "5m")
                    .replace("$instance", ".*"),
            );
        }
    }
    out
}

async fn dashboard_queries_run(p: &Prometheus) {
    let exprs = dashboard_exprs();
    assert!(exprs.len() >= 9, "{exprs:?}");
    for q in &exprs {
        assert!(!q.contains('$'), "unfilled variable in {q}");
        let got = p.query(q).await;
        assert!(got.is_ok(), "{q}: {got:?}");
    }
    // The panels that show per-runner state have data from this runner.
    for q in [&exprs[3], &exprs[8]] {
        assert!(!p.query(q).await.unwrap().is_empty(), "{q}");
    }
}

async fn rules_load_and_evaluate(p: &Prometheus) {
    for (name, expr) in rule_exprs() {
        assert!(p.query(&expr).await.is_ok(), "{name}: {expr}");
    }
    let start = std::time::Instant::now();
    loop {
        let (_, body) = get(p.addr, "/api/v1/rules").await.unwrap();
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        let rules: Vec<&serde_json::Value> = v["data"]["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|g| g["rules"].as_array().into_iter().flatten())
            .collect();
        if rules.len() == 3 && rules.iter().all(|r| r["health"] == "ok") {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "{body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
