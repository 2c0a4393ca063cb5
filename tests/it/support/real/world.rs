//! One test's world: a private directory, certificates, a collector, and whatever fronts it;
//! runs a scenario of `scenarios/real/` against it with the placeholders filled in.

use super::certs::Certs;
use super::dnsmasq::Dnsmasq;
use super::doctor::Outcome;
use super::haproxy::Haproxy;
use super::nginx::Nginx;
use super::scenario::run_real;
use crate::support::rotel::Rotel;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

#[derive(Debug)]
pub struct World {
    pub dir: tempfile::TempDir,
    pub certs: Certs,
    pub rotel: Rotel,
    /// Placeholder values for the scenario's settings.
    values: HashMap<&'static str, String>,
}

impl World {
    pub fn new() -> World {
        let dir = super::tempdir();
        let certs = Certs::make(dir.path());
        let rotel = Rotel::start_in(dir.path());
        let path = |p: &std::path::Path| p.display().to_string();
        let values = HashMap::from([
            ("ROTEL_GRPC_PORT", rotel.grpc_port.to_string()),
            ("ROTEL_HTTP_PORT", rotel.http_port.to_string()),
            ("CA_FILE", path(&certs.ca)),
            ("CLIENT_CERT_FILE", path(&certs.client.cert)),
            ("CLIENT_KEY_FILE", path(&certs.client.key)),
        ]);
        World {
            dir,
            certs,
            rotel,
            values,
        }
    }

    /// nginx with one `http {}` server block on a fresh port (`NGINX_PORT`).
    pub fn nginx_http(&mut self, block: impl Fn(u16) -> String) -> Nginx {
        let n = Nginx::start(self.dir.path(), 1, |p| block(p[0]), |_| String::new());
        self.values.insert("NGINX_PORT", n.ports[0].to_string());
        n
    }

    /// nginx with one `stream {}` server block on a fresh port (`NGINX_PORT`).
    pub fn nginx_stream(&mut self, block: impl Fn(u16) -> String) -> Nginx {
        let n = Nginx::start(self.dir.path(), 1, |_| String::new(), |p| block(p[0]));
        self.values.insert("NGINX_PORT", n.ports[0].to_string());
        n
    }

    /// haproxy with frontends and backends on a fresh port (`HAPROXY_PORT`).
    pub fn haproxy(&mut self, block: impl Fn(u16) -> String) -> Haproxy {
        let h = Haproxy::start(self.dir.path(), 1, |p| block(p[0]));
        self.values.insert("HAPROXY_PORT", h.ports[0].to_string());
        h
    }

    /// dnsmasq serving `*.test` (`DNS_PORT`).
    pub fn dns(&mut self) -> Dnsmasq {
        let d = Dnsmasq::start(self.dir.path());
        self.values.insert("DNS_PORT", d.port.to_string());
        d
    }

    /// Runs scenario `name` as a user would, keeps the report under target/real-reports/, and
    /// checks it against the scenario, including the canary's arrival at rotel when asked.
    pub fn run(&self, name: &str) -> Outcome {
        run_real(
            name,
            &self.values,
            "rotel",
            |id| self.rotel.saw_trace(id, Duration::from_secs(5)),
            || self.rotel.proc.log_text(),
        )
    }
}

/// Sends `request` (may be empty) and reads the reply until EOF, bounded in time and size.
pub fn http1(port: u16, request: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    if !request.is_empty() {
        s.write_all(request.as_bytes()).expect("write");
    }
    let mut buf = Vec::new();
    let _ = s.take(64 * 1024).read_to_end(&mut buf);
    String::from_utf8_lossy(&buf).to_string()
}

/// curl's HTTP status for an empty OTLP/protobuf POST, or its exit code when no answer came.
pub fn curl_status(url: &str, extra: &[&str]) -> Result<u16, i32> {
    let out = std::process::Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--max-time",
            "5",
        ])
        .args([
            "-X",
            "POST",
            "-H",
            "content-type: application/x-protobuf",
            "--data-binary",
            "",
        ])
        .args(extra)
        .arg(url)
        .env_remove("CURL_CA_BUNDLE")
        .output()
        .expect("curl");
    match out.status.code() {
        Some(0) => Ok(String::from_utf8_lossy(&out.stdout).parse().unwrap_or(0)),
        code => Err(code.unwrap_or(-1)),
    }
}
