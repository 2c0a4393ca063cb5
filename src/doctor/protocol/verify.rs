//! Verified fixes: before suggesting another protocol, port or scheme, the doctor tries it once.

use super::wire::{self, peer_did};
use crate::cause::proto_text::{Change, Observed, Tried};
use crate::config::{Compression, Protocol};
use crate::doctor::net::{self, Recorded};
use crate::doctor::Probe;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

fn target(probe: &Probe<'_>, addr: SocketAddr) -> String {
    wire::authority(probe, addr.port())
}

/// An empty, uncompressed gRPC export to `addr`; works when it answers grpc-status 0.
pub async fn try_grpc(probe: &Probe<'_>, addr: SocketAddr) -> Tried {
    let change = if addr.port() == probe.endpoint.port {
        Change::Grpc
    } else {
        Change::Port(addr.port(), Protocol::Grpc)
    };
    try_grpc_as(probe, addr, change).await
}

/// `try_grpc`, recorded as `change`.
pub async fn try_grpc_as(probe: &Probe<'_>, addr: SocketAddr, change: Change) -> Tried {
    let observed = match wire::open(probe, addr, true).await {
        Err(_) => Observed::NoConnection,
        Ok(opened) => {
            let path = wire::export_path(probe.settings.signal);
            let req = wire::grpc_request(probe, addr.port(), path, &[], false);
            let ex = wire::exchange(opened.conn, true, req, probe.opts.timeout).await;
            match ex.result {
                Ok(a)
                    if a.status == 200 && a.media_type().as_deref() == Some("application/grpc") =>
                {
                    Observed::Grpc(
                        a.grpc_field("grpc-status")
                            .and_then(|s| s.trim().parse().ok())
                            .unwrap_or(2),
                    )
                }
                Ok(a) => Observed::Http(a.status.as_u16(), a.media_type()),
                Err(f) => Observed::Failed(peer_did(f, &ex.app, true)),
            }
        }
    };
    Tried {
        change,
        target: target(probe, addr),
        worked: observed == Observed::Grpc(0),
        observed,
    }
}

/// An empty OTLP/HTTP export to `path` at `addr`; works on a 2xx OTLP answer.
pub async fn try_http(
    probe: &Probe<'_>,
    addr: SocketAddr,
    change: Change,
    protocol: Protocol,
    path: &str,
    compression: Compression,
) -> Tried {
    let observed = match wire::open(probe, addr, false).await {
        Err(_) => Observed::NoConnection,
        Ok(opened) => {
            let h2 = opened.h2;
            let req = wire::http_request(probe, &opened, addr.port(), path, protocol, compression);
            let ex = wire::exchange(opened.conn, h2, req, probe.opts.timeout).await;
            match ex.result {
                Ok(a) => Observed::Http(a.status.as_u16(), a.media_type()),
                Err(f) => Observed::Failed(peer_did(f, &ex.app, h2)),
            }
        }
    };
    let worked = matches!(&observed, Observed::Http(s, Some(mt))
        if (200..300).contains(s) && (mt == "application/x-protobuf" || mt == "application/json"));
    Tried {
        change,
        target: target(probe, addr),
        worked,
        observed,
    }
}

/// A TLS ClientHello to `addr`; works when the answer is a ServerHello.
pub async fn try_tls(probe: &Probe<'_>, addr: SocketAddr) -> Tried {
    let hello = server_speaks_tls(addr, &probe.endpoint.host, probe.opts.timeout).await;
    Tried {
        change: Change::Tls,
        target: target(probe, addr),
        worked: hello,
        observed: if hello {
            Observed::ServerHello
        } else {
            Observed::NoServerHello
        },
    }
}

/// True when a TLS ClientHello to `addr` is answered with a TLS handshake record (ServerHello).
/// Certificates are not checked: the question is only whether the port speaks TLS.
// The net engineer provides `tls::server_speaks_tls`; this private copy stands in until merged.
pub async fn server_speaks_tls(addr: SocketAddr, server_name: &str, timeout: Duration) -> bool {
    let Ok(tcp) = net::connect_tcp(addr, timeout).await else {
        return false;
    };
    let (stream, raw) = Recorded::new(tcp);
    let provider = crate::tlsconf::provider();
    let Ok(builder) = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
    else {
        return false;
    };
    let config = builder
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCert(provider)))
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from(server_name.to_string())
        .unwrap_or_else(|_| rustls::pki_types::ServerName::IpAddress(addr.ip().into()));
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let _ = tokio::time::timeout(timeout, connector.connect(name, stream)).await;
    raw.greeting() == net::PeerGreeting::TlsHandshake
}

/// Accepts any certificate: used only to learn whether a port speaks TLS, never to send data.
#[derive(Debug)]
struct AnyCert(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCert {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &rustls::pki_types::CertificateDer<'_>,
        _dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &rustls::pki_types::CertificateDer<'_>,
        _dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
