//! rotel, a real OTLP collector (installed from PyPI by `scripts/test-deps.sh`), on loopback
//! ports in its own process group (`support/proc.rs`), logging every span it gets; its log is
//! parsed into spans.

use super::ports::v4;
use super::proc::{start_with_retry, Proc};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long rotel may take to print its readiness line and accept on its ports.
const READY_WITHIN: Duration = Duration::from_secs(15);

/// One span as rotel's `--debug-log-verbosity detailed` prints it.
#[derive(Clone, Debug, Default)]
pub struct RotelSpan {
    pub trace_id: String,
    pub parent_id: String,
    pub id: String,
    pub name: String,
    pub status: String,
    pub attributes: BTreeMap<String, String>,
}

/// A running rotel; dropping it kills it.
#[derive(Debug)]
pub struct Rotel {
    pub proc: Proc,
    pub grpc_port: u16,
    pub http_port: u16,
    _dir: Option<tempfile::TempDir>,
}

/// What `scripts/test-deps.sh` found (`target/test-deps.env`): rotel-agent and its library
/// path. Panics with the command to run when missing: a silently skipped test proves nothing.
fn deps() -> (PathBuf, String) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/target/test-deps.env");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!("{path}: {e}; run `bash scripts/test-deps.sh` first (it installs rotel, nginx, haproxy, dnsmasq)")
    });
    let vars: HashMap<&str, &str> = text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect();
    let agent = vars
        .get("ROTEL_AGENT")
        .unwrap_or_else(|| panic!("{path}: no ROTEL_AGENT; rerun scripts/test-deps.sh"));
    let libs = vars
        .get("ROTEL_LD_LIBRARY_PATH")
        .copied()
        .unwrap_or_default();
    (PathBuf::from(agent), libs.to_string())
}

/// Starts rotel on these ports with both receivers, a blackhole exporter and a detailed trace
/// log (each span's ids, name and attributes), and waits until it is ready.
fn spawn(dir: &Path, grpc: u16, http: u16) -> Result<Proc, String> {
    let (agent, libs) = deps();
    let args: Vec<String> = [
        "start",
        "--otlp-grpc-endpoint",
        &format!("127.0.0.1:{grpc}"),
        "--otlp-http-endpoint",
        &format!("127.0.0.1:{http}"),
        "--exporter",
        "blackhole",
        "--debug-log",
        "traces",
        "--debug-log-verbosity",
        "detailed",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut proc = Proc::spawn(
        "rotel",
        &agent,
        &args,
        &[("LD_LIBRARY_PATH", libs.as_str())],
        &dir.join("rotel.log"),
    )
    .map_err(|e| format!("spawn {}: {e}", agent.display()))?;
    proc.wait_for_log("Starting Rotel.", READY_WITHIN)?;
    proc.wait_for_ports(&[v4(grpc), v4(http)], READY_WITHIN)?;
    Ok(proc)
}

impl Rotel {
    /// On free ports, with its log in a temporary folder of its own.
    pub fn start() -> Rotel {
        let dir = tempfile::tempdir().unwrap();
        let mut r = Rotel::start_in(dir.path());
        r._dir = Some(dir);
        r
    }

    /// On free ports, with its log in `dir`.
    pub fn start_in(dir: &Path) -> Rotel {
        start_with_retry("rotel", 2, |ports| {
            Ok(Rotel {
                proc: spawn(dir, ports[0], ports[1])?,
                grpc_port: ports[0],
                http_port: ports[1],
                _dir: None,
            })
        })
    }

    /// On these ports (chosen beforehand, e.g. for a runner started before its collector).
    pub fn start_on(grpc_port: u16, http_port: u16) -> Rotel {
        let dir = tempfile::tempdir().unwrap();
        let proc = spawn(dir.path(), grpc_port, http_port).unwrap_or_else(|e| panic!("{e}"));
        Rotel {
            proc,
            grpc_port,
            http_port,
            _dir: Some(dir),
        }
    }

    /// Everything rotel printed so far.
    pub fn log(&self) -> String {
        self.proc.log_text()
    }

    /// Waits until rotel's log contains `needle`; panics with the log when it does not.
    pub fn wait_for(&self, needle: &str, bound: Duration) {
        let start = Instant::now();
        while !self.log().contains(needle) {
            assert!(
                start.elapsed() < bound,
                "rotel log lacks {needle:?} after {bound:?}:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Every span printed so far.
    pub fn spans(&self) -> Vec<RotelSpan> {
        parse(&self.log())
    }

    /// Waits until at least `n` spans arrived.
    pub async fn wait_spans(&self, n: usize, within: Duration) -> Vec<RotelSpan> {
        let start = Instant::now();
        loop {
            let spans = self.spans();
            if spans.len() >= n {
                return spans;
            }
            assert!(
                start.elapsed() < within,
                "{} of {n} spans arrived within {within:?}",
                spans.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// True once a span of this trace was logged (`Trace ID : <hex>`).
    pub fn saw_trace(&self, trace_id: &str, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        loop {
            if self
                .spans()
                .iter()
                .any(|s| s.trace_id.eq_ignore_ascii_case(trace_id))
            {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn parse(out: &str) -> Vec<RotelSpan> {
    let mut spans = Vec::new();
    let mut cur: Option<RotelSpan> = None;
    let mut in_attrs = false;
    for line in out.lines() {
        if line.starts_with("Span #") {
            spans.extend(cur.take());
            cur = Some(RotelSpan::default());
            in_attrs = false;
            continue;
        }
        let Some(span) = cur.as_mut() else { continue };
        if line.starts_with("ResourceSpans #") || line.starts_with("ScopeSpans #") {
            spans.extend(cur.take());
            continue;
        }
        if line.starts_with("Attributes:") {
            in_attrs = true;
            continue;
        }
        let t = line.trim();
        if in_attrs {
            if let Some(kv) = t.strip_prefix("-> ") {
                if let Some((k, v)) = kv.split_once(": ") {
                    let v = v
                        .find('(')
                        .map_or(v, |i| &v[i + 1..v.len().saturating_sub(1)]);
                    span.attributes.insert(k.to_owned(), v.to_owned());
                    continue;
                }
            }
            in_attrs = false;
        }
        if let Some((k, v)) = t.split_once(':') {
            let v = v.trim().to_owned();
            match k.trim() {
                "Trace ID" => span.trace_id = v,
                "Parent ID" => span.parent_id = v,
                "ID" => span.id = v,
                "Name" => span.name = v,
                "Status code" => span.status = v,
                _ => {}
            }
        }
    }
    spans.extend(cur);
    spans
}
