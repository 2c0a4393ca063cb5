//! The live side of `runner doctor collector` against recorded admin answers: the failing
//! exporter named with its explained log line, hostile answers bounded, bad URLs refused.

use crate::support::collector_admin::{recordings, serve, Recorded};

#[test]
fn the_failing_exporter_is_named_with_its_explained_log_line() {
    let dir = recordings();
    let admin = serve(Recorded {
        metrics: vec![
            std::fs::read(dir.join("tls_retrying.1.prom")).unwrap(),
            std::fs::read(dir.join("tls_retrying.2.prom")).unwrap(),
        ],
        health: None,
    });
    let url = format!("http://127.0.0.1:{}/metrics", admin.port);
    let log = dir.join("tls_retrying.log");
    let log = log.to_string_lossy();
    let flags = [
        "--metrics-url",
        &url,
        "--interval",
        "100ms",
        "--collector-log",
        &log,
    ];
    let (code, r) = crate::collector::json(&[], &flags, &[]);
    assert_eq!(code, 1, "{r}");
    let f = &r["findings"][0];
    assert_eq!(f["cause"], "collector_exporter_failing");
    assert_eq!(f["evidence"]["exporter"], "otlphttp/tls");
    assert_eq!(f["evidence"]["phase"], "retrying");
    assert_eq!(f["evidence"]["log"][0]["causes"][0], "tls_to_plaintext");
    assert!(f["summary"].as_str().unwrap().contains("otlphttp/tls"));
    assert!(f["fix"].as_str().unwrap().contains("http://"));
    let lines: Vec<&str> = r["targets"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        lines,
        ["pass", "pass", "fail"],
        "metrics read, healthy sends, tls fails"
    );
}

#[test]
fn hostile_admin_answers_are_bounded() {
    // A page past the cap, then a body that is no metrics: both are findings, not a crash.
    let big = vec![b'x'; 5 * 1024 * 1024];
    for (body, want) in [
        (big, "too_large"),
        (b"<html>hi</html>".to_vec(), "not_metrics"),
    ] {
        let admin = serve(Recorded {
            metrics: vec![body],
            health: Some((200, b"{\"status\": [1, 2, {\"deep\": null}]}".to_vec())),
        });
        let m = format!("http://127.0.0.1:{}/metrics", admin.port);
        let h = format!("http://127.0.0.1:{}/health", admin.port);
        let flags = ["--metrics-url", m.as_str(), "--health-url", h.as_str()];
        let (_, r) = crate::collector::json(&[], &flags, &[]);
        let f = r["findings"].as_array().unwrap();
        assert!(
            f.iter().any(|f| f["cause"] == "collector_admin_unreachable"
                && f["evidence"]["error"]["kind"] == want),
            "{r}"
        );
    }
}

#[test]
fn a_url_that_is_not_http_exits_2_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let _ = dir;
    let (code, _) = {
        let out = std::process::Command::new(crate::support::process::runner_bin())
            .args(["doctor", "collector", "--metrics-url", "ftp://x/metrics"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            err.contains("--metrics-url") && err.contains("http://"),
            "{err}"
        );
        (out.status.code(), err)
    };
    assert_eq!(code, Some(2));
}
