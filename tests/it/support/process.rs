//! `runner run` as a child process for tests: a clean environment, a config file, and its
//! stderr collected line by line so tests can wait for log lines and count them.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The runner binary. `RUNNER_BIN` overrides: in a target dir shared by several checkouts,
/// `debug/runner` may be another checkout's build.
pub fn runner_bin() -> std::ffi::OsString {
    std::env::var_os("RUNNER_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_runner").into())
}

/// `runner run ARGS` in `dir`, with an empty environment but `PATH`, `HOME` and a state dir.
pub fn runner(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(runner_bin());
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

/// The runner binary for one-shot commands (`doctor ...`): an empty environment but `PATH` and
/// `NO_COLOR`, standard input closed.
pub fn cli() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_runner"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    cmd
}

pub fn write_config(dir: &Path, body: &str) -> PathBuf {
    let p = dir.join("config.toml");
    std::fs::write(&p, body).unwrap();
    p
}

pub fn runner_table(url: &str, token: &str, builds: &Path) -> String {
    format!(
        "[[runners]]\nname = \"cli-runner\"\nurl = \"{url}\"\ntoken = \"{token}\"\n\
         executor = \"shell\"\nbuilds_dir = \"{}\"\n",
        builds.display()
    )
}

/// A running `runner run` whose stderr is collected line by line.
pub struct Running {
    pub child: Child,
    pub stderr: Arc<Mutex<Vec<String>>>,
}

impl Running {
    pub fn start(mut cmd: Command) -> Running {
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

    pub fn text(&self) -> String {
        self.stderr.lock().unwrap().join("\n")
    }

    pub async fn wait_line(&self, needle: &str, within: Duration) -> Duration {
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

    pub fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    }

    pub async fn exit_code(&mut self, within: Duration) -> Option<i32> {
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
