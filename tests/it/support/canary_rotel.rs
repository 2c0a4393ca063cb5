//! A real OTLP collector (rotel, from PyPI) on loopback, killed by PID when the guard drops.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Rotel {
    child: Child,
    pub grpc_port: u16,
    pub http_port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

/// `ROTEL_AGENT` and `ROTEL_LD_LIBRARY_PATH` from `target/test-deps.env` (written by
/// `scripts/test-deps.sh`), or from the environment.
fn deps() -> (String, String) {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/target/test-deps.env");
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let get = |k: &str| {
        std::env::var(k).ok().or_else(|| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{k}=")).map(str::to_owned))
        })
    };
    (
        get("ROTEL_AGENT").expect("rotel missing: run `bash scripts/test-deps.sh`"),
        get("ROTEL_LD_LIBRARY_PATH").unwrap_or_default(),
    )
}

impl Rotel {
    /// Starts rotel with both receivers, a blackhole exporter and a detailed trace log, and
    /// waits for its readiness line.
    pub fn start() -> Rotel {
        let (agent, libdir) = deps();
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("rotel.log");
        let out = std::fs::File::create(&log).unwrap();
        let (grpc_port, http_port) = (super::ports::free_port(), super::ports::free_port());
        let child = Command::new(agent)
            .args(["start", "--otlp-grpc-endpoint"])
            .arg(format!("127.0.0.1:{grpc_port}"))
            .arg("--otlp-http-endpoint")
            .arg(format!("127.0.0.1:{http_port}"))
            .args(["--exporter", "blackhole", "--debug-log", "traces"])
            .args(["--debug-log-verbosity", "detailed"])
            .env("NO_COLOR", "1")
            .env("LD_LIBRARY_PATH", libdir)
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("start rotel-agent");
        let rotel = Rotel {
            child,
            grpc_port,
            http_port,
            log,
            _dir: dir,
        };
        rotel.wait_for("Starting Rotel.", Duration::from_secs(15));
        rotel
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until rotel's log contains `needle`; panics with the log when it does not.
    pub fn wait_for(&self, needle: &str, bound: Duration) {
        let start = Instant::now();
        while start.elapsed() < bound {
            if self.log().contains(needle) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "rotel log lacks {needle:?} after {bound:?}:\n{}",
            self.log()
        );
    }
}

impl Drop for Rotel {
    fn drop(&mut self) {
        // Only the process we started, by its PID.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
