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
use real_support::haproxy::Haproxy;
use real_support::nginx::Nginx;
use real_support::proc::{free_port, group_members};
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

    /// nginx with one `http {}` server block on a fresh port; returns it and its https URL.
    fn nginx_http(&self, block: impl Fn(u16) -> String) -> (Nginx, String) {
        let n = Nginx::start(self.dir.path(), 1, &[], |p| block(p[0]), |_| String::new());
        let url = format!("https://127.0.0.1:{}", n.ports[0]);
        (n, url)
    }

    /// nginx with one `stream {}` server block on a fresh port.
    fn nginx_stream(&self, block: impl Fn(u16) -> String) -> Nginx {
        Nginx::start(self.dir.path(), 1, &[], |_| String::new(), |p| block(p[0]))
    }

    fn haproxy(&self, block: impl Fn(u16) -> String) -> (Haproxy, String) {
        let h = Haproxy::start(self.dir.path(), 1, |p| block(p[0]));
        let url = format!("https://127.0.0.1:{}", h.ports[0]);
        (h, url)
    }

    fn dns(&self) -> Dnsmasq {
        Dnsmasq::start(self.dir.path())
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
    let reply = http1(
        nginx.ports[0],
        "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
    assert!(reply.contains("HTTPS port"), "{reply}");
    let reply = http1(nginx.ports[1], "");
    assert_eq!(reply, "", "a stream proxy with no backend sends nothing");
}

/// Dropping a guard kills the whole process group: nginx's master and its worker.
#[test]
fn component_guard_kills_the_process_group() {
    let dir = real_support::tempdir();
    let nginx = Nginx::start(
        dir.path(),
        1,
        &[],
        |p| nginx_http(p[0], free_port()),
        |_| String::new(),
    );
    let pgid = nginx.proc.pid();
    let before = group_members(pgid);
    // timeout, nginx master, nginx worker.
    assert!(before.len() >= 3, "group {pgid}: {before:?}");
    drop(nginx);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !group_members(pgid).is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        group_members(pgid),
        Vec::<u32>::new(),
        "survivors in group {pgid}"
    );
}

/// dnsmasq answers for collector.test on its port (checked with dig, as an operator would).
#[test]
fn component_dnsmasq_answers() {
    let dir = real_support::tempdir();
    let dns = Dnsmasq::start(dir.path());
    let dig = |name: &str, ty: &str| {
        let out = std::process::Command::new("dig")
            .args([
                "@127.0.0.1",
                "-p",
                &dns.port.to_string(),
                "+time=2",
                "+tries=1",
                name,
                ty,
            ])
            .output()
            .expect("dig");
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let a = dig(dnsmasq::DUAL, "A");
    assert!(a.contains("127.0.0.1") && a.contains("NOERROR"), "{a}");
    let aaaa = dig(dnsmasq::V4_ONLY, "AAAA");
    assert!(
        aaaa.contains("NOERROR") && aaaa.contains("ANSWER: 0"),
        "{aaaa}"
    );
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

/// curl's HTTP status for an empty OTLP/protobuf POST, or its exit code when no answer came.
fn curl_status(url: &str, extra: &[&str]) -> Result<u16, i32> {
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

/// haproxy with `verify required` admits a client certificate from the CA and refuses the
/// handshake without one; nginx with `ssl_verify_client on` answers 400 instead.
#[test]
fn component_mtls_haproxy_and_nginx() {
    let w = World::new();
    let c = &w.certs;
    let (_h, hurl) = w.haproxy(|p| haproxy_mtls(p, c, w.rotel.http_port, false));
    let (_n, nurl) = w.nginx_http(|p| {
        nginx_require_client_cert(&nginx_tls_http(p, &c.server, w.rotel.http_port), &c.ca)
    });
    let ca = c.ca.to_str().unwrap();
    let cert = c.client.cert.to_str().unwrap();
    let key = c.client.key.to_str().unwrap();
    let with = ["--cacert", ca, "--cert", cert, "--key", key];
    for url in [&hurl, &nurl] {
        let url = format!("{url}/v1/traces");
        assert_eq!(
            curl_status(&url, &with),
            Ok(200),
            "{url} with a client cert"
        );
    }
    let h = curl_status(&format!("{hurl}/v1/traces"), &["--cacert", ca]);
    assert!(h.is_err(), "haproxy without a client cert: {h:?}");
    let n = curl_status(&format!("{nurl}/v1/traces"), &["--cacert", ca]);
    assert_eq!(n, Ok(400), "nginx without a client cert");
}

// ---- Healthy paths ----

#[test]
fn rotel_grpc_healthy() {
    let w = World::new();
    let out = check(
        "rotel_grpc_healthy",
        Invocation::otlp(&w.rotel.grpc_url(), GRPC),
    );
    w.assert_canary_arrived(&out);
}

#[test]
fn rotel_http_healthy() {
    let w = World::new();
    let out = check(
        "rotel_http_healthy",
        Invocation::otlp(&w.rotel.http_url(), HTTP),
    );
    w.assert_canary_arrived(&out);
}

#[test]
fn nginx_tls_http_healthy() {
    let w = World::new();
    let (_n, url) = w.nginx_http(|p| nginx_tls_http(p, &w.certs.server, w.rotel.http_port));
    let out = check(
        "nginx_tls_http_healthy",
        Invocation::otlp(&url, HTTP).ca(&w.certs.ca),
    );
    w.assert_canary_arrived(&out);
}

#[test]
fn nginx_tls_grpc_healthy() {
    let w = World::new();
    let (_n, url) = w.nginx_http(|p| nginx_tls_grpc(p, &w.certs.server, w.rotel.grpc_port, false));
    let out = check(
        "nginx_tls_grpc_healthy",
        Invocation::otlp(&url, GRPC).ca(&w.certs.ca),
    );
    w.assert_canary_arrived(&out);
}

#[test]
fn haproxy_mtls_http_healthy() {
    let w = World::new();
    let c = &w.certs;
    let (_h, url) = w.haproxy(|p| haproxy_mtls(p, c, w.rotel.http_port, false));
    let inv = Invocation::otlp(&url, HTTP)
        .ca(&c.ca)
        .client(&c.client.cert, &c.client.key);
    let out = check("haproxy_mtls_http_healthy", inv);
    w.assert_canary_arrived(&out);
}

#[test]
fn haproxy_mtls_grpc_healthy() {
    let w = World::new();
    let c = &w.certs;
    let (_h, url) = w.haproxy(|p| haproxy_mtls(p, c, w.rotel.grpc_port, true));
    let inv = Invocation::otlp(&url, GRPC)
        .ca(&c.ca)
        .client(&c.client.cert, &c.client.key);
    let out = check("haproxy_mtls_grpc_healthy", inv);
    w.assert_canary_arrived(&out);
}

// ---- Names ----

#[test]
fn dnsmasq_name_healthy() {
    let w = World::new();
    let dns = w.dns();
    let nginx = Nginx::start(
        w.dir.path(),
        1,
        &[0],
        |p| nginx_tls_grpc(p[0], &w.certs.server, w.rotel.grpc_port, true),
        |_| String::new(),
    );
    let url = format!("https://{}:{}", dnsmasq::DUAL, nginx.ports[0]);
    let inv = Invocation::otlp(&url, GRPC)
        .ca(&w.certs.ca)
        .dns_server(dns.addr());
    let out = check("dnsmasq_name_healthy", inv);
    w.assert_canary_arrived(&out);
}

#[test]
fn dnsmasq_v4_only_healthy() {
    let w = World::new();
    let dns = w.dns();
    let url = format!("http://{}:{}", dnsmasq::V4_ONLY, w.rotel.http_port);
    let out = check(
        "dnsmasq_v4_only_healthy",
        Invocation::otlp(&url, HTTP).dns_server(dns.addr()),
    );
    w.assert_canary_arrived(&out);
}

#[test]
fn dnsmasq_v6_refused() {
    let w = World::new();
    let dns = w.dns();
    let url = format!("http://{}:{}", dnsmasq::DUAL, w.rotel.http_port);
    let out = check(
        "dnsmasq_v6_refused",
        Invocation::otlp(&url, HTTP).dns_server(dns.addr()),
    );
    w.assert_canary_arrived(&out);
}

#[test]
fn dnsmasq_nxdomain() {
    let w = World::new();
    let dns = w.dns();
    let url = format!("http://{}:{}", dnsmasq::MISSING, w.rotel.http_port);
    check(
        "dnsmasq_nxdomain",
        Invocation::otlp(&url, HTTP).dns_server(dns.addr()),
    );
}

#[test]
fn dnsmasq_no_address() {
    let w = World::new();
    let dns = w.dns();
    let url = format!("http://{}:{}", dnsmasq::NO_ADDRESS, w.rotel.http_port);
    check(
        "dnsmasq_no_address",
        Invocation::otlp(&url, HTTP).dns_server(dns.addr()),
    );
}

// ---- TLS where there is none, none where there is TLS ----

#[test]
fn rotel_tls_to_plaintext_http() {
    let w = World::new();
    let url = format!("https://127.0.0.1:{}", w.rotel.http_port);
    check("rotel_tls_to_plaintext_http", Invocation::otlp(&url, HTTP));
}

#[test]
fn rotel_tls_to_plaintext_grpc() {
    let w = World::new();
    let url = format!("https://127.0.0.1:{}", w.rotel.grpc_port);
    check("rotel_tls_to_plaintext_grpc", Invocation::otlp(&url, GRPC));
}

#[test]
fn nginx_plaintext_to_tls_http() {
    let w = World::new();
    let (_n, url) = w.nginx_http(|p| nginx_tls_http(p, &w.certs.server, w.rotel.http_port));
    let url = url.replace("https://", "http://");
    check("nginx_plaintext_to_tls_http", Invocation::otlp(&url, HTTP));
}

#[test]
fn nginx_plaintext_to_tls_grpc() {
    let w = World::new();
    let (_n, url) = w.nginx_http(|p| nginx_tls_grpc(p, &w.certs.server, w.rotel.grpc_port, false));
    let url = url.replace("https://", "http://");
    check("nginx_plaintext_to_tls_grpc", Invocation::otlp(&url, GRPC));
}

// ---- Certificates ----

#[test]
fn nginx_self_signed() {
    let w = World::new();
    let (_n, url) = w.nginx_http(|p| nginx_tls_http(p, &w.certs.self_signed, w.rotel.http_port));
    check(
        "nginx_self_signed",
        Invocation::otlp(&url, HTTP).ca(&w.certs.ca),
    );
}

#[test]
fn nginx_wrong_name() {
    let w = World::new();
    let (_n, url) = w.nginx_http(|p| nginx_tls_http(p, &w.certs.wrong_name, w.rotel.http_port));
    check(
        "nginx_wrong_name",
        Invocation::otlp(&url, HTTP).ca(&w.certs.ca),
    );
}

#[test]
fn nginx_expired() {
    let w = World::new();
    let (_n, url) = w.nginx_http(|p| nginx_tls_http(p, &w.certs.expired, w.rotel.http_port));
    check(
        "nginx_expired",
        Invocation::otlp(&url, HTTP).ca(&w.certs.ca),
    );
}

#[test]
fn haproxy_mtls_no_client_cert() {
    let w = World::new();
    let (_h, url) = w.haproxy(|p| haproxy_mtls(p, &w.certs, w.rotel.http_port, false));
    check(
        "haproxy_mtls_no_client_cert",
        Invocation::otlp(&url, HTTP).ca(&w.certs.ca),
    );
}

#[test]
fn nginx_mtls_no_client_cert() {
    let w = World::new();
    let c = &w.certs;
    let (_n, url) = w.nginx_http(|p| {
        nginx_require_client_cert(&nginx_tls_http(p, &c.server, w.rotel.http_port), &c.ca)
    });
    check(
        "nginx_mtls_no_client_cert",
        Invocation::otlp(&url, HTTP).ca(&c.ca),
    );
}

#[test]
fn nginx_tls_without_h2_grpc() {
    let w = World::new();
    let (_n, url) = w.nginx_http(|p| nginx_tls_http(p, &w.certs.server, w.rotel.http_port));
    check(
        "nginx_tls_without_h2_grpc",
        Invocation::otlp(&url, GRPC).ca(&w.certs.ca),
    );
}

// ---- Load balancers with nothing behind them ----

#[test]
fn nginx_l4_dead_backend_http() {
    let w = World::new();
    let n = w.nginx_stream(|p| nginx_stream(p, free_port()));
    let url = format!("http://127.0.0.1:{}", n.ports[0]);
    check("nginx_l4_dead_backend_http", Invocation::otlp(&url, HTTP));
}

#[test]
fn nginx_l4_dead_backend_grpc() {
    let w = World::new();
    let n = w.nginx_stream(|p| nginx_stream(p, free_port()));
    let url = format!("http://127.0.0.1:{}", n.ports[0]);
    check("nginx_l4_dead_backend_grpc", Invocation::otlp(&url, GRPC));
}

#[test]
fn nginx_l4_dead_backend_tls() {
    let w = World::new();
    let n = w.nginx_stream(|p| nginx_stream(p, free_port()));
    let url = format!("https://127.0.0.1:{}", n.ports[0]);
    check(
        "nginx_l4_dead_backend_tls",
        Invocation::otlp(&url, HTTP).ca(&w.certs.ca),
    );
}

#[test]
fn nginx_l7_dead_backend_http() {
    let w = World::new();
    let (_n, url) = w.nginx_http(|p| nginx_http(p, free_port()));
    let url = url.replace("https://", "http://");
    check("nginx_l7_dead_backend_http", Invocation::otlp(&url, HTTP));
}

#[test]
fn haproxy_l7_dead_backend_http() {
    let w = World::new();
    let (mut h, url) = w.haproxy(|p| haproxy_http(p, free_port()));
    // Ready for this case once its health check has marked the only server down.
    h.proc
        .wait_for_log(HAPROXY_NO_SERVER, Duration::from_secs(5))
        .unwrap();
    let url = url.replace("https://", "http://");
    check("haproxy_l7_dead_backend_http", Invocation::otlp(&url, HTTP));
}

#[test]
fn nginx_l7_dead_backend_grpc() {
    let w = World::new();
    let (_n, url) = w.nginx_http(|p| nginx_h2c_grpc(p, free_port()));
    let url = url.replace("https://", "http://");
    check("nginx_l7_dead_backend_grpc", Invocation::otlp(&url, GRPC));
}

// ---- The right server, the wrong port ----

#[test]
fn rotel_http_to_grpc_port() {
    let w = World::new();
    let url = format!("http://127.0.0.1:{}", w.rotel.grpc_port);
    check("rotel_http_to_grpc_port", Invocation::otlp(&url, HTTP));
}

#[test]
fn rotel_grpc_to_http_port() {
    let w = World::new();
    let url = format!("http://127.0.0.1:{}", w.rotel.http_port);
    check("rotel_grpc_to_http_port", Invocation::otlp(&url, GRPC));
}

/// Every scenario under scenarios/real/ has a test here, and each parses.
#[test]
fn every_real_scenario_has_a_test() {
    let src = include_str!("real_components.rs");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/real");
    for entry in std::fs::read_dir(&dir).expect("scenarios/real") {
        let path = entry.expect("entry").path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        Scenario::load(&name);
        assert!(
            src.contains(&format!("fn {name}()")),
            "{} has no test `fn {name}()` in tests/real_components.rs",
            path.display()
        );
    }
}
