//! Proves the building blocks behave as their scenarios claim, with real clients, independently
//! of the doctor (included only by tests/scenarios.rs).

use super::certs::{Pki, ServerCertKind};
use super::{dns, proxy, server};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn spec(toml_text: &str) -> server::ServerSpec {
    toml::from_str(toml_text).unwrap()
}

fn one_span() -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![KeyValue {
                    key: "service.name".into(),
                    value: Some(AnyValue {
                        value: Some(any_value::Value::StringValue("selftest".into())),
                    }),
                    ..Default::default()
                }],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans: vec![Span {
                    trace_id: vec![0xab; 16],
                    span_id: vec![0xcd; 8],
                    name: "selftest".into(),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

/// Sends one raw HTTP/1.1 request and returns the whole answer as text.
async fn http1(port: u16, head: &str, body: &[u8]) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(body).await.unwrap();
    let mut buf = vec![0u8; 8192];
    let n = tokio::time::timeout(Duration::from_secs(3), s.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn otlp_http_receiver_records_and_answers_like_a_collector() {
    runtime().block_on(async {
        let tmp = tempfile::tempdir().unwrap();
        let pki = Pki::new(tmp.path());
        let srv = server::start(&spec("kind = \"otlp_http\""), &pki)
            .await
            .unwrap();
        let port = srv.ports[0].1;
        let body = one_span().encode_to_vec();
        let head = format!(
            "POST /v1/traces HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-protobuf\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        );
        let answer = http1(port, &head, &body).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        let got = srv.received.as_ref().unwrap().lock().unwrap().clone();
        assert_eq!(got.spans, 1);
        assert_eq!(got.service_names, vec!["selftest".to_string()]);
        assert_eq!(got.trace_ids, vec!["ab".repeat(16)]);

        let a = http1(port, "POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\r\n", b"").await;
        assert!(a.starts_with("HTTP/1.1 404"), "{a}");
        let a = http1(port, "GET /v1/traces HTTP/1.1\r\nhost: x\r\n\r\n", b"").await;
        assert!(a.starts_with("HTTP/1.1 405"), "{a}");
        let a = http1(
            port,
            "POST /v1/traces HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain\r\ncontent-length: 0\r\n\r\n",
            b"",
        )
        .await;
        assert!(a.starts_with("HTTP/1.1 415"), "{a}");
    });
}

#[test]
fn otlp_grpc_receiver_over_tls_and_its_statuses() {
    runtime().block_on(async {
        let tmp = tempfile::tempdir().unwrap();
        let pki = Pki::new(tmp.path());
        let srv = server::start(&spec("kind = \"otlp_grpc\"\ntls = \"ca_signed\""), &pki)
            .await
            .unwrap();
        let port = srv.ports[0].1;
        let ca = std::fs::read_to_string(&pki.ca_file).unwrap();
        let tls = tonic::transport::ClientTlsConfig::new()
            .ca_certificate(tonic::transport::Certificate::from_pem(ca))
            .domain_name("localhost");
        let channel = tonic::transport::Endpoint::from_shared(format!("https://localhost:{port}"))
            .unwrap()
            .tls_config(tls)
            .unwrap()
            .connect()
            .await
            .unwrap();
        let mut client = TraceServiceClient::new(channel);
        client.export(one_span()).await.unwrap();
        assert_eq!(srv.received.as_ref().unwrap().lock().unwrap().spans, 1);

        let srv = server::start(
            &spec("kind = \"otlp_grpc\"\nrequire_header = \"authorization=Bearer t\""),
            &pki,
        )
        .await
        .unwrap();
        let channel =
            tonic::transport::Endpoint::from_shared(format!("http://127.0.0.1:{}", srv.ports[0].1))
                .unwrap()
                .connect()
                .await
                .unwrap();
        let err = TraceServiceClient::new(channel)
            .export(one_span())
            .await
            .unwrap_err();
        assert_eq!(err.code(), tonic::Code::Unauthenticated);
    });
}

/// Handshakes with rustls trusting the scenario CA (or nothing) and returns the error, if any.
async fn handshake(port: u16, pki: &Pki, trust_ca: bool) -> Result<(), rustls::Error> {
    let mut roots = rustls::RootCertStore::empty();
    if trust_ca {
        roots.add(pki.ca.der.clone()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(super::tls::provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    match connector.connect(name, tcp).await {
        Ok(_) => Ok(()),
        Err(e) => Err(e
            .get_ref()
            .and_then(|i| i.downcast_ref::<rustls::Error>())
            .cloned()
            .unwrap_or_else(|| rustls::Error::General(e.to_string()))),
    }
}

#[test]
fn tls_certificates_fail_the_way_their_names_say() {
    use rustls::CertificateError as C;
    runtime().block_on(async {
        let tmp = tempfile::tempdir().unwrap();
        let pki = Pki::new(tmp.path());
        for (kind, trust, want) in [
            (ServerCertKind::CaSigned, true, None),
            (ServerCertKind::CaSigned, false, Some("UnknownIssuer")),
            (ServerCertKind::SelfSigned, true, Some("UnknownIssuer")),
            (ServerCertKind::WrongName, true, Some("NotValidForName")),
            (ServerCertKind::Expired, true, Some("Expired")),
            (ServerCertKind::NotYetValid, true, Some("NotValidYet")),
        ] {
            let text = format!("kind = \"silent\"\ntls = {:?}", format!("{kind:?}"));
            let text = text
                .replace("CaSigned", "ca_signed")
                .replace("SelfSigned", "self_signed")
                .replace("WrongName", "wrong_name")
                .replace("NotYetValid", "not_yet_valid")
                .replace("Expired", "expired");
            let srv = server::start(&spec(&text), &pki).await.unwrap();
            let got = handshake(srv.ports[0].1, &pki, trust).await;
            match (want, got) {
                (None, Ok(())) => {}
                (Some(w), Err(rustls::Error::InvalidCertificate(c))) => {
                    let s = format!("{c:?}");
                    assert!(s.starts_with(w), "{kind:?}: expected {w}, got {s}");
                    let _ = C::BadEncoding;
                }
                (w, g) => panic!("{kind:?}: expected {w:?}, got {g:?}"),
            }
        }
    });
}

#[test]
fn raw_blocks_close_reset_and_fill_the_backlog() {
    runtime().block_on(async {
        let tmp = tempfile::tempdir().unwrap();
        let pki = Pki::new(tmp.path());
        let srv = server::start(&spec("kind = \"close\""), &pki)
            .await
            .unwrap();
        let mut s = TcpStream::connect(("127.0.0.1", srv.ports[0].1))
            .await
            .unwrap();
        let mut buf = [0u8; 16];
        let n = tokio::time::timeout(Duration::from_secs(2), s.read(&mut buf)).await;
        assert!(matches!(n, Ok(Ok(0))), "close: {n:?}");

        let srv = server::start(&spec("kind = \"reset\""), &pki)
            .await
            .unwrap();
        // The RST can arrive before connect() returns: either way the peer reset.
        let r = match TcpStream::connect(("127.0.0.1", srv.ports[0].1)).await {
            Ok(mut s) => tokio::time::timeout(Duration::from_secs(2), s.read(&mut buf))
                .await
                .unwrap(),
            Err(e) => Err(e),
        };
        assert!(
            matches!(&r, Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset),
            "reset: {r:?}"
        );

        let srv = server::start(&spec("kind = \"backlog_full\""), &pki)
            .await
            .unwrap();
        let c = tokio::time::timeout(
            Duration::from_millis(500),
            TcpStream::connect(("127.0.0.1", srv.ports[0].1)),
        )
        .await;
        assert!(
            c.is_err(),
            "backlog_full: connect should time out, got {c:?}"
        );

        let srv = server::start(&spec("kind = \"refused\""), &pki)
            .await
            .unwrap();
        let c = TcpStream::connect(("127.0.0.1", srv.ports[0].1)).await;
        assert_eq!(c.unwrap_err().kind(), std::io::ErrorKind::ConnectionRefused);

        let srv = server::start(&spec("kind = \"h2c_settings\""), &pki)
            .await
            .unwrap();
        let mut s = TcpStream::connect(("127.0.0.1", srv.ports[0].1))
            .await
            .unwrap();
        let mut first = [0u8; 9];
        s.read_exact(&mut first).await.unwrap();
        assert_eq!(first, [0, 0, 0, 4, 0, 0, 0, 0, 0]);
    });
}

#[test]
fn name_server_answers_hickory() {
    use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig};
    runtime().block_on(async {
        let spec: dns::DnsSpec = toml::from_str(
            "records = { \"dual.test\" = [\"127.0.0.1\", \"::1\"], \"v4.test\" = [\"127.0.0.1\"] }\nservfail = [\"bad.test\"]",
        )
        .unwrap();
        let (port, task) = dns::start(&spec).await.unwrap();
        let mut conn = ConnectionConfig::udp();
        conn.port = port;
        let ns = NameServerConfig::new("127.0.0.1".parse().unwrap(), true, vec![conn]);
        let config = ResolverConfig::from_parts(None, vec![], vec![ns]);
        let resolver = hickory_resolver::Resolver::builder_with_config(
            config,
            hickory_resolver::net::runtime::TokioRuntimeProvider::default(),
        )
        .build()
        .unwrap();
        let ips: Vec<_> = resolver
            .lookup_ip("dual.test.")
            .await
            .unwrap()
            .iter()
            .collect();
        assert_eq!(ips.len(), 2, "{ips:?}");
        let v4 = resolver.ipv6_lookup("v4.test.").await;
        assert!(v4.is_err(), "v4.test has no AAAA: {v4:?}");
        let nx = resolver.lookup_ip("nosuch.test.").await;
        assert!(nx.is_err(), "{nx:?}");
        let bad = resolver.lookup_ip("bad.test.").await;
        assert!(bad.is_err(), "{bad:?}");
        task.abort();
    });
}

#[test]
fn connect_proxy_tunnels_to_loopback_and_failing_proxy_refuses() {
    runtime().block_on(async {
        let tmp = tempfile::tempdir().unwrap();
        let pki = Pki::new(tmp.path());
        let target = server::start(&spec("kind = \"otlp_http\""), &pki)
            .await
            .unwrap();
        let tport = target.ports[0].1;
        let (pport, seen, task) = proxy::start(&proxy::ProxySpec::default()).await.unwrap();
        let mut s = TcpStream::connect(("127.0.0.1", pport)).await.unwrap();
        s.write_all(
            format!("CONNECT 127.0.0.1:{tport} HTTP/1.1\r\nhost: 127.0.0.1:{tport}\r\n\r\n")
                .as_bytes(),
        )
        .await
        .unwrap();
        let mut buf = vec![0u8; 4096];
        let n = s.read(&mut buf).await.unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
        s.write_all(b"GET /v1/traces HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .unwrap();
        let n = s.read(&mut buf).await.unwrap();
        assert!(
            buf[..n].starts_with(b"HTTP/1.1 405"),
            "{}",
            String::from_utf8_lossy(&buf[..n])
        );
        assert_eq!(seen.lock().unwrap().len(), 1);
        task.abort();

        let (pport, _, task) = proxy::start(&proxy::ProxySpec { status: Some(403) })
            .await
            .unwrap();
        let a = http1(
            pport,
            &format!("CONNECT 127.0.0.1:{tport} HTTP/1.1\r\n\r\n"),
            b"",
        )
        .await;
        assert!(a.starts_with("HTTP/1.1 403"), "{a}");
        task.abort();
    });
}
