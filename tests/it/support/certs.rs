//! Certificates made at test time (rcgen): a scenario CA, server certificates of every kind, and
//! client certificates (one from the scenario CA, one from a stranger CA), written as PEM files.

use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::path::{Path, PathBuf};

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
    pub ca_der: CertificateDer<'static>,
    ca_params: CertificateParams,
    ca_key: KeyPair,
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
    /// `{not_pem_file}`: a file that is not PEM at all.
    pub not_pem_file: PathBuf,
    self_signed: CertKey,
}

fn ca(name: &str) -> (CertificateParams, KeyPair, rcgen::Certificate) {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, format!("{name} test CA"));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    (params, key, cert)
}

fn leaf_params(names: &[&str], cn: &str) -> CertificateParams {
    let mut p =
        CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    p.distinguished_name.push(DnType::CommonName, cn);
    p
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

impl Pki {
    /// Makes the CA, client certificates and the self-signed server certificate under `dir`.
    pub fn new(dir: &Path) -> Pki {
        let (ca_params, ca_key, ca_cert) = ca("scenario");
        let ca_der = ca_cert.der().clone();
        let ca_file = write(dir, "ca.pem", &ca_cert.pem());

        let issuer = Issuer::from_params(&ca_params, &ca_key);
        let ckey = KeyPair::generate().unwrap();
        let ccert = leaf_params(&["runner-client"], "runner-client")
            .signed_by(&ckey, &issuer)
            .unwrap();
        let client_cert = write(dir, "client.pem", &ccert.pem());
        let client_key = write(dir, "client.key", &ckey.serialize_pem());

        let (sparams, skey, _) = ca("stranger");
        let sissuer = Issuer::from_params(&sparams, &skey);
        let k2 = KeyPair::generate().unwrap();
        let c2 = leaf_params(&["runner-client"], "runner-client")
            .signed_by(&k2, &sissuer)
            .unwrap();
        let stranger_client_cert = write(dir, "stranger-client.pem", &c2.pem());
        let stranger_client_key = write(dir, "stranger-client.key", &k2.serialize_pem());

        let k3 = KeyPair::generate().unwrap();
        let c3 = leaf_params(SERVER_NAMES, "collector.test")
            .self_signed(&k3)
            .unwrap();
        let self_signed_file = write(dir, "self-signed.pem", &c3.pem());
        let self_signed = CertKey {
            chain: vec![c3.der().clone()],
            key_der: k3.serialize_der(),
        };
        let not_pem_file = write(dir, "not-a-certificate.pem", "this is not PEM\n");

        Pki {
            ca_der,
            ca_params,
            ca_key,
            ca_file,
            client_cert,
            client_key,
            stranger_client_cert,
            stranger_client_key,
            self_signed_file,
            not_pem_file,
            self_signed,
        }
    }

    /// The server certificate and key a TLS building block presents.
    pub fn server(&self, kind: ServerCertKind) -> CertKey {
        if kind == ServerCertKind::SelfSigned {
            return CertKey {
                chain: self.self_signed.chain.clone(),
                key_der: self.self_signed.key_der.clone(),
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
        let key = KeyPair::generate().unwrap();
        let issuer = Issuer::from_params(&self.ca_params, &self.ca_key);
        let cert = params.signed_by(&key, &issuer).unwrap();
        CertKey {
            chain: vec![cert.der().clone(), self.ca_der.clone()],
            key_der: key.serialize_der(),
        }
    }
}
