//! TLS servers for tests: rustls server configs from a scenario's `[server]` options
//! (`acceptor`) or from code (`server_config`), and a TLS server that completes handshakes.

use super::certs::{Pki, ServerCertKind};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::AsyncReadExt;

/// The TLS options of a server (all optional in the scenario file).
#[derive(Clone, Debug, Default)]
pub struct TlsSpec {
    pub cert: Option<ServerCertKind>,
    /// Require a client certificate signed by the scenario CA.
    pub client_auth: bool,
    /// ALPN protocols the server may select; empty means the server negotiates no ALPN at all.
    pub alpn: Vec<String>,
    /// `["1.2"]`, `["1.3"]` or both (default).
    pub versions: Vec<String>,
}

pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Builds the acceptor, or `None` when the server is plaintext.
pub fn acceptor(spec: &TlsSpec, pki: &Pki) -> Result<Option<tokio_rustls::TlsAcceptor>, String> {
    let Some(kind) = spec.cert else {
        return Ok(None);
    };
    let versions: Vec<&'static rustls::SupportedProtocolVersion> = if spec.versions.is_empty() {
        vec![&rustls::version::TLS13, &rustls::version::TLS12]
    } else {
        spec.versions
            .iter()
            .map(|v| match v.as_str() {
                "1.2" => Ok(&rustls::version::TLS12),
                "1.3" => Ok(&rustls::version::TLS13),
                other => Err(format!("tls_versions: {other:?} is not 1.2 or 1.3")),
            })
            .collect::<Result<_, _>>()?
    };
    let builder = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&versions)
        .map_err(|e| e.to_string())?;
    let builder = if spec.client_auth {
        let mut roots = RootCertStore::empty();
        roots.add(pki.ca.der.clone()).map_err(|e| e.to_string())?;
        let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
            .build()
            .map_err(|e| e.to_string())?;
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let ck = pki.server(kind);
    let mut config = builder
        .with_single_cert(ck.chain.clone(), ck.key())
        .map_err(|e| e.to_string())?;
    config.alpn_protocols = spec.alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    Ok(Some(tokio_rustls::TlsAcceptor::from(Arc::new(config))))
}

/// TLS options of a server built in code.
pub struct ServerOpts {
    pub tls12_only: bool,
    pub alpn: Vec<Vec<u8>>,
    /// Require client certificates issued by this CA.
    pub client_ca: Option<CertificateDer<'static>>,
}

impl Default for ServerOpts {
    fn default() -> Self {
        ServerOpts {
            tls12_only: false,
            alpn: vec![b"h2".to_vec(), b"http/1.1".to_vec()],
            client_ca: None,
        }
    }
}

pub fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    o: ServerOpts,
) -> ServerConfig {
    let provider = provider();
    let versions: &[&rustls::SupportedProtocolVersion] = if o.tls12_only {
        &[&rustls::version::TLS12]
    } else {
        rustls::DEFAULT_VERSIONS
    };
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .unwrap();
    let builder = match o.client_ca {
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            roots.add(ca).unwrap();
            let v = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .unwrap();
            builder.with_client_cert_verifier(v)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder.with_single_cert(chain, key).unwrap();
    config.alpn_protocols = o.alpn;
    config
}

/// A TLS server that completes handshakes and then holds the connection, reading.
pub async fn tls_server(config: ServerConfig) -> SocketAddr {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    tokio::spawn(async move {
        while let Ok((tcp, _)) = l.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(mut tls) = acceptor.accept(tcp).await {
                    let mut buf = [0u8; 1024];
                    while matches!(tls.read(&mut buf).await, Ok(n) if n > 0) {}
                }
            });
        }
    });
    addr
}
