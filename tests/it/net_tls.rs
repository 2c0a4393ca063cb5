//! The tls stage against in-process rustls servers and raw peers on 127.0.0.1.

use crate::support::certs::{self, Ca, Leaf};
use crate::support::doctor_run::*;
use crate::support::probe::raw_server;
use crate::support::settings::{signal_settings, with_ca, with_client};
use crate::support::tls::{server_config, tls_server, ServerOpts};
use runner::cause::{Cause, Severity, Stage};
use runner::config::{Protocol, Signal, SignalSettings};
use runner::report::{Report, Status};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TIMEOUT_MS: u64 = 1500;

fn grpcs(addr: SocketAddr) -> SignalSettings {
    signal_settings(Signal::Traces, &format!("https://{addr}"), Protocol::Grpc)
}

async fn run(s: SignalSettings) -> Report {
    doctor(vec![s], &opts(TIMEOUT_MS)).await
}

fn assert_tls_error(r: &Report, cause: Cause) -> runner::cause::Finding {
    let f = only(r, cause);
    assert_eq!(
        (f.stage, f.severity),
        (Stage::Tls, Severity::Error),
        "{}",
        dump(r)
    );
    assert_eq!(status(r, Stage::Tls), Status::Fail);
    assert_eq!(status(r, Stage::Protocol), Status::Skip);
    f
}

struct Pki {
    _dir: tempfile::TempDir,
    ca: Ca,
    ca_file: std::path::PathBuf,
    dir: std::path::PathBuf,
}

fn pki() -> Pki {
    let dir = tempfile::tempdir().unwrap();
    let ca = certs::ca("Test Collector CA");
    let ca_file = certs::write(dir.path(), "ca.pem", &ca.pem);
    Pki {
        dir: dir.path().to_owned(),
        _dir: dir,
        ca,
        ca_file,
    }
}

async fn server_with(leaf: &Leaf, o: ServerOpts) -> SocketAddr {
    tls_server(server_config(vec![leaf.der.clone()], leaf.key(), o)).await
}

#[tokio::test]
async fn healthy_handshake_records_version_alpn_and_chain() {
    let p = pki();
    let leaf = certs::leaf_for(&["127.0.0.1", "collector.test"], Some(&p.ca), None);
    let addr = server_with(&leaf, ServerOpts::default()).await;
    let r = run(with_ca(grpcs(addr), p.ca_file.clone())).await;
    let c = check(&r, Signal::Traces, Stage::Tls);
    assert_eq!(c.status, Status::Pass, "{}", dump(&r));
    assert_eq!(c.evidence["version"], "TLSv1_3");
    assert_eq!(c.evidence["alpn"], "h2");
    assert!(c.evidence["cipher"].as_str().unwrap().starts_with("TLS13_"));
    let leaf_ev = &c.evidence["chain"][0];
    assert_eq!(leaf_ev["sans"][0], "127.0.0.1");
    assert_eq!(leaf_ev["sans"][1], "collector.test");
    assert!(leaf_ev["issuer"]
        .as_str()
        .unwrap()
        .contains("Test Collector CA"));
    assert_eq!(leaf_ev["sha256"].as_str().unwrap().len(), 64);
    assert!(
        r.findings.iter().all(|f| f.stage != Stage::Tls),
        "{}",
        dump(&r)
    );
}

#[tokio::test]
async fn unknown_ca_keeps_the_chain_as_evidence() {
    let p = pki();
    let leaf = certs::leaf_for(&["127.0.0.1"], Some(&p.ca), None);
    let addr = server_with(&leaf, ServerOpts::default()).await;
    let r = run(grpcs(addr)).await;
    let f = assert_tls_error(&r, Cause::TlsUnknownCa);
    assert!(f.fix.contains("OTEL_EXPORTER_OTLP_CERTIFICATE"));
    assert!(f.summary.contains("Test Collector CA"), "{}", f.summary);
    let c = check(&r, Signal::Traces, Stage::Tls);
    assert_eq!(c.evidence["chain"][0]["sans"][0], "127.0.0.1");
}

#[tokio::test]
async fn self_signed_is_unknown_ca() {
    let leaf = certs::leaf_for(&["127.0.0.1"], None, None);
    let addr = server_with(&leaf, ServerOpts::default()).await;
    let r = run(grpcs(addr)).await;
    let f = assert_tls_error(&r, Cause::TlsUnknownCa);
    assert!(f.summary.contains("self-signed"), "{}", f.summary);
}

#[tokio::test]
async fn self_signed_named_like_a_trusted_ca_is_unknown_ca() {
    // Like a self-signed CN=localhost against Debian's snakeoil certificate (also CN=localhost)
    // in /etc/ssl/certs: the issuer's name matches a trusted certificate, whose key then fails
    // to verify the signature (rustls: BadSignature). Nothing trusted signed this chain.
    // Same key type (rustls BadSignature), and another key type (an Ed25519 namesake: rustls
    // UnsupportedSignatureAlgorithmForPublicKey, as with an RSA snakeoil and an ECDSA leaf).
    let dir = tempfile::tempdir().unwrap();
    let same_type = certs::ca("127.0.0.1").pem;
    let other_type = {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "127.0.0.1");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
        params.self_signed(&key).unwrap().pem()
    };
    for (variant, namesake) in [
        ("BadSignature", same_type),
        ("UnsupportedSignatureAlgorithmForPublicKey", other_type),
    ] {
        let ca_file = certs::write(dir.path(), "ca.pem", &namesake);
        let leaf = certs::leaf_for(&["127.0.0.1"], None, None);
        let addr = server_with(&leaf, ServerOpts::default()).await;
        let r = run(with_ca(grpcs(addr), ca_file)).await;
        let f = assert_tls_error(&r, Cause::TlsUnknownCa);
        assert!(f.summary.contains("self-signed"), "{}", f.summary);
        assert!(
            f.explanation.contains("same name") && f.explanation.contains("did not sign"),
            "{}",
            f.explanation
        );
        assert!(f.explanation.contains(variant), "{}", f.explanation);
        assert!(
            f.fix.contains("OTEL_EXPORTER_OTLP_CERTIFICATE"),
            "{}",
            f.fix
        );
        assert!(
            r.findings
                .iter()
                .all(|f| f.cause != Cause::TlsHandshakeFailed),
            "{}",
            dump(&r)
        );
    }
}

#[tokio::test]
async fn wrong_name_lists_the_valid_names() {
    let p = pki();
    let leaf = certs::leaf_for(&["collector.internal", "otel.example"], Some(&p.ca), None);
    let addr = server_with(&leaf, ServerOpts::default()).await;
    let r = run(with_ca(grpcs(addr), p.ca_file.clone())).await;
    let f = assert_tls_error(&r, Cause::TlsHostnameMismatch);
    assert!(
        f.explanation.contains("`collector.internal`"),
        "{}",
        f.explanation
    );
    assert!(
        f.explanation.contains("`otel.example`"),
        "{}",
        f.explanation
    );
    assert!(f.summary.contains("127.0.0.1"));
}

#[tokio::test]
async fn expired() {
    let p = pki();
    let leaf = certs::leaf_for(&["127.0.0.1"], Some(&p.ca), Some((2019, 2020)));
    let addr = server_with(&leaf, ServerOpts::default()).await;
    let r = run(with_ca(grpcs(addr), p.ca_file.clone())).await;
    let f = assert_tls_error(&r, Cause::TlsCertExpired);
    assert!(f.summary.contains("2020-01-01"), "{}", f.summary);
}

#[tokio::test]
async fn not_yet_valid_hints_at_the_clock() {
    let p = pki();
    let leaf = certs::leaf_for(&["127.0.0.1"], Some(&p.ca), Some((2100, 2101)));
    let addr = server_with(&leaf, ServerOpts::default()).await;
    let r = run(with_ca(grpcs(addr), p.ca_file.clone())).await;
    let f = assert_tls_error(&r, Cause::TlsCertNotYetValid);
    assert!(f.summary.contains("2100-01-01"), "{}", f.summary);
    assert!(f.explanation.contains("clock"), "{}", f.explanation);
}

fn mtls_opts(client_ca: &Ca, tls12_only: bool) -> ServerOpts {
    ServerOpts {
        tls12_only,
        client_ca: Some(client_ca.der.clone()),
        ..ServerOpts::default()
    }
}

#[tokio::test]
async fn client_certificate_required() {
    for tls12 in [false, true] {
        let p = pki();
        let client_ca = certs::ca("Client CA");
        let leaf = certs::leaf_for(&["127.0.0.1"], Some(&p.ca), None);
        let addr = server_with(&leaf, mtls_opts(&client_ca, tls12)).await;
        let r = run(with_ca(grpcs(addr), p.ca_file.clone())).await;
        let f = assert_tls_error(&r, Cause::TlsClientCertRequired);
        assert!(f.fix.contains("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"));
        let c = check(&r, Signal::Traces, Stage::Tls);
        assert_eq!(
            c.evidence["client_certificate"]["requested"], true,
            "tls12={tls12}"
        );
    }
}

#[tokio::test]
async fn client_certificate_rejected_and_accepted() {
    for tls12 in [false, true] {
        let p = pki();
        let client_ca = certs::ca("Client CA");
        let leaf = certs::leaf_for(&["127.0.0.1"], Some(&p.ca), None);
        let addr = server_with(&leaf, mtls_opts(&client_ca, tls12)).await;

        // Issued by a CA the server does not trust.
        let stranger = certs::leaf_for(&["runner"], Some(&certs::ca("Other CA")), None);
        let cert = certs::write(&p.dir, "bad.pem", &stranger.pem);
        let key = certs::write(&p.dir, "bad.key", &stranger.key_pem);
        let s = with_client(with_ca(grpcs(addr), p.ca_file.clone()), cert, key);
        let r = run(s).await;
        let f = assert_tls_error(&r, Cause::TlsClientCertRejected);
        assert!(f.summary.contains("bad.pem"), "{}", f.summary);

        // Issued by the right CA: the handshake passes.
        let good = certs::leaf_for(&["runner"], Some(&client_ca), None);
        let cert = certs::write(&p.dir, "good.pem", &good.pem);
        let key = certs::write(&p.dir, "good.key", &good.key_pem);
        let s = with_client(with_ca(grpcs(addr), p.ca_file.clone()), cert, key);
        let r = run(s).await;
        assert_eq!(
            status(&r, Stage::Tls),
            Status::Pass,
            "tls12={tls12}: {}",
            dump(&r)
        );
        let c = check(&r, Signal::Traces, Stage::Tls);
        assert_eq!(c.evidence["client_certificate"]["sent"], true);
    }
}

#[tokio::test]
async fn tls12_only_server_passes_with_its_version() {
    let p = pki();
    let leaf = certs::leaf_for(&["127.0.0.1"], Some(&p.ca), None);
    let o = ServerOpts {
        tls12_only: true,
        ..ServerOpts::default()
    };
    let addr = server_with(&leaf, o).await;
    let r = run(with_ca(grpcs(addr), p.ca_file.clone())).await;
    let c = check(&r, Signal::Traces, Stage::Tls);
    assert_eq!(c.status, Status::Pass, "{}", dump(&r));
    assert_eq!(c.evidence["version"], "TLSv1_2");
}

/// An old server (TLS 1.0/1.1 only) answers a modern ClientHello with `protocol_version`.
#[tokio::test]
async fn protocol_version_alert_is_version_unsupported() {
    let addr = raw_server(|mut c| async move {
        let mut buf = [0u8; 4096];
        let _ = c.read(&mut buf).await;
        let _ = c.write_all(&[0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 70]).await;
        let _ = c.shutdown().await;
        let _ = c.read(&mut buf).await;
    })
    .await;
    let r = run(grpcs(addr)).await;
    let f = assert_tls_error(&r, Cause::TlsVersionUnsupported);
    assert!(f.fix.contains("1.2"));
}

#[tokio::test]
async fn grpc_needs_h2_alpn() {
    let p = pki();
    let leaf = certs::leaf_for(&["127.0.0.1"], Some(&p.ca), None);
    // No ALPN at all: the handshake succeeds, without h2.
    let no_alpn = ServerOpts {
        alpn: vec![],
        ..ServerOpts::default()
    };
    let addr = server_with(&leaf, no_alpn).await;
    let r = run(with_ca(grpcs(addr), p.ca_file.clone())).await;
    let f = assert_tls_error(&r, Cause::TlsAlpnH2Missing);
    assert!(
        f.summary.contains("no application protocol"),
        "{}",
        f.summary
    );

    // HTTP exporters do not need h2.
    let mut http = signal_settings(
        Signal::Traces,
        &format!("https://{addr}"),
        Protocol::HttpProtobuf,
    );
    http = with_ca(http, p.ca_file.clone());
    let r = run(http).await;
    assert_eq!(status(&r, Stage::Tls), Status::Pass, "{}", dump(&r));

    // http/1.1 only: rustls refuses our h2-only offer with no_application_protocol.
    let h1 = ServerOpts {
        alpn: vec![b"http/1.1".to_vec()],
        ..ServerOpts::default()
    };
    let addr = server_with(&leaf, h1).await;
    let r = run(with_ca(grpcs(addr), p.ca_file.clone())).await;
    assert_tls_error(&r, Cause::TlsAlpnH2Missing);
}

/// A plaintext HTTP/1 server: answers anything with a 400.
async fn http1_server() -> SocketAddr {
    raw_server(|mut c| async move {
        let mut buf = [0u8; 4096];
        if matches!(c.read(&mut buf).await, Ok(n) if n > 0) {
            let _ = c
                .write_all(
                    b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                )
                .await;
        }
    })
    .await
}

#[tokio::test]
async fn tls_to_plaintext_http1_is_verified() {
    let addr = http1_server().await;
    let s = signal_settings(
        Signal::Traces,
        &format!("https://{addr}"),
        Protocol::HttpProtobuf,
    );
    let r = run(s).await;
    let f = assert_tls_error(&r, Cause::TlsToPlaintext);
    assert!(f.fix_verified, "{}", dump(&r));
    assert!(
        f.fix.contains(&format!("http://127.0.0.1:{}", addr.port())),
        "{}",
        f.fix
    );
    assert!(f.fix.contains("OTEL_EXPORTER_OTLP_ENDPOINT"), "{}", f.fix);
    assert!(f.explanation.contains("HTTP/1.1 400"), "{}", f.explanation);
}

/// A plaintext h2c server (like the collector's gRPC receiver) sends SETTINGS first.
#[tokio::test]
async fn tls_to_plaintext_h2c_is_verified() {
    let addr = raw_server(|mut c| async move {
        let _ = c.write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0]).await;
        let mut buf = [0u8; 4096];
        while matches!(c.read(&mut buf).await, Ok(n) if n > 0) {}
    })
    .await;
    let r = run(grpcs(addr)).await;
    let f = assert_tls_error(&r, Cause::TlsToPlaintext);
    assert!(f.fix_verified);
    assert!(f.explanation.contains("SETTINGS"), "{}", f.explanation);
    assert_eq!(f.evidence["plaintext_retry"]["answered"], true);
}

#[tokio::test]
async fn accept_then_close_eof_and_reset() {
    for reset in [false, true] {
        let addr = raw_server(move |c| async move {
            let mut c = c;
            let mut buf = [0u8; 4096];
            let _ = c.read(&mut buf).await;
            if reset {
                // SO_LINGER 0: closing sends a reset instead of a FIN.
                #[allow(deprecated)]
                let _ = c.set_linger(Some(Duration::ZERO));
            }
            drop(c);
        })
        .await;
        let r = run(grpcs(addr)).await;
        let f = assert_tls_error(&r, Cause::AcceptThenClose);
        assert!(!f.fix_verified);
        let want = if reset { "reset" } else { "closed" };
        assert!(f.summary.contains(want), "reset={reset}: {}", f.summary);
    }
}

#[tokio::test]
async fn reset_mid_handshake_is_connection_reset() {
    let addr = raw_server(|mut c| async move {
        let mut buf = [0u8; 4096];
        let _ = c.read(&mut buf).await;
        // The start of a ServerHello record, then a reset.
        let _ = c
            .write_all(&[0x16, 0x03, 0x03, 0x00, 0x40, 0x02, 0x00])
            .await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        #[allow(deprecated)]
        let _ = c.set_linger(Some(Duration::ZERO));
        drop(c);
    })
    .await;
    let r = run(grpcs(addr)).await;
    assert_tls_error(&r, Cause::ConnectionReset);
}

/// Verifying a `plaintext_to_tls` fix takes the whole handshake with the configured trust: a
/// ServerHello alone says what is still missing, plaintext gets no ServerHello.
#[tokio::test]
async fn try_handshake_needs_the_whole_handshake() {
    use runner::facts::{Observed, TlsShortfall};
    let p = pki();
    let leaf = certs::leaf_for(&["127.0.0.1"], Some(&p.ca), None);
    let tls = server_with(&leaf, ServerOpts::default()).await;
    let plain = http1_server().await;
    let try_at = |addr: SocketAddr, ca: Option<std::path::PathBuf>| async move {
        let mut fx = crate::support::probe::Fixture::new(
            &format!("http://{addr}/v1/traces"),
            Protocol::HttpProtobuf,
        );
        if let Some(ca) = ca {
            fx.settings = with_ca(fx.settings, ca);
        }
        runner::doctor::tls::try_handshake(&fx.probe(), addr).await
    };
    assert_eq!(
        try_at(tls, Some(p.ca_file.clone())).await,
        Observed::TlsHandshake
    );
    assert_eq!(
        try_at(tls, None).await,
        Observed::ServerHello(TlsShortfall::Trust {
            ca_configured: false
        })
    );
    assert_eq!(try_at(plain, None).await, Observed::NoServerHello);
}

/// A server certificate made like `openssl req -x509` (self-signed, `CA:TRUE`) is trusted when
/// the CA file is exactly that certificate, with an info finding; with another CA:TRUE
/// certificate as the CA file it is an unknown CA, named, never a generic handshake failure.
#[tokio::test]
async fn a_ca_marked_self_signed_certificate_is_trusted_only_as_itself() {
    let p = pki();
    let mut params = certs::leaf_params(&["127.0.0.1"], "127.0.0.1");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let own = certs::leaf(params, None);
    let own_file = certs::write(&p.dir, "own.pem", &own.pem);
    let addr = server_with(&own, ServerOpts::default()).await;

    let r = run(with_ca(grpcs(addr), own_file)).await;
    assert_eq!(status(&r, Stage::Tls), Status::Pass, "{}", dump(&r));
    let f = only(&r, Cause::TlsServerCertIsCa);
    assert_eq!(f.severity, Severity::Info, "{}", dump(&r));
    assert!(f.explanation.contains("CA:TRUE"), "{}", f.explanation);

    // The scenario CA is CA:TRUE too, but it is not the server's certificate.
    let r = run(with_ca(grpcs(addr), p.ca_file.clone())).await;
    let f = assert_tls_error(&r, Cause::TlsUnknownCa);
    assert!(
        f.explanation.contains("CaUsedAsEndEntity"),
        "{}",
        f.explanation
    );
    assert!(r
        .findings
        .iter()
        .all(|f| f.cause != Cause::TlsHandshakeFailed));
}

/// Bytes that are neither TLS nor HTTP (a database or another service's banner), and no HTTP
/// answer to plaintext either: a handshake failure with the bytes as evidence, never
/// tls_to_plaintext with an `http://` fix nothing supports.
#[tokio::test]
async fn non_tls_non_http_answer_is_a_handshake_failure() {
    for answer in [
        &b"\x4a\x00\x00\x00\x0a8.0.36\x00garbage"[..],
        b"220 smtp.test ESMTP\r\n",
    ] {
        let addr = raw_server(move |mut c| async move {
            let mut buf = [0u8; 4096];
            let _ = c.read(&mut buf).await;
            let _ = c.write_all(answer).await;
            tokio::time::sleep(Duration::from_millis(100)).await;
        })
        .await;
        let r = run(grpcs(addr)).await;
        let f = assert_tls_error(&r, Cause::TlsHandshakeFailed);
        assert!(!f.fix.contains("http://"), "{}", f.fix);
        assert!(!f.fix_verified);
        assert_eq!(
            f.evidence["plaintext_retry"]["answered"],
            false,
            "{}",
            dump(&r)
        );
        assert!(
            r.findings.iter().all(|f| f.cause != Cause::TlsToPlaintext),
            "{}",
            dump(&r)
        );
    }
}

/// A TLS 1.2 server that asks for a client certificate, then alerts and resets at once, racing
/// the client's flight: the request it saw and the alert (read after a write error if the
/// reset wins) name tls_client_cert_required, whichever the timing.
#[tokio::test]
async fn tls12_alert_and_reset_after_cert_request_is_cert_required() {
    let p = pki();
    let client_ca = certs::ca("Client CA");
    let leaf = certs::leaf_for(&["127.0.0.1"], Some(&p.ca), None);
    let config = Arc::new(server_config(
        vec![leaf.der.clone()],
        leaf.key(),
        mtls_opts(&client_ca, true),
    ));
    let addr = raw_server(move |mut c| {
        let config = config.clone();
        async move {
            let mut conn = rustls::ServerConnection::new(config).unwrap();
            let mut buf = vec![0u8; 16 * 1024];
            // Read until the ClientHello is processed and the server flight is ready.
            while !conn.wants_write() {
                let Ok(n) = c.read(&mut buf).await else {
                    return;
                };
                if n == 0 || conn.read_tls(&mut &buf[..n]).is_err() {
                    return;
                }
                if conn.process_new_packets().is_err() {
                    return;
                }
            }
            let mut flight = Vec::new();
            while conn.wants_write() {
                conn.write_tls(&mut flight).unwrap();
            }
            let _ = c.write_all(&flight).await;
            // certificate_required, fatal; then a reset instead of a FIN.
            let _ = c
                .write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 116])
                .await;
            #[allow(deprecated)]
            let _ = c.set_linger(Some(Duration::ZERO));
            drop(c);
        }
    })
    .await;
    for _ in 0..5 {
        let r = run(with_ca(grpcs(addr), p.ca_file.clone())).await;
        let f = assert_tls_error(&r, Cause::TlsClientCertRequired);
        assert!(f.fix.contains("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"));
    }
}

/// A TLS 1.3 server that requires a client certificate and, like a real HTTP/2 server, answers
/// the client's first bytes with its SETTINGS frame.
async fn answering_mtls_server(leaf: &Leaf, client_ca: &Ca) -> SocketAddr {
    let config = server_config(
        vec![leaf.der.clone()],
        leaf.key(),
        mtls_opts(client_ca, false),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    tokio::spawn(async move {
        while let Ok((tcp, _)) = l.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(mut tls) = acceptor.accept(tcp).await {
                    let mut buf = [0u8; 1024];
                    if matches!(tls.read(&mut buf).await, Ok(n) if n > 0) {
                        let _ = tls.write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0]).await;
                        let _ = tls.flush().await;
                    }
                    while matches!(tls.read(&mut buf).await, Ok(n) if n > 0) {}
                }
            });
        }
    });
    addr
}

/// Healthy TLS 1.3 mTLS is decided from the server's first answer, not after a fixed wait for
/// an alert that never comes: tens of milliseconds, not the old 500 ms (a third of the timeout).
#[tokio::test]
async fn healthy_mtls_is_decided_from_the_first_answer() {
    let p = pki();
    let client_ca = certs::ca("Client CA");
    let leaf = certs::leaf_for(&["127.0.0.1"], Some(&p.ca), None);
    let addr = answering_mtls_server(&leaf, &client_ca).await;
    let good = certs::leaf_for(&["runner"], Some(&client_ca), None);
    let cert = certs::write(&p.dir, "good.pem", &good.pem);
    let key = certs::write(&p.dir, "good.key", &good.key_pem);
    let s = with_client(with_ca(grpcs(addr), p.ca_file.clone()), cert, key);
    let r = run(s).await;
    assert_eq!(status(&r, Stage::Tls), Status::Pass, "{}", dump(&r));
    let c = check(&r, Signal::Traces, Stage::Tls);
    assert!(
        c.duration_ms < 300,
        "tls took {} ms: {}",
        c.duration_ms,
        dump(&r)
    );
}
