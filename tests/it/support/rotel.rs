//! A real OTLP collector for tests: rotel (`target/test-deps.env`, installed by
//! `scripts/test-deps.sh`), on loopback ports, with its span dump parsed.

use super::ports::free_port;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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

pub struct Rotel {
    child: Child,
    pub grpc_port: u16,
    pub http_port: u16,
    out: Arc<Mutex<String>>,
}

fn deps() -> BTreeMap<String, String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/target/test-deps.env");
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e}; run `bash scripts/test-deps.sh` first"));
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

impl Rotel {
    pub fn start() -> Rotel {
        Rotel::start_on(free_port(), free_port())
    }

    /// Starts rotel on the given ports and waits until it is ready.
    pub fn start_on(grpc_port: u16, http_port: u16) -> Rotel {
        let d = deps();
        let mut child = Command::new(&d["ROTEL_AGENT"])
            .args([
                "start",
                "--otlp-grpc-endpoint",
                &format!("127.0.0.1:{grpc_port}"),
                "--otlp-http-endpoint",
                &format!("127.0.0.1:{http_port}"),
                "--exporter",
                "blackhole",
                "--debug-log",
                "traces",
                "--debug-log-verbosity",
                "detailed",
            ])
            .env("NO_COLOR", "1")
            .env(
                "LD_LIBRARY_PATH",
                d.get("ROTEL_LD_LIBRARY_PATH").cloned().unwrap_or_default(),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("rotel-agent starts");
        let out = Arc::new(Mutex::new(String::new()));
        for pipe in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let out = out.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    let mut o = out.lock().unwrap();
                    o.push_str(&line);
                    o.push('\n');
                }
            });
        }
        let r = Rotel {
            child,
            grpc_port,
            http_port,
            out,
        };
        let start = Instant::now();
        while !r.output().contains("Starting Rotel") {
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "rotel not ready: {}",
                r.output()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        r
    }

    pub fn output(&self) -> String {
        self.out.lock().unwrap().clone()
    }

    /// Every span printed so far.
    pub fn spans(&self) -> Vec<RotelSpan> {
        parse(&self.output())
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

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Rotel {
    fn drop(&mut self) {
        self.stop();
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
