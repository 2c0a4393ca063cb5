//! Bounded output: a certificate with 5,000 subject alternative names yields a report of a
//! few KiB that says how many names there are and shows the first 20.

use std::process::{Command, Stdio};
use std::sync::Arc;

fn bin() -> std::path::PathBuf {
    std::env::var_os("RUNNER_TEST_BIN")
        .map(Into::into)
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_runner").into())
}

/// A TLS server on 127.0.0.1:0 presenting `cert`, which does not name 127.0.0.1.
async fn tls_server(cert: &rcgen::Certificate, key: &rcgen::KeyPair) -> u16 {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![CertificateDer::from(cert.der().to_vec())],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    )
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(s) = acceptor.accept(tcp).await {
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                    drop(s);
                }
            });
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_thousand_sans_are_counted_not_listed() {
    let names: Vec<String> = (0..5000).map(|i| format!("h{i}.t")).collect();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(names)
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, cert.pem()).unwrap();
    let port = tls_server(&cert, &key).await;
    for mode in [vec!["--json"], vec!["-v"], vec![]] {
        let mut c = Command::new(bin());
        c.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .stdin(Stdio::null())
            .args([
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
