//! `runner run` as a process: bad config exits 2 naming the field, pre-flight modes, SIGTERM
//! drains a running job and exits 0, a second signal aborts at once.

mod runner_support;

use runner_support::{git_repo, job, Mock};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TOKEN: &str = "glrt-cli-runner-token";

fn runner(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_runner"));
    cmd.arg("run")
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("RUNNER_STATE_DIR", dir.join("state"))
        .env("NO_COLOR", "1");
    cmd
}

fn write_config(dir: &Path, body: &str) -> PathBuf {
    let p = dir.join("config.toml");
    std::fs::write(&p, body).unwrap();
    p
}

fn runner_table(url: &str, builds: &Path) -> String {
    format!(
        "[[runners]]\nname = \"cli-runner\"\nurl = \"{url}\"\ntoken = \"{TOKEN}\"\n\
         executor = \"shell\"\nbuilds_dir = \"{}\"\n",
        builds.display()
    )
}

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

/// A running `runner run` whose stderr is collected line by line.
struct Running {
    child: Child,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Running {
    fn start(mut cmd: Command) -> Running {
        let mut child = cmd
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let lines = stderr.clone();
        let pipe = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
        Running { child, stderr }
    }

    fn text(&self) -> String {
        self.stderr.lock().unwrap().join("\n")
    }

    async fn wait_line(&self, needle: &str, within: Duration) -> Duration {
        let start = Instant::now();
        while !self.text().contains(needle) {
            assert!(
                start.elapsed() < within,
                "{needle:?} not logged within {within:?}:\n{}",
                self.text()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        start.elapsed()
    }

    fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    }

    async fn exit_code(&mut self, within: Duration) -> Option<i32> {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader thread take the last lines.
                tokio::time::sleep(Duration::from_millis(100)).await;
                return status.code();
            }
            if start.elapsed() > within {
                let _ = self.child.kill();
                panic!("runner did not exit within {within:?}:\n{}", self.text());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
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
            runner_table(&mock.url(), &dir.path().join("builds"))
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
            runner_table(&mock.url(), &dir.path().join("builds"))
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
            runner_table(&mock.url(), &dir.path().join("builds")),
            broken_otel()
        ),
    );
    let mut r = Running::start(runner(
        dir.path(),
        &[
            "-c",
            cfg.to_str().unwrap(),
            "--preflight",
            "warn",
            "--preflight-budget",
            "1s",
            "--log-format",
            "json",
        ],
    ));
    let took = r.wait_line("taking jobs", Duration::from_secs(10)).await;
    assert!(took < Duration::from_secs(4), "started after {took:?}");
    let text = r.text();
    assert!(
        text.contains("pre-flight: telemetry") || text.contains("pre-flight cut short"),
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
    if r.text().contains("pre-flight: telemetry") {
        let kept = std::fs::read_to_string(dir.path().join("state/preflight.json")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&kept).unwrap();
        assert_eq!(v["schema"], "runner.doctor.otel/v1");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflight_off_skips_the_doctor() {
    let dir = tempfile::tempdir().unwrap();
    let mock = Mock::start(TOKEN).await;
    let cfg = write_config(
        dir.path(),
        &format!(
            "check_interval = 1\n{}[otel]\npreflight = \"off\"\n",
            runner_table(&mock.url(), &dir.path().join("builds"))
        ),
    );
    let mut r = Running::start(runner(dir.path(), &["-c", cfg.to_str().unwrap()]));
    r.wait_line("taking jobs", Duration::from_secs(10)).await;
    r.signal("TERM");
    assert_eq!(r.exit_code(Duration::from_secs(15)).await, Some(0));
    assert!(r.text().contains("pre-flight: off"), "{}", r.text());
    assert!(!dir.path().join("state/preflight.json").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the config loader (config branch): before it, no config finding is produced"]
async fn preflight_strict_exits_1_with_the_findings() {
    let dir = tempfile::tempdir().unwrap();
    let mock = Mock::start(TOKEN).await;
    let cfg = write_config(
        dir.path(),
        &format!(
            "check_interval = 1\n{}{}",
            runner_table(&mock.url(), &dir.path().join("builds")),
            broken_otel()
        ),
    );
    let mut r = Running::start(runner(
        dir.path(),
        &["-c", cfg.to_str().unwrap(), "--preflight", "strict"],
    ));
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
#[ignore = "needs the telemetry pipeline (telemetry branch): the stub exports and counts nothing"]
async fn with_the_collector_down_jobs_succeed_one_warning_then_spans_arrive_again() {
    use runner_support::rotel::{free_port, Rotel};
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
            runner_table(&mock.url(), &dir.path().join("builds"))
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
    let log = mock.log(63);
    let trace_id = log
        .lines()
        .find_map(|l| l.strip_prefix("Trace ID: "))
        .expect("trace id in the job log")
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let start = Instant::now();
    while !rotel.spans().iter().any(|s| s.trace_id == trace_id) {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "job 63's spans never arrived"
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
}
