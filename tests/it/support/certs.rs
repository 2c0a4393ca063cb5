//! Certificates made at test time (rcgen), the one certificate maker of the tests: CAs and
//! leaves (`ca`, `leaf`, `leaf_params`), and on them the scenario set (`Pki`: a scenario CA,
//! server certificates of every kind, client certificates from that CA and from a stranger CA,
//! written as PEM files). The real-component suite's files (`real/certs.rs`) use them too.

use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::path::{Path, PathBuf};

/// A certificate authority: its issuer (to sign leaves), certificate DER and PEM.
pub struct Ca {
    pub issuer: Issuer<'static, KeyPair>,
    pub der: CertificateDer<'static>,
    pub pem: String,
}

impl std::fmt::Debug for Ca {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ca").field("pem", &self.pem).finish()
    }
}

/// A CA named `cn` (common name), for signing certificates and CRLs.
pub fn ca(cn: &str) -> Ca {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, cn);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    Ca {
        der: cert.der().clone(),
        pem: cert.pem(),
        issuer: Issuer::new(params, key),
    }
}

/// A certificate with its key.
#[derive(Debug)]
pub struct Leaf {
    pub der: CertificateDer<'static>,
    pub pem: String,
    pub key_pem: String,
    pub key_der: Vec<u8>,
}

impl Leaf {
    pub fn key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone()))
    }
}

/// Parameters of a leaf valid for `names` (subject alternative names), named `cn`.
pub fn leaf_params(names: &[&str], cn: &str) -> CertificateParams {
    let mut p =
        CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    p.distinguished_name.push(DnType::CommonName, cn);
    p
}

/// A leaf from `params`, signed by `ca` or self-signed.
pub fn leaf(params: CertificateParams, ca: Option<&Ca>) -> Leaf {
    let key = KeyPair::generate().unwrap();
    let cert = match ca {
        Some(ca) => params.signed_by(&key, &ca.issuer).unwrap(),
        None => params.self_signed(&key).unwrap(),
    };
    Leaf {
        der: cert.der().clone(),
        pem: cert.pem(),
        key_pem: key.serialize_pem(),
        key_der: key.serialize_der(),
    }
}

/// A leaf for `names` (the first is its common name), signed by `ca` or self-signed, valid from
/// January 1st of the first year to January 1st of the second when `years` is given.
pub fn leaf_for(names: &[&str], ca: Option<&Ca>, years: Option<(i32, i32)>) -> Leaf {
    let mut params = leaf_params(names, names[0]);
    if let Some((from, to)) = years {
        params.not_before = date_time_ymd(from, 1, 1);
        params.not_after = date_time_ymd(to, 1, 1);
    }
    leaf(params, ca)
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The names every "good" server certificate is valid for.
pub const SERVER_NAMES: &[&str] = &["localhost", "collector.test", "127.0.0.1", "::1"];

/// Which server certificate a TLS building block presents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServerCertKind {
    /// Signed by the scenario CA (`{ca_file}`), valid for `SERVER_NAMES`.
    CaSigned,
    /// Self-signed, valid for `SERVER_NAMES`: no CA file can make it trusted except itself.
    SelfSigned,
    /// Self-signed and marked `CA:TRUE`, valid for `SERVER_NAMES`, as `openssl req -x509`
    /// makes them (`{self_signed_ca_file}`).
    SelfSignedCa,
    /// Signed by the scenario CA, but only valid for `other.example`.
    WrongName,
    /// Signed by the scenario CA, expired in 2021.
    Expired,
    /// Signed by the scenario CA, valid only from 2090.
    NotYetValid,
}

/// A certificate chain and key ready for rustls.
#[derive(Debug)]
pub struct CertKey {
    pub chain: Vec<CertificateDer<'static>>,
    pub key_der: Vec<u8>,
}

impl CertKey {
    pub fn key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone()))
    }
}

/// Everything certificate-shaped a scenario may use, with files in its temporary folder.
#[derive(Debug)]
pub struct Pki {
    /// The scenario CA.
    pub ca: Ca,
    /// `{ca_file}`: the scenario CA (PEM).
    pub ca_file: PathBuf,
    /// `{client_cert}` / `{client_key}`: a client certificate signed by the scenario CA.
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
    /// `{stranger_client_cert}` / `{stranger_client_key}`: signed by a CA the server does not know.
    pub stranger_client_cert: PathBuf,
    pub stranger_client_key: PathBuf,
    /// `{self_signed_file}`: the self-signed server certificate, for trusting it explicitly.
    pub self_signed_file: PathBuf,
    /// `{self_signed_ca_file}`: the self-signed `CA:TRUE` server certificate.
    pub self_signed_ca_file: PathBuf,
    /// `{not_pem_file}`: a file that is not PEM at all.
    pub not_pem_file: PathBuf,
    self_signed: CertKey,
    self_signed_ca: CertKey,
}

impl Pki {
    /// Makes the CA, client certificates and the self-signed server certificate under `dir`.
    pub fn new(dir: &Path) -> Pki {
        let ca = ca("scenario test CA");
        let ca_file = write(dir, "ca.pem", &ca.pem);

        let client = leaf(leaf_params(&["runner-client"], "runner-client"), Some(&ca));
        let client_cert = write(dir, "client.pem", &client.pem);
        let client_key = write(dir, "client.key", &client.key_pem);

        let stranger_ca = self::ca("stranger test CA");
        let stranger = leaf(
            leaf_params(&["runner-client"], "runner-client"),
            Some(&stranger_ca),
        );
        let stranger_client_cert = write(dir, "stranger-client.pem", &stranger.pem);
        let stranger_client_key = write(dir, "stranger-client.key", &stranger.key_pem);

        let ss = leaf(leaf_params(SERVER_NAMES, "collector.test"), None);
        let self_signed_file = write(dir, "self-signed.pem", &ss.pem);
        let self_signed = CertKey {
            chain: vec![ss.der.clone()],
            key_der: ss.key_der,
        };
        let mut params = leaf_params(SERVER_NAMES, "collector.test");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ssca = leaf(params, None);
        let self_signed_ca_file = write(dir, "self-signed-ca.pem", &ssca.pem);
        let self_signed_ca = CertKey {
            chain: vec![ssca.der.clone()],
            key_der: ssca.key_der,
        };
        let not_pem_file = write(dir, "not-a-certificate.pem", "this is not PEM\n");

        Pki {
            ca,
            ca_file,
            client_cert,
            client_key,
            stranger_client_cert,
            stranger_client_key,
            self_signed_file,
            self_signed_ca_file,
            not_pem_file,
            self_signed,
            self_signed_ca,
        }
    }

    /// The server certificate and key a TLS building block presents.
    pub fn server(&self, kind: ServerCertKind) -> CertKey {
        let own = match kind {
            ServerCertKind::SelfSigned => Some(&self.self_signed),
            ServerCertKind::SelfSignedCa => Some(&self.self_signed_ca),
            _ => None,
        };
        if let Some(own) = own {
            return CertKey {
                chain: own.chain.clone(),
                key_der: own.key_der.clone(),
            };
        }
        let mut params = match kind {
            ServerCertKind::WrongName => leaf_params(&["other.example"], "other.example"),
            _ => leaf_params(SERVER_NAMES, "collector.test"),
        };
        match kind {
            ServerCertKind::Expired => {
                params.not_before = date_time_ymd(2020, 1, 1);
                params.not_after = date_time_ymd(2021, 1, 1);
            }
            ServerCertKind::NotYetValid => {
                params.not_before = date_time_ymd(2090, 1, 1);
                params.not_after = date_time_ymd(2091, 1, 1);
            }
            _ => {}
        }
        let cert = leaf(params, Some(&self.ca));
        CertKey {
            chain: vec![cert.der, self.ca.der.clone()],
            key_der: cert.key_der,
        }
    }
}
