//! haproxy in the foreground (`-db`) with a configuration written at test time.

use crate::support::proc::{listen_addrs, start_with_retry, Proc, READY_WITHIN};
use std::path::Path;

#[derive(Debug)]
pub struct Haproxy {
    pub proc: Proc,
    pub ports: Vec<u16>,
}

impl Haproxy {
    /// Starts haproxy with `nports` fresh ports; `body` writes the frontends and backends that
    /// follow the common `global` and `defaults` sections (HTTP mode, short timeouts).
    pub fn start(dir: &Path, nports: usize, body: impl Fn(&[u16]) -> String) -> Haproxy {
        let root = dir.join("haproxy");
        std::fs::create_dir_all(&root).expect("haproxy dir");
        start_with_retry("haproxy", nports, |ports| {
            let conf = format!(
                "global\n  maxconn 200\n\
                 defaults\n  mode http\n  timeout connect 1s\n  timeout client 10s\n  timeout server 10s\n\
                 {}\n",
                body(ports)
            );
            let conf_path = root.join("haproxy.cfg");
            std::fs::write(&conf_path, &conf).expect("write haproxy.cfg");
            let args = vec![
                "-f".to_string(),
                conf_path.to_str().expect("utf-8").to_string(),
                "-db".to_string(),
            ];
            let mut proc = Proc::spawn(
                "haproxy",
                Path::new("haproxy"),
                &args,
                &[],
                &root.join("haproxy.log"),
            )
            .map_err(|e| format!("spawn haproxy: {e}"))?;
            proc.wait_for_ports(&listen_addrs(&conf, ports), READY_WITHIN)?;
            Ok(Haproxy {
                proc,
                ports: ports.to_vec(),
            })
        })
    }
}
