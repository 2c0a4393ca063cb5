//! Bounded output: a certificate with 5,000 subject alternative names yields a report of a
//! few KiB that says how many names there are and shows the first 20.

use crate::support::certs;
use crate::support::process::cli;
use crate::support::tls::{server_config, tls_server, ServerOpts};

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
