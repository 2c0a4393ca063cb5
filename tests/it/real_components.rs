//! The doctor against the real thing: the rotel collector, nginx and haproxy as (TLS) load
//! balancers, and dnsmasq as a name server, all on loopback ports, started per test.
//!
//! Each `fn NAME` runs `scenarios/real/NAME.toml`: the settings written there (placeholders
//! filled with this test's ports and files) and the report it expects. Components come from
//! `scripts/test-deps.sh`; every report is kept under `target/real-reports/`.

use crate::support::ports::free_port;
use crate::support::proc::group_members;
use crate::support::real::blocks::*;
use crate::support::real::dnsmasq::{self, Dnsmasq};
use crate::support::real::nginx::Nginx;
use crate::support::real::world::{curl_status, http1, World};
use crate::support::scenario::Scenario;
use std::time::Duration;

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

/// haproxy with `verify required` admits a client certificate from the CA and refuses the
/// handshake without one; nginx with `ssl_verify_client on` answers 400 instead.
#[test]
fn component_mtls_haproxy_and_nginx() {
    let mut w = World::new();
    let (c, rotel_http) = (w.certs.clone(), w.rotel.http_port);
    let h = w.haproxy(|p| haproxy_mtls(p, &c, rotel_http, false));
    let n = w.nginx_http(|p| {
        nginx_require_client_cert(&nginx_tls_http(p, &c.server, rotel_http), &c.ca)
    });
    let hurl = format!("https://localhost:{}/v1/traces", h.ports[0]);
    let nurl = format!("https://localhost:{}/v1/traces", n.ports[0]);
    let ca = c.ca.to_str().unwrap();
    let cert = c.client.cert.to_str().unwrap();
    let key = c.client.key.to_str().unwrap();
    let with = ["--cacert", ca, "--cert", cert, "--key", key];
    for url in [&hurl, &nurl] {
        assert_eq!(curl_status(url, &with), Ok(200), "{url} with a client cert");
    }
    let hr = curl_status(&hurl, &["--cacert", ca]);
    assert!(hr.is_err(), "haproxy without a client cert: {hr:?}");
    let nr = curl_status(&nurl, &["--cacert", ca]);
    assert_eq!(nr, Ok(400), "nginx without a client cert");
}

/// Dropping a guard kills the whole process group: nginx's master and its worker.
#[test]
fn component_guard_kills_the_process_group() {
    let dir = crate::support::real::tempdir();
    let nginx = Nginx::start(
        dir.path(),
        1,
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
    let dir = crate::support::real::tempdir();
    let dns = Dnsmasq::start(dir.path());
    let dig = |name: &str, ty: &str| {
        let out = std::process::Command::new("dig")
            .args(["@127.0.0.1", "-p", &dns.port.to_string()])
            .args(["+time=2", "+tries=1", name, ty])
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

// ---- Healthy paths ----

#[test]
fn rotel_grpc_healthy() {
    World::new().run("rotel_grpc_healthy");
}

#[test]
fn rotel_http_healthy() {
    World::new().run("rotel_http_healthy");
}

#[test]
fn nginx_tls_http_healthy() {
    let mut w = World::new();
    let (pem, up) = (w.certs.server.clone(), w.rotel.http_port);
    let _n = w.nginx_http(|p| nginx_tls_http(p, &pem, up));
    w.run("nginx_tls_http_healthy");
}

#[test]
fn nginx_tls_grpc_healthy() {
    let mut w = World::new();
    let (pem, up) = (w.certs.server.clone(), w.rotel.grpc_port);
    let _n = w.nginx_http(|p| nginx_tls_grpc(p, &pem, up));
    w.run("nginx_tls_grpc_healthy");
}

#[test]
fn haproxy_mtls_http_healthy() {
    let mut w = World::new();
    let (c, up) = (w.certs.clone(), w.rotel.http_port);
    let _h = w.haproxy(|p| haproxy_mtls(p, &c, up, false));
    w.run("haproxy_mtls_http_healthy");
}

#[test]
fn haproxy_mtls_grpc_healthy() {
    let mut w = World::new();
    let (c, up) = (w.certs.clone(), w.rotel.grpc_port);
    let _h = w.haproxy(|p| haproxy_mtls(p, &c, up, true));
    w.run("haproxy_mtls_grpc_healthy");
}

// ---- Names ----

#[test]
fn dnsmasq_name_healthy() {
    let mut w = World::new();
    let _d = w.dns();
    let (pem, up) = (w.certs.server.clone(), w.rotel.grpc_port);
    let _n = w.nginx_http(|p| nginx_tls_grpc(p, &pem, up));
    w.run("dnsmasq_name_healthy");
}

#[test]
fn dnsmasq_v4_only_healthy() {
    let mut w = World::new();
    let _d = w.dns();
    w.run("dnsmasq_v4_only_healthy");
}

#[test]
fn dnsmasq_v6_refused() {
    let mut w = World::new();
    let _d = w.dns();
    w.run("dnsmasq_v6_refused");
}

#[test]
fn dnsmasq_nxdomain() {
    let mut w = World::new();
    let _d = w.dns();
    w.run("dnsmasq_nxdomain");
}

#[test]
fn dnsmasq_no_address() {
    let mut w = World::new();
    let _d = w.dns();
    w.run("dnsmasq_no_address");
}

// ---- TLS where there is none, none where there is TLS ----

#[test]
fn rotel_tls_to_plaintext_http() {
    World::new().run("rotel_tls_to_plaintext_http");
}

#[test]
fn rotel_tls_to_plaintext_grpc() {
    World::new().run("rotel_tls_to_plaintext_grpc");
}

#[test]
fn nginx_plaintext_to_tls_http() {
    let mut w = World::new();
    let (pem, up) = (w.certs.server.clone(), w.rotel.http_port);
    let _n = w.nginx_http(|p| nginx_tls_http(p, &pem, up));
    w.run("nginx_plaintext_to_tls_http");
}

#[test]
fn nginx_plaintext_to_tls_grpc() {
    let mut w = World::new();
    let (pem, up) = (w.certs.server.clone(), w.rotel.grpc_port);
    let _n = w.nginx_http(|p| nginx_tls_grpc(p, &pem, up));
    w.run("nginx_plaintext_to_tls_grpc");
}

// ---- Certificates ----

#[test]
fn nginx_self_signed() {
    let mut w = World::new();
    let (pem, up) = (w.certs.self_signed.clone(), w.rotel.http_port);
    let _n = w.nginx_http(|p| nginx_tls_http(p, &pem, up));
    w.run("nginx_self_signed");
}

#[test]
fn nginx_wrong_name() {
    let mut w = World::new();
    let (pem, up) = (w.certs.wrong_name.clone(), w.rotel.http_port);
    let _n = w.nginx_http(|p| nginx_tls_http(p, &pem, up));
    w.run("nginx_wrong_name");
}

#[test]
fn nginx_expired() {
    let mut w = World::new();
    let (pem, up) = (w.certs.expired.clone(), w.rotel.http_port);
    let _n = w.nginx_http(|p| nginx_tls_http(p, &pem, up));
    w.run("nginx_expired");
}

#[test]
fn haproxy_mtls_no_client_cert() {
    let mut w = World::new();
    let (c, up) = (w.certs.clone(), w.rotel.http_port);
    let _h = w.haproxy(|p| haproxy_mtls(p, &c, up, false));
    w.run("haproxy_mtls_no_client_cert");
}

#[test]
fn nginx_mtls_no_client_cert() {
    let mut w = World::new();
    let (c, up) = (w.certs.clone(), w.rotel.http_port);
    let _n = w.nginx_http(|p| nginx_require_client_cert(&nginx_tls_http(p, &c.server, up), &c.ca));
    w.run("nginx_mtls_no_client_cert");
}

#[test]
fn nginx_tls_without_h2_grpc() {
    let mut w = World::new();
    let (pem, up) = (w.certs.server.clone(), w.rotel.http_port);
    let _n = w.nginx_http(|p| nginx_tls_http(p, &pem, up));
    w.run("nginx_tls_without_h2_grpc");
}

// ---- Load balancers with nothing behind them ----

#[test]
fn nginx_l4_dead_backend_http() {
    let mut w = World::new();
    let _n = w.nginx_stream(|p| nginx_stream(p, free_port()));
    w.run("nginx_l4_dead_backend_http");
}

#[test]
fn nginx_l4_dead_backend_grpc() {
    let mut w = World::new();
    let _n = w.nginx_stream(|p| nginx_stream(p, free_port()));
    w.run("nginx_l4_dead_backend_grpc");
}

#[test]
fn nginx_l4_dead_backend_tls() {
    let mut w = World::new();
    let _n = w.nginx_stream(|p| nginx_stream(p, free_port()));
    w.run("nginx_l4_dead_backend_tls");
}

#[test]
fn nginx_l7_dead_backend_http() {
    let mut w = World::new();
    let _n = w.nginx_http(|p| nginx_http(p, free_port()));
    w.run("nginx_l7_dead_backend_http");
}

#[test]
fn haproxy_l7_dead_backend_http() {
    let mut w = World::new();
    let mut h = w.haproxy(|p| haproxy_http(p, free_port()));
    // Ready for this case once its health check has marked the only server down.
    h.proc
        .wait_for_log(HAPROXY_NO_SERVER, Duration::from_secs(5))
        .unwrap();
    w.run("haproxy_l7_dead_backend_http");
}

#[test]
fn nginx_l7_dead_backend_grpc() {
    let mut w = World::new();
    let _n = w.nginx_http(|p| nginx_h2c_grpc(p, free_port()));
    w.run("nginx_l7_dead_backend_grpc");
}

// ---- The right server, the wrong port ----

#[test]
fn rotel_http_to_grpc_port() {
    World::new().run("rotel_http_to_grpc_port");
}

#[test]
fn rotel_grpc_to_http_port() {
    World::new().run("rotel_grpc_to_http_port");
}

/// Every scenario under scenarios/real/ has a test here or in real_gocol.rs, and each parses
/// (the `*.observed.txt` beside them are what probes saw, not scenarios).
#[test]
fn every_real_scenario_has_a_test() {
    let src = [
        include_str!("real_components.rs"),
        include_str!("real_gocol.rs"),
    ]
    .concat();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/real");
    for entry in std::fs::read_dir(&dir).expect("scenarios/real") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        Scenario::load(&name);
        assert!(
            src.contains(&format!("fn {name}()")),
            "{} has no test `fn {name}()` in tests/it/real_components.rs or real_gocol.rs",
            path.display()
        );
    }
}
