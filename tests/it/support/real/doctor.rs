//! Runs the built `runner doctor otel` as a user would (standard OTEL_* variables, `--json`)
//! and reads its report (`docs/report-schema.json`).

use serde_json::Value;
use std::fmt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The per-step bound the real tests give the doctor: small, so failures are quick.
pub const STEP_TIMEOUT: &str = "2s";
/// The whole doctor run must end within this, or the test fails (and the doctor is killed).
const RUN_BOUND: Duration = Duration::from_secs(60);

/// How to run the doctor: OTEL_* variables and extra flags.
#[derive(Debug, Default, Clone)]
pub struct Invocation {
    pub env: Vec<(String, String)>,
    pub args: Vec<String>,
}

impl Invocation {
    pub fn env(mut self, k: &str, v: impl AsRef<str>) -> Invocation {
        self.env.push((k.to_string(), v.as_ref().to_string()));
        self
    }

    pub fn arg(mut self, a: impl AsRef<str>) -> Invocation {
        self.args.push(a.as_ref().to_string());
        self
    }

    /// Runs `runner doctor otel --json --timeout 2s ARGS` in an empty directory, with only
    /// PATH and HOME from the test's own environment (no stray OTEL_* or proxy variables).
    pub fn run(&self) -> Outcome {
        let dir = super::tempdir();
        let out_path = dir.path().join("stdout");
        let err_path = dir.path().join("stderr");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_runner"));
        cmd.args(["doctor", "otel", "--json", "--timeout", STEP_TIMEOUT])
            .args(&self.args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", dir.path())
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out_path).expect("stdout file"))
            .stderr(std::fs::File::create(&err_path).expect("stderr file"));
        let started = Instant::now();
        let mut child = cmd.spawn().expect("spawn runner");
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait runner") {
                break status;
            }
            if started.elapsed() > RUN_BOUND {
                let _ = child.kill();
                let _ = child.wait();
                panic!("runner doctor otel ran over {RUN_BOUND:?}: {self:?}");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let stdout = std::fs::read_to_string(&out_path).unwrap_or_default();
        let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
        let report = serde_json::from_str(&stdout).unwrap_or(Value::Null);
        Outcome {
            invocation: self.clone(),
            code: status.code(),
            report,
            stdout,
            stderr,
            elapsed: started.elapsed(),
        }
    }
}

/// One doctor run: exit code and report.
#[derive(Debug)]
pub struct Outcome {
    pub invocation: Invocation,
    pub code: Option<i32>,
    pub report: Value,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Outcome {
    /// Keeps the report as `target/real-reports/NAME.json` for whoever investigates a failure.
    pub fn keep(&self, name: &str) {
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/real-reports");
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(dir.join(format!("{name}.json")), format!("{self}\n"));
    }

    pub fn findings(&self) -> Vec<&Value> {
        self.report["findings"]
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default()
    }

    pub fn causes(&self) -> Vec<String> {
        self.findings()
            .into_iter()
            .filter_map(|f| f["cause"].as_str().map(str::to_string))
            .collect()
    }

    pub fn verdict(&self) -> &str {
        self.report["verdict"].as_str().unwrap_or("<none>")
    }

    /// The target a finding belongs to (by signal; the first target for shared findings).
    pub fn target_of(&self, finding: &Value) -> usize {
        self.report["targets"]
            .as_array()
            .and_then(|ts| ts.iter().position(|t| t["signal"] == finding["signal"]))
            .unwrap_or(0)
    }

    pub fn canary(&self) -> &Value {
        &self.report["canary"]
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pretty = serde_json::to_string_pretty(&self.report).unwrap_or_default();
        writeln!(f, "doctor run: {:?}", self.invocation)?;
        writeln!(f, "exit code: {:?} after {:?}", self.code, self.elapsed)?;
        if self.report.is_null() {
            writeln!(f, "stdout (not JSON):\n{}", self.stdout)?;
        } else {
            writeln!(f, "report:\n{pretty}")?;
        }
        write!(f, "stderr:\n{}", self.stderr)
    }
}
