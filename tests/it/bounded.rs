//! Bounded output and bounded waits: a certificate with 5,000 subject alternative names yields
//! a report of a few KiB; with `--timeout 1s` given, every blocked answer wait ends within about
//! a second (not the exporter's 10 s) and the finding says `--timeout` cut it short (issue 22).

use crate::blame::{answer_then_hold, raw_server, read_head};
use crate::blame_time::{check, doctor_with, http_env, silent_proxy_env, trickling_body};
use crate::support::certs;
use crate::support::process::cli;
use crate::support::tls::{server_config, tls_server, ServerOpts};
use runner::doctor::DoctorOptions;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_thousand_sans_are_counted_not_listed() {
    let names: Vec<String> = (0..5000).map(|i| format!("h{i}.t")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    // Self-signed, so it is its own CA; it does not name 127.0.0.1.
    let cert = certs::leaf(certs::leaf_params(&names, "h0.t"), None);
    let dir = tempfile::tempdir().unwrap();
    let ca = certs::write(dir.path(), "ca.pem", &cert.pem);
    let opts = ServerOpts {
        alpn: vec![],
        ..ServerOpts::default()
    };
    let port = tls_server(server_config(vec![cert.der.clone()], cert.key(), opts))
        .await
        .port();
    for mode in [vec!["--json"], vec!["-v"], vec![]] {
        let mut c = cli();
        c.args([
            "doctor",
            "otel",
            "--no-canary",
            "--timeout",
            "2s",
            "--protocol",
            "grpc",
        ])
        .arg("--endpoint")
        .arg(format!("https://127.0.0.1:{port}"))
        .arg("--ca-file")
        .arg(&ca)
        .args(&mode);
        let out = tokio::task::spawn_blocking(move || c.output().unwrap())
            .await
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{mode:?}: {text}");
        assert!(text.contains("tls_hostname_mismatch"), "{mode:?}: {text}");
        assert!(
            text.contains("`h19.t`") && !text.contains("`h20.t`"),
            "{mode:?}"
        );
        assert!(
            out.stdout.len() < 64 * 1024,
            "{mode:?}: {} bytes",
            out.stdout.len()
        );
        let long_line = text.lines().max_by_key(|l| l.len()).unwrap_or("");
        let longest = long_line.len();
        if mode != ["--json"] {
            assert!(
                text.contains("5000 names, first 20 shown"),
                "{mode:?}: {text}"
            );
            assert!(
                longest < 8 * 1024,
                "{mode:?}: a line of {longest} bytes: {}",
                long_line.chars().take(600).collect::<String>()
            );
        } else {
            assert!(text.contains("\"sans_total\": 5000"), "{text}");
        }
    }
}

/// Wall time allowed with `--timeout 1s` given: the bound plus generous slack for a loaded
/// debug build (measured times are in BENCHMARKS.md); the exporter's 10 s is far beyond.
const GIVEN_BUDGET: Duration = Duration::from_millis(3000);

/// The whole doctor as `runner doctor otel --timeout 1s`, the exporter's timeout left alone.
async fn given_1s(env: Vec<(&'static str, String)>) -> (serde_json::Value, Duration) {
    let opts = DoctorOptions {
        timeout: Duration::from_secs(1),
        timeout_given: true,
        ..DoctorOptions::default()
    };
    doctor_with(env, &opts).await
}

/// The wait ended at the 1 s bound, the `cause` finding says `--timeout` cut it short of the
/// exporter's 10 s, and the canary did not wait again.
fn assert_cut_short(report: &serde_json::Value, took: Duration, cause: &str) {
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["cause"] == cause)
        .unwrap_or_else(|| panic!("no {cause}: {report:#}"));
    let summary = f["summary"].as_str().unwrap();
    assert!(
        summary.contains("1 s (--timeout") && summary.contains("the exporter waits 10 s"),
        "{summary}"
    );
    assert_eq!(check(report, "canary")["status"], "skip");
    assert!(took < GIVEN_BUDGET, "took {took:?}: {report:#}");
}

fn grpc_env(ep: SocketAddr) -> Vec<(&'static str, String)> {
    vec![
        ("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://{ep}")),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc".into()),
    ]
}

/// An HTTP/2 peer: reads the client's preface, writes `greeting`, then `frame` every 5 ms (or
/// nothing more when `frame` is empty) for a minute.
async fn h2_peer(greeting: &'static [u8], frame: &'static [u8]) -> SocketAddr {
    raw_server(move |mut s| async move {
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf).await;
        let _ = s.write_all(greeting).await;
        for _ in 0..12_000 {
            if !frame.is_empty() && s.write_all(frame).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
}

/// An empty SETTINGS frame: a server's greeting.
const SETTINGS: &[u8] = &[0, 0, 0, 4, 0, 0, 0, 0, 0];

#[tokio::test(flavor = "multi_thread")]
async fn given_timeout_bounds_a_silent_server() {
    let silent = answer_then_hold(b"").await;
    let (report, took) = given_1s(http_env(silent)).await;
    assert_cut_short(&report, took, "response_timeout");
    let (report, took) = given_1s(grpc_env(silent)).await;
    assert_cut_short(&report, took, "response_timeout");
}

#[tokio::test(flavor = "multi_thread")]
async fn given_timeout_bounds_a_trickling_body() {
    let ep = trickling_body().await;
    let (report, took) = given_1s(http_env(ep)).await;
    assert_cut_short(&report, took, "response_timeout");
}

#[tokio::test(flavor = "multi_thread")]
async fn given_timeout_bounds_an_endless_100_continue() {
    let ep = raw_server(|mut s| async move {
        let _ = read_head(&mut s).await;
        for _ in 0..1200 {
            if s.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    let (report, took) = given_1s(http_env(ep)).await;
    assert_cut_short(&report, took, "response_timeout");
}

#[tokio::test(flavor = "multi_thread")]
async fn given_timeout_bounds_an_h2_settings_flood() {
    let ep = h2_peer(SETTINGS, SETTINGS).await;
    let (report, took) = given_1s(grpc_env(ep)).await;
    assert_cut_short(&report, took, "response_timeout");
}

#[tokio::test(flavor = "multi_thread")]
async fn given_timeout_bounds_an_h2_ping_flood() {
    let ping: &[u8] = &[0, 0, 8, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8];
    let ep = h2_peer(SETTINGS, ping).await;
    let (report, took) = given_1s(grpc_env(ep)).await;
    assert_cut_short(&report, took, "response_timeout");
}

#[tokio::test(flavor = "multi_thread")]
async fn given_timeout_bounds_a_stalled_flow_control_window() {
    // SETTINGS_INITIAL_WINDOW_SIZE = 0 and an ACK of the client's settings, then no
    // WINDOW_UPDATE ever: the request body can never be sent.
    let greeting: &[u8] = &[
        0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, // SETTINGS: initial window 0
        0, 0, 0, 4, 1, 0, 0, 0, 0, // SETTINGS ACK
    ];
    let ep = h2_peer(greeting, b"").await;
    let (report, took) = given_1s(grpc_env(ep)).await;
    assert_cut_short(&report, took, "response_timeout");
}

#[tokio::test(flavor = "multi_thread")]
async fn given_timeout_bounds_a_silent_forward_proxy() {
    let (report, took) = given_1s(silent_proxy_env().await).await;
    assert_cut_short(&report, took, "proxy_failure");
}

#[tokio::test(flavor = "multi_thread")]
async fn given_timeout_bounds_the_wait_when_the_exporter_timeout_is_invalid() {
    let silent = answer_then_hold(b"").await;
    // Each falls back to the default 10 s (with a config finding); `--timeout` still bounds.
    for bad in ["-1", "abc", "1e309"] {
        let mut env = http_env(silent);
        env.push(("OTEL_EXPORTER_OTLP_TIMEOUT", bad.to_string()));
        let (report, took) = given_1s(env).await;
        assert_cut_short(&report, took, "response_timeout");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn without_timeout_a_silent_server_gets_the_exporters_whole_timeout() {
    let silent = answer_then_hold(b"").await;
    let mut env = http_env(silent);
    env.push(("OTEL_EXPORTER_OTLP_TIMEOUT", "1500".to_string()));
    // Not given: 500 ms bounds connection steps only; the answer gets the exporter's 1.5 s.
    let opts = DoctorOptions {
        timeout: Duration::from_millis(500),
        ..DoctorOptions::default()
    };
    let (report, took) = doctor_with(env, &opts).await;
    assert!(took >= Duration::from_millis(1500), "took {took:?}");
    assert!(took < Duration::from_secs(6), "took {took:?}");
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["cause"] == "response_timeout")
        .unwrap_or_else(|| panic!("{report:#}"));
    let summary = f["summary"].as_str().unwrap();
    assert!(
        summary.contains("no answer within 1.5 s (the exporter's timeout)"),
        "{summary}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_timeout_bounds_a_bundle_against_a_trickling_server() {
    let ep = trickling_body().await;
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("b.tar.gz");
    let mut c = cli();
    c.current_dir(dir.path())
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://{ep}"))
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
        .args(["doctor", "bundle", "--timeout", "1s", "-o"])
        .arg(&archive);
    let t0 = std::time::Instant::now();
    let out = tokio::task::spawn_blocking(move || c.output().unwrap())
        .await
        .unwrap();
    let took = t0.elapsed();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    // A process start, the bundle's other items and one bound: far under the exporter's 10 s.
    assert!(took < Duration::from_secs(5), "took {took:?}");
    let into = dir.path().join("x");
    crate::bundle::untar(&archive, &into);
    let listing: Vec<_> = std::fs::read_dir(&into).unwrap().flatten().collect();
    let top = listing[0].path();
    let doctor = std::fs::read_to_string(top.join("doctor.json"))
        .or_else(|_| std::fs::read_to_string(into.join("doctor.json")))
        .unwrap();
    assert!(
        doctor.contains("(--timeout; the exporter waits 10 s)"),
        "{doctor}"
    );
}
