//! The one place that builds a rustls client configuration from settings, used by the doctor's
//! probes and by the runner's exporter alike, so both trust and present the same certificates.

use crate::config::SignalSettings;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why a TLS configuration could not be built from the configured files.
#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    #[error("{path}: cannot read: {message}")]
    Unreadable { path: PathBuf, message: String },
    #[error("{path}: no PEM {what} found")]
    NotPem { path: PathBuf, what: &'static str },
    #[error("client certificate and key do not match: {message}")]
    KeyMismatch { message: String },
    #[error("client certificate given without a key, or a key without a certificate")]
    HalfIdentity,
    #[error("no usable trusted root certificate: {message}")]
    NoRoots { message: String },
}

/// Reads PEM certificates from a file.
pub fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsSetupError> {
    let data = std::fs::read(path).map_err(|e| TlsSetupError::Unreadable {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    let certs: Vec<_> = rustls_pemfile::certs(&mut data.as_slice())
        .filter_map(Result::ok)
        .collect();
    if certs.is_empty() {
        return Err(TlsSetupError::NotPem {
            path: path.to_owned(),
            what: "certificate",
        });
    }
    Ok(certs)
}

/// Reads a PEM private key from a file.
pub fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsSetupError> {
    let data = std::fs::read(path).map_err(|e| TlsSetupError::Unreadable {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    rustls_pemfile::private_key(&mut data.as_slice())
        .ok()
        .flatten()
        .ok_or(TlsSetupError::NotPem {
            path: path.to_owned(),
            what: "private key",
        })
}

/// System roots plus the bundled web roots, plus the configured CA file.
pub fn root_store(ca_file: Option<&Path>) -> Result<RootCertStore, TlsSetupError> {
    let mut roots = base_roots().clone();
    if let Some(path) = ca_file {
        for cert in read_certs(path)? {
            let _ = roots.add(cert);
        }
    }
    Ok(roots)
}

/// Loads the trusted roots now (e.g. on a blocking thread while other probe steps run), so
/// the first handshake does not pay for it.
pub fn warm_roots() {
    let _ = base_roots();
}

/// The bundled web roots plus the system's trusted certificates, read and parsed once per
/// process: that costs milliseconds, and every TLS probe of every signal needs them.
fn base_roots() -> &'static RootCertStore {
    static ROOTS: std::sync::OnceLock<RootCertStore> = std::sync::OnceLock::new();
    ROOTS.get_or_init(|| {
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for cert in rustls_native_certs::load_native_certs().certs {
            let _ = roots.add(cert);
        }
        roots
    })
}

/// The webpki verifier for one signal's settings: the same trust `client_config` uses, for
/// callers that wrap it (the doctor records the presented chain before delegating).
pub fn server_verifier(
    settings: &SignalSettings,
) -> Result<Arc<rustls::client::WebPkiServerVerifier>, TlsSetupError> {
    let roots = root_store(settings.certificate.as_ref().map(|c| c.value.as_path()))?;
    rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
        .build()
        .map_err(|e| TlsSetupError::NoRoots {
            message: e.to_string(),
        })
}

/// The configured client identity (certificate chain and key), `None` when none is configured.
pub fn client_identity(
    settings: &SignalSettings,
) -> Result<Option<Arc<rustls::sign::CertifiedKey>>, TlsSetupError> {
    match (&settings.client_certificate, &settings.client_key) {
        (Some(cert), Some(key)) => {
            let chain = read_certs(&cert.value)?;
            let key = read_key(&key.value)?;
            rustls::sign::CertifiedKey::from_der(chain, key, &provider())
                .map(|k| Some(Arc::new(k)))
                .map_err(|e| TlsSetupError::KeyMismatch {
                    message: e.to_string(),
                })
        }
        (None, None) => Ok(None),
        _ => Err(TlsSetupError::HalfIdentity),
    }
}

/// The crypto provider every TLS configuration of the program uses.
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A client configuration for one signal's settings, offering `alpn` protocols.
pub fn client_config(
    settings: &SignalSettings,
    alpn: &[&[u8]],
) -> Result<ClientConfig, TlsSetupError> {
    let roots = root_store(settings.certificate.as_ref().map(|c| c.value.as_path()))?;
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default versions")
        .with_root_certificates(roots);
    let mut config = match (&settings.client_certificate, &settings.client_key) {
        (Some(cert), Some(key)) => {
            let chain = read_certs(&cert.value)?;
            let key = read_key(&key.value)?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| TlsSetupError::KeyMismatch {
                    message: e.to_string(),
                })?
        }
        (None, None) => builder.with_no_client_auth(),
        _ => return Err(TlsSetupError::HalfIdentity),
    };
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(config)
}
