//! TLS in front of any building block: rustls server configs from a scenario's `[server]` options.

use super::certs::{Pki, ServerCertKind};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use std::sync::Arc;

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
        roots.add(pki.ca_der.clone()).map_err(|e| e.to_string())?;
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
