//! The real OpenTelemetry Collector (otelcol-contrib 0.135 from PyPI): started with a
//! configuration made by the test, its own metrics on a free loopback port.

use crate::support::ports::v4;
use crate::support::proc::{start_with_retry, test_dep, Proc};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A loaded 2-core machine can take a few seconds to start a 32 MB Go binary.
const READY_WITHIN: Duration = Duration::from_secs(15);

#[derive(Debug)]
pub struct Otelcol {
    pub proc: Proc,
    /// Its Prometheus telemetry: `http://127.0.0.1:{metrics_port}/metrics`.
    pub metrics_port: u16,
    pub config: PathBuf,
}

/// The binary `scripts/test-deps.sh` recorded.
pub fn binary() -> PathBuf {
    PathBuf::from(test_dep("OTELCOL_CONTRIB"))
}

/// The 0.135 telemetry block: metrics pulled from 127.0.0.1:PORT.
pub fn telemetry(port: u16) -> String {
    format!("  telemetry:\n    metrics:\n      readers:\n        - pull: {{exporter: {{prometheus: {{host: 127.0.0.1, port: {port}}}}}}}\n")
}

impl Otelcol {
    /// Starts it with `config(metrics_port)` (a full configuration whose `service:` should end
    /// with `telemetry(metrics_port)`); ready once it logs `Everything is ready`.
    pub fn start(dir: &Path, config: impl Fn(u16) -> String) -> Otelcol {
        let bin = binary();
        start_with_retry("otelcol-contrib", 1, |ports| {
            let path = dir.join("otelcol.yaml");
            std::fs::write(&path, config(ports[0])).map_err(|e| e.to_string())?;
            let args = vec!["--config".to_owned(), path.display().to_string()];
            let mut proc = Proc::spawn("otelcol", &bin, &args, &[], &dir.join("otelcol.log"))
                .map_err(|e| format!("spawn {}: {e}", bin.display()))?;
            proc.wait_for_log("Everything is ready", READY_WITHIN)?;
            proc.wait_for_ports(&[v4(ports[0])], READY_WITHIN)?;
            Ok(Otelcol {
                proc,
                metrics_port: ports[0],
                config: path,
            })
        })
    }

    pub fn metrics_url(&self) -> String {
        format!("http://127.0.0.1:{}/metrics", self.metrics_port)
    }
}

/// `otelcol-contrib validate --config FILE`: `Ok` or the collector's last line.
pub fn validate(file: &Path) -> Result<(), String> {
    validate_with(&binary(), file)
}

/// `BIN validate --config FILE` for any collector build (the Go one: `gocol::binary()`).
pub fn validate_with(bin: &Path, file: &Path) -> Result<(), String> {
    let out = Command::new(bin)
        .args(["validate", "--config"])
        .arg(file)
        .output()
        .expect("otelcol-contrib runs");
    if out.status.success() {
        return Ok(());
    }
    let err = String::from_utf8_lossy(&out.stderr);
    Err(err.lines().last().unwrap_or("").to_owned())
}
