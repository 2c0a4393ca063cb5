//! The one place that builds a rustls client configuration from settings, used by the doctor's
//! probes and by the runner's exporter alike, so both trust and present the same certificates.

use crate::config::SignalSettings;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

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

/// The server-certificate verifier for one signal's settings: the same trust `client_config`
/// uses, for callers that wrap it (the doctor records the presented chain before delegating).
pub fn server_verifier(settings: &SignalSettings) -> Result<Arc<TrustVerifier>, TlsSetupError> {
    trust_verifier(settings.certificate.as_ref().map(|c| c.value.as_path()))
}

/// The verifier trusting the system's roots, the bundled web roots and `ca_file`.
fn trust_verifier(ca_file: Option<&Path>) -> Result<Arc<TrustVerifier>, TlsSetupError> {
    let roots = root_store(ca_file)?;
    let anchors = match ca_file {
        Some(path) => read_certs(path)?,
        None => Vec::new(),
    };
    let inner =
        rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
            .build()
            .map_err(|e| TlsSetupError::NoRoots {
                message: e.to_string(),
            })?;
    Ok(Arc::new(TrustVerifier {
        inner,
        anchors,
        accepted_anchor: AtomicBool::new(false),
        presented: Mutex::new(Vec::new()),
    }))
}

/// The webpki verifier, plus the one allowance Go's `crypto/x509`, OpenSSL and curl make: a
/// server certificate that is byte for byte one of the CA file's certificates is trusted as
/// itself, even when it is marked `CA:TRUE` (as `openssl req -x509` marks self-signed
/// certificates), which webpki refuses as `CaUsedAsEndEntity`. Validity, purpose and host name
/// are still checked.
#[derive(Debug)]
pub struct TrustVerifier {
    inner: Arc<rustls::client::WebPkiServerVerifier>,
    /// The certificates of the configured CA file.
    anchors: Vec<CertificateDer<'static>>,
    accepted_anchor: AtomicBool,
    /// The chain the server presented last, kept even when verification fails (the doctor
    /// shows it as evidence).
    presented: Mutex<Vec<CertificateDer<'static>>>,
}

impl TrustVerifier {
    /// The chain the server presented (end entity first), whatever the verdict.
    pub fn presented(&self) -> Vec<CertificateDer<'static>> {
        self.presented.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// True once a server certificate was accepted only because it is a configured anchor.
    pub fn accepted_anchor(&self) -> bool {
        self.accepted_anchor.load(Ordering::Relaxed)
    }
}

/// True for webpki's refusal of a CA certificate presented as the server's own.
pub fn is_ca_used_as_end_entity(e: &rustls::Error) -> bool {
    match e {
        rustls::Error::InvalidCertificate(CertificateError::Other(other)) => matches!(
            other.0.downcast_ref::<webpki::Error>(),
            Some(webpki::Error::CaUsedAsEndEntity)
        ),
        _ => false,
    }
}

/// The checks webpki would still have made of an anchor presented as the server's certificate:
/// valid at `now`, fit for server authentication (when it lists purposes), valid for `name`.
fn anchor_fits(
    der: &CertificateDer<'_>,
    name: &ServerName<'_>,
    now: UnixTime,
) -> Result<(), CertificateError> {
    let (_, cert) =
        x509_parser::parse_x509_certificate(der).map_err(|_| CertificateError::BadEncoding)?;
    let now = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
    let validity = cert.validity();
    if now < validity.not_before.timestamp() {
        return Err(CertificateError::NotValidYet);
    }
    if now > validity.not_after.timestamp() {
        return Err(CertificateError::Expired);
    }
    if let Ok(Some(eku)) = cert.extended_key_usage() {
        if !(eku.value.any || eku.value.server_auth) {
            return Err(CertificateError::InvalidPurpose);
        }
    }
    webpki::EndEntityCert::try_from(der)
        .map_err(|_| CertificateError::BadEncoding)?
        .verify_is_valid_for_subject_name(name)
        .map_err(|_| CertificateError::NotValidForName)
}

impl ServerCertVerifier for TrustVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut chain) = self.presented.lock() {
            chain.clear();
            chain.push(end_entity.clone().into_owned());
            chain.extend(intermediates.iter().map(|c| c.clone().into_owned()));
        }
        match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(e)
                if is_ca_used_as_end_entity(&e)
                    && self
                        .anchors
                        .iter()
                        .any(|a| a.as_ref() == end_entity.as_ref()) =>
            {
                anchor_fits(end_entity, server_name, now)?;
                self.accepted_anchor.store(true, Ordering::Relaxed);
                Ok(ServerCertVerified::assertion())
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
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
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default versions")
        .dangerous()
        .with_custom_certificate_verifier(server_verifier(settings)?);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A self-signed certificate for `names`, marked `CA:TRUE` as `openssl req -x509` does.
    fn ca_marked(names: &[&str]) -> rcgen::Certificate {
        let mut params =
            rcgen::CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .self_signed(&rcgen::KeyPair::generate().unwrap())
            .unwrap()
    }

    fn verify(
        v: &TrustVerifier,
        cert: &rcgen::Certificate,
        host: &str,
    ) -> Result<(), rustls::Error> {
        let name = ServerName::try_from(host.to_string()).unwrap();
        v.verify_server_cert(cert.der(), &[], &name, &[], UnixTime::now())
            .map(drop)
    }

    #[test]
    fn a_ca_marked_server_certificate_is_trusted_only_as_itself() {
        let dir = tempfile::tempdir().unwrap();
        let own = ca_marked(&["localhost"]);
        let other = ca_marked(&["localhost"]);
        let file = dir.path().join("ca.pem");
        std::fs::write(&file, own.pem()).unwrap();
        let v = trust_verifier(Some(&file)).unwrap();

        // Another CA-marked certificate: webpki's refusal stands, typed.
        let err = verify(&v, &other, "localhost").unwrap_err();
        assert!(is_ca_used_as_end_entity(&err), "{err:?}");
        assert!(!v.accepted_anchor());
        // The anchor itself, for a name it does not carry: still refused, for the name.
        assert_eq!(
            verify(&v, &own, "collector.test").unwrap_err(),
            rustls::Error::InvalidCertificate(CertificateError::NotValidForName)
        );
        assert!(!v.accepted_anchor());
        // The anchor itself, for its own name: accepted, and said so.
        verify(&v, &own, "localhost").unwrap();
        assert!(v.accepted_anchor());
    }
}
