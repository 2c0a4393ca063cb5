//! The doctor against the real thing: the rotel collector, nginx and haproxy as (TLS) load
//! balancers, and dnsmasq as a name server, all on loopback ports, started per test.
//!
//! Each test reproduces one scenario of `scenarios/real/` and checks the report against the
//! expectation written there. Components come from `scripts/test-deps.sh`.

mod real_support;

use real_support::blocks::*;
use real_support::certs::Certs;
use real_support::dnsmasq::{self, Dnsmasq};
use real_support::doctor::{Invocation, Outcome};
use real_support::nginx::Nginx;
use real_support::proc::free_port;
use real_support::rotel::Rotel;
use real_support::scenario::Scenario;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

const GRPC: &str = "grpc";
const HTTP: &str = "http/protobuf";

/// One test's world: a private directory, certificates, and a collector.
struct World {
    dir: tempfile::TempDir,
    certs: Certs,
    rotel: Rotel,
}

impl World {
    fn new() -> World {
        let dir = real_support::tempdir();
        let certs = Certs::make(dir.path());
        let rotel = Rotel::start(dir.path());
        World { dir, certs, rotel }
    }

    fn nginx_http(&self, block: impl Fn(u16) -> String) -> Nginx {
        Nginx::start(self.dir.path(), 1, &[], |p| block(p[0]), |_| String::new())
    }

    fn nginx_stream(&self, block: impl Fn(u16) -> String) -> Nginx {
        Nginx::start(self.dir.path(), 1, &[], |_| String::new(), |p| block(p[0]))
    }

    /// Asserts the canary arrived at this world's rotel (its trace id in rotel's span log).
    fn assert_canary_arrived(&self, out: &Outcome) {
        let canary = out.canary();
        assert_eq!(canary["exported"], true, "canary not exported;\n{out}");
        let id = canary["trace_id"].as_str().unwrap_or_default();
        assert_eq!(id.len(), 32, "canary trace id;\n{out}");
        assert!(
            self.rotel.saw_trace(id, Duration::from_secs(5)),
            "rotel never logged trace {id};\n{out}\nrotel log:\n{}",
            self.rotel.proc.log_text()
        );
    }
}

fn check(name: &str, inv: Invocation) -> Outcome {
    let out = inv.run();
    Scenario::load(name).check(&out);
    out
}

// ---- The components themselves, without the doctor ----

/// rotel accepts an OTLP/JSON span over HTTP and logs its trace id: the canary proof works.
#[test]
fn component_rotel_logs_received_spans() {
    let w = World::new();
    let trace = "5b8efff798038103d269b633813fc60c";
    let body = format!(
        r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{{"traceId":"{trace}","spanId":"eee19b7ec3c1b174","name":"probe","kind":1,"startTimeUnixNano":"1","endTimeUnixNano":"2"}}]}}]}}]}}"#
    );
    let reply = http1(
        w.rotel.http_port,
        &format!(
            "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(w.rotel.saw_trace(trace, Duration::from_secs(5)));
}

/// nginx's TLS port answers plain HTTP with its "plain HTTP request was sent to HTTPS port" 400,
/// and its stream proxy with a dead upstream accepts then closes.
#[test]
fn component_nginx_tls_and_stream() {
    let w = World::new();
    let dead = free_port();
    let nginx = Nginx::start(
        w.dir.path(),
        2,
        &[],
        |p| nginx_tls_http(p[0], &w.certs.server, w.rotel.http_port),
        |p| nginx_stream(p[1], dead),
    );
    let reply = http1(nginx.ports[0], "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
    assert!(reply.contains("HTTPS port"), "{reply}");
    let reply = http1(nginx.ports[1], "");
    assert_eq!(reply, "", "a stream proxy with no backend sends nothing");
}

/// dnsmasq answers for collector.test on its port (checked with dig, as an operator would).
#[test]
fn component_dnsmasq_answers() {
    let dir = real_support::tempdir();
    let dns = Dnsmasq::start(dir.path());
    let dig = |name: &str, ty: &str| {
        let out = std::process::Command::new("dig")
            .args(["@127.0.0.1", "-p", &dns.port.to_string(), "+time=2", "+tries=1", name, ty])
            .output()
            .expect("dig");
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let a = dig(dnsmasq::DUAL, "A");
    assert!(a.contains("127.0.0.1") && a.contains("NOERROR"), "{a}");
    let aaaa = dig(dnsmasq::V4_ONLY, "AAAA");
    assert!(aaaa.contains("NOERROR") && aaaa.contains("ANSWER: 0"), "{aaaa}");
    let nx = dig(dnsmasq::MISSING, "A");
    assert!(nx.contains("NXDOMAIN"), "{nx}");
}

/// Sends `request` (may be empty) and reads the reply until EOF, bounded in time and size.
fn http1(port: u16, request: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    if !request.is_empty() {
        s.write_all(request.as_bytes()).expect("write");
    }
    let mut buf = Vec::new();
    let _ = s.take(64 * 1024).read_to_end(&mut buf);
    String::from_utf8_lossy(&buf).to_string()
}
