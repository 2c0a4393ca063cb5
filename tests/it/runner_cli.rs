//! `runner run` as a process: bad config exits 2 naming the field, pre-flight modes, SIGTERM
//! drains a running job and exits 0, a second signal aborts at once.

use crate::support::gitlab::{git_repo, job, Mock};
use crate::support::process::{runner, runner_table, write_config, Running};
use std::time::{Duration, Instant};

const TOKEN: &str = "glrt-cli-runner-token";

fn exit_2_naming(config: &str, field: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), config);
    let out = runner(dir.path(), &["-c", path.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(field), "{field:?} not named in: {stderr}");
    assert!(
        stderr.contains("config.toml"),
        "file not named in: {stderr}"
    );
}

#[test]
fn bad_config_exits_2_naming_the_field() {
    exit_2_naming("concurrent = 1\n", "runners");
    exit_2_naming(
        "[[runners]]\nname = \"r\"\nurl = \"not a url\"\ntoken = \"t\"\nexecutor = \"shell\"\n",
        "runners[0].url",
    );
    exit_2_naming(
        "[[runners]]\nname = \"r\"\nurl = \"http://127.0.0.1:9/\"\ntoken = \"t\"\nexecutor = \"docker\"\n",
        "runners[0].executor",
    );
    exit_2_naming(
        "[[runners]]\nname = \"r\"\nurl = \"http://127.0.0.1:9/\"\ntoken = \"t\"\n\
         executor = \"shell\"\n[otel]\npreflight = \"strcit\"\n",
        "otel.preflight",
    );
}

#[test]
fn a_missing_config_file_exits_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = runner(dir.path(), &["-c", "nowhere.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nowhere.toml"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_the_running_job_finish_then_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let sha = git_repo(&dir.path().join("repo"));
    let repo = dir.path().join("repo").display().to_string();
    let mock = Mock::start(TOKEN).await;
    mock.push_job(job(
        31,
        &repo,
        &sha,
        &["echo started", "sleep 2", "echo finished-after-sigterm"],
        &[],
    ));
    let cfg = write_config(
        dir.path(),
        &format!(
            "concurrent = 1\ncheck_interval = 1\nshutdown_timeout = 30\nlog_file = \"{}\"\n{}",
            dir.path().join("runner.log").display(),
            runner_table(&mock.url(), TOKEN, &dir.path().join("builds"))
        ),
    );
    let mut r = Running::start(runner(
        dir.path(),
        &["-c", cfg.to_str().unwrap(), "--preflight-budget", "500ms"],
    ));
    mock.wait_handed_out(1, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    r.signal("TERM");
    // Offered after the signal: must not be taken.
    r.wait_line("shutting down", Duration::from_secs(5)).await;
    mock.push_job(job(32, &repo, &sha, &["true"], &[]));
    let code = r.exit_code(Duration::from_secs(30)).await;
    assert_eq!(code, Some(0), "{}", r.text());
    let state = mock.final_state(31).expect("job reported before exit");
    assert_eq!(state["state"], "success", "{state}");
    assert!(
        mock.log(31).contains("finished-after-sigterm"),
        "{}",
        mock.log(31)
    );
    assert_eq!(mock.handed_out(), 1, "a job was taken after SIGTERM");
    let file_log = std::fs::read_to_string(dir.path().join("runner.log")).unwrap();
    assert!(file_log.contains("runner starting"), "{file_log}");
    assert!(file_log.contains("job finished"), "{file_log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_signal_aborts_at_once_and_kills_the_job() {
    let dir = tempfile::tempdir().unwrap();
    let sha = git_repo(&dir.path().join("repo"));
    let repo = dir.path().join("repo").display().to_string();
    let pid_file = dir.path().join("child.pid");
    let mock = Mock::start(TOKEN).await;
    let script = format!("sleep 60 & echo $! > {}; wait", pid_file.display());
    mock.push_job(job(41, &repo, &sha, &[&script], &[]));
    let cfg = write_config(
        dir.path(),
        &format!(
            "check_interval = 1\nshutdown_timeout = 60\n{}",
            runner_table(&mock.url(), TOKEN, &dir.path().join("builds"))
        ),
    );
    let mut r = Running::start(runner(
        dir.path(),
        &["-c", cfg.to_str().unwrap(), "--preflight", "off"],
    ));
    let start = Instant::now();
    while !pid_file.exists()
        || std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .is_empty()
    {
        assert!(start.elapsed() < Duration::from_secs(20), "{}", r.text());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let child: u32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    r.signal("TERM");
    r.wait_line("shutting down", Duration::from_secs(5)).await;
    r.signal("INT");
    let code = r.exit_code(Duration::from_secs(5)).await;
    assert_eq!(code, Some(130), "{}", r.text());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stat = std::fs::read_to_string(format!("/proc/{child}/stat")).unwrap_or_default();
    let state = stat.rsplit(')').next().unwrap_or("").trim().chars().next();
    assert!(
        stat.is_empty() || state == Some('Z'),
        "the job's child {child} survived the abort: {stat}"
    );
}

/// An endpoint the configuration stage rejects (after the config loader lands: endpoint_invalid).
fn broken_otel() -> &'static str {
    "[otel]\nendpoint = \"http://exa mple:4318\"\n"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflight_warn_starts_within_its_budget_and_keeps_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let mock = Mock::start(TOKEN).await;
    let cfg = write_config(
        dir.path(),
        &format!(
            "check_interval = 1\n{}{}",
            runner_table(&mock.url(), TOKEN, &dir.path().join("builds")),
            broken_otel()
        ),
    );
    // The broken endpoint is found at the config stage, without a packet sent: the doctor ends
    // well within the budget, so the runner takes jobs only after its report is kept.
    let budget = Duration::from_secs(3);
    let mut r = Running::start(runner(
        dir.path(),
        &[
            "-c",
            cfg.to_str().unwrap(),
            "--preflight",
            "warn",
            "--preflight-budget",
            "3s",
            "--log-format",
            "json",
        ],
    ));
    let took = r.wait_line("taking jobs", Duration::from_secs(15)).await;
    // Start-up before the pre-flight (config, logging) is allowed a little on a loaded machine.
    assert!(
        took < budget + Duration::from_secs(2),
        "started after {took:?}"
    );
    let text = r.text();
    assert!(text.contains("pre-flight: telemetry"), "{text}");
    assert!(!text.contains("pre-flight cut short"), "{text}");
    assert!(
        text.contains("pre-flight finding endpoint_invalid"),
        "{text}"
    );
    r.signal("TERM");
    assert_eq!(
        r.exit_code(Duration::from_secs(15)).await,
        Some(0),
        "{}",
        r.text()
    );
    for line in r.stderr.lock().unwrap().iter() {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
    }
    let state_env = runner::config::Environment::from_pairs([(
        "RUNNER_STATE_DIR",
        dir.path().join("state").to_string_lossy().into_owned(),
    )]);
    let kept_at = runner::state::preflight_path_for(&state_env, Some(&cfg));
    let kept = std::fs::read_to_string(&kept_at)
        .unwrap_or_else(|e| panic!("no pre-flight report at {}: {e}", kept_at.display()));
    let v: serde_json::Value = serde_json::from_str(&kept).unwrap();
    assert_eq!(v["schema"], "runner.doctor.otel/v1");
    assert_eq!(v["verdict"], "broken");
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["cause"] == "endpoint_invalid"),
        "{kept}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflight_off_skips_the_doctor() {
    let dir = tempfile::tempdir().unwrap();
    let mock = Mock::start(TOKEN).await;
    let cfg = write_config(
        dir.path(),
        &format!(
            "check_interval = 1\n{}[otel]\npreflight = \"off\"\n",
            runner_table(&mock.url(), TOKEN, &dir.path().join("builds"))
        ),
    );
    let mut r = Running::start(runner(dir.path(), &["-c", cfg.to_str().unwrap()]));
    r.wait_line("taking jobs", Duration::from_secs(10)).await;
    r.signal("TERM");
    assert_eq!(r.exit_code(Duration::from_secs(15)).await, Some(0));
    assert!(r.text().contains("pre-flight: off"), "{}", r.text());
    let state_env = runner::config::Environment::from_pairs([(
        "RUNNER_STATE_DIR",
        dir.path().join("state").to_string_lossy().into_owned(),
    )]);
    assert!(!runner::state::preflight_path_for(&state_env, Some(&cfg)).exists());
    assert!(!dir.path().join("state/preflight.json").exists());
}

/// Strict mode with a broken endpoint: exit 1 with the findings, no job taken.
async fn strict_exits_1(otel_extra: &str, flags: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let mock = Mock::start(TOKEN).await;
    let cfg = write_config(
        dir.path(),
        &format!(
            "check_interval = 1\n{}{}{otel_extra}",
            runner_table(&mock.url(), TOKEN, &dir.path().join("builds")),
            broken_otel()
        ),
    );
    let mut args = vec!["-c", cfg.to_str().unwrap()];
    args.extend_from_slice(flags);
    let mut r = Running::start(runner(dir.path(), &args));
    let code = r.exit_code(Duration::from_secs(15)).await;
    let text = r.text();
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("pre-flight: telemetry broken"), "{text}");
    assert!(
        text.contains("pre-flight finding endpoint_invalid"),
        "{text}"
    );
    assert!(!text.contains("taking jobs"), "{text}");
    assert_eq!(mock.handed_out(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflight_strict_exits_1_with_the_findings() {
    strict_exits_1("", &["--preflight", "strict"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflight_strict_from_the_config_file_exits_1() {
    strict_exits_1("preflight = \"strict\"\n", &[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_preflight_flag_beats_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let mock = Mock::start(TOKEN).await;
    let cfg = write_config(
        dir.path(),
        &format!(
            "check_interval = 1\n{}{}preflight = \"strict\"\n",
            runner_table(&mock.url(), TOKEN, &dir.path().join("builds")),
            broken_otel()
        ),
    );
    let mut r = Running::start(runner(
        dir.path(),
        &["-c", cfg.to_str().unwrap(), "--preflight", "warn"],
    ));
    r.wait_line("taking jobs", Duration::from_secs(10)).await;
    assert!(
        r.text().contains("pre-flight finding endpoint_invalid"),
        "{}",
        r.text()
    );
    r.signal("TERM");
    assert_eq!(
        r.exit_code(Duration::from_secs(15)).await,
        Some(0),
        "{}",
        r.text()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_collector_down_jobs_succeed_one_warning_then_spans_arrive_again() {
    use crate::support::ports::free_port;
    use crate::support::rotel::Rotel;
    let dir = tempfile::tempdir().unwrap();
    let sha = git_repo(&dir.path().join("repo"));
    let repo = dir.path().join("repo").display().to_string();
    let mock = Mock::start(TOKEN).await;
    let (grpc, http) = (free_port(), free_port());
    let cfg = write_config(
        dir.path(),
        &format!(
            "check_interval = 1\n{}[otel]\nendpoint = \"http://127.0.0.1:{grpc}\"\n\
             protocol = \"grpc\"\npreflight = \"off\"\n",
            runner_table(&mock.url(), TOKEN, &dir.path().join("builds"))
        ),
    );
    let mut r = Running::start(runner(dir.path(), &["-c", cfg.to_str().unwrap()]));
    // Collector down: two jobs (six spans each) still succeed.
    for id in [61, 62] {
        mock.push_job(job(id, &repo, &sha, &["echo collector-down"], &[]));
        let state = mock.wait_final(id, Duration::from_secs(30)).await;
        assert_eq!(state["state"], "success", "{state}");
    }
    r.wait_line("telemetry export failing", Duration::from_secs(30))
        .await;
    // Let further failed exports happen: still only one warning.
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(
        r.text().matches("telemetry export failing").count(),
        1,
        "{}",
        r.text()
    );

    let rotel = Rotel::start_on(grpc, http);
    mock.push_job(job(63, &repo, &sha, &["echo collector-back"], &[]));
    assert_eq!(
        mock.wait_final(63, Duration::from_secs(30)).await["state"],
        "success"
    );
    let back = trace_id(&mock, 63);
    let start = Instant::now();
    while rotel.spans().iter().filter(|s| s.trace_id == back).count() < 6 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "job 63's six spans never arrived: {:#?}",
            rotel.spans()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    r.wait_line("telemetry export recovered", Duration::from_secs(15))
        .await;
    let text = r.text();
    let recovered = text
        .lines()
        .find(|l| l.contains("telemetry export recovered"))
        .unwrap();
    assert!(recovered.contains("spans_lost=12"), "{recovered}");
    r.signal("TERM");
    assert_eq!(r.exit_code(Duration::from_secs(20)).await, Some(0));

    // What was lost stays lost (no retry after the fact), and the totals say so.
    let lost: Vec<String> = [61, 62].map(|id| trace_id(&mock, id)).into();
    let spans = rotel.spans();
    assert!(
        !spans.iter().any(|s| lost.contains(&s.trace_id)),
        "spans of jobs run while the collector was down arrived: {spans:#?}"
    );
    // Job 63's six spans; the run-time self-check after recovery may add its canary span.
    let job_spans = spans
        .iter()
        .filter(|s| s.name != runner::doctor::canary::SPAN_NAME)
        .count();
    assert_eq!(job_spans, 6, "{spans:#?}");
    let text = r.text();
    let flushed = text
        .lines()
        .find(|l| l.contains("telemetry flushed"))
        .unwrap_or_else(|| panic!("no flush line: {text}"));
    assert!(
        flushed.contains("spans_exported=6") && flushed.contains("spans_lost=12"),
        "{flushed}"
    );
}

/// The trace id the job log names near its top.
fn trace_id(mock: &Mock, job: u64) -> String {
    mock.log(job)
        .lines()
        .find_map(|l| l.strip_prefix("Trace ID: "))
        .unwrap_or_else(|| panic!("no trace id in job {job}'s log"))
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}
