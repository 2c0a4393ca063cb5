//! The rotel collector: plaintext OTLP gRPC and HTTP receivers that log every span they get.

use super::proc::{start_with_retry, Proc, READY_WITHIN};
use crate::support::ports::v4;
use std::path::Path;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Rotel {
    pub proc: Proc,
    pub grpc_port: u16,
    pub http_port: u16,
}

impl Rotel {
    /// Starts rotel with a blackhole exporter and detailed trace logging (each span's trace id).
    pub fn start(dir: &Path) -> Rotel {
        let deps = super::deps();
        start_with_retry("rotel", 2, |ports| {
            let (grpc, http) = (ports[0], ports[1]);
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
                &deps.rotel_agent,
                &args,
                &[("LD_LIBRARY_PATH", deps.rotel_ld_library_path.as_str())],
                &dir.join("rotel.log"),
            )
            .map_err(|e| format!("spawn {}: {e}", deps.rotel_agent.display()))?;
            proc.wait_for_log("Starting Rotel.", READY_WITHIN)?;
            proc.wait_for_ports(&[v4(grpc), v4(http)], READY_WITHIN)?;
            Ok(Rotel {
                proc,
                grpc_port: grpc,
                http_port: http,
            })
        })
    }

    /// True once rotel's detailed debug log shows a span of this trace (`Trace ID : <hex>`).
    pub fn saw_trace(&self, trace_id: &str, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        loop {
            let log = self.proc.log_text();
            let seen = log.lines().any(|l| {
                l.trim_start()
                    .strip_prefix("Trace ID")
                    .and_then(|rest| rest.trim_start().strip_prefix(':'))
                    .is_some_and(|id| id.trim().eq_ignore_ascii_case(trace_id))
            });
            if seen {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
