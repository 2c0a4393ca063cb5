//! Certificates made at test time with rcgen: a CA, server certificates good and bad, clients.

use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use std::path::{Path, PathBuf};

/// The names every good server certificate covers.
pub const SERVER_NAMES: &[&str] = &["localhost", "127.0.0.1", "::1", "collector.test"];

/// PEM files of one certificate: the certificate, its key, and both in one file (haproxy).
#[derive(Debug, Clone)]
pub struct Pem {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub combined: PathBuf,
}

/// Every certificate a test may need, written under one directory.
#[derive(Debug, Clone)]
pub struct Certs {
    /// The private CA's certificate (what OTEL_EXPORTER_OTLP_CERTIFICATE points at).
    pub ca: PathBuf,
    /// Signed by the CA for `SERVER_NAMES`.
    pub server: Pem,
    /// Signed by the CA for `wrong.example` only.
    pub wrong_name: Pem,
    /// Signed by the CA for `SERVER_NAMES`, valid only in 2020.
    pub expired: Pem,
    /// Self-signed for `SERVER_NAMES`: no CA vouches for it.
    pub self_signed: Pem,
    /// A client certificate signed by the CA (mTLS).
    pub client: Pem,
}

impl Certs {
    pub fn make(dir: &Path) -> Certs {
        let dir = dir.join("certs");
        std::fs::create_dir_all(&dir).expect("certs dir");

        let ca_key = KeyPair::generate().expect("ca key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "runner test CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca_params.self_signed(&ca_key).expect("ca cert");
        let ca = dir.join("ca.crt");
        std::fs::write(&ca, ca_cert.pem()).expect("write ca");
        let issuer = Issuer::new(ca_params, ca_key);

        let signed = |stem: &str, names: &[&str], client: bool, expired: bool| -> Pem {
            let key = KeyPair::generate().expect("key");
            let mut params = leaf_params(names, client);
            if expired {
                params.not_before = date_time_ymd(2020, 1, 1);
                params.not_after = date_time_ymd(2020, 12, 31);
            }
            let cert = params.signed_by(&key, &issuer).expect("sign");
            write_pem(&dir, stem, &cert.pem(), &key.serialize_pem())
        };

        let server = signed("server", SERVER_NAMES, false, false);
        let wrong_name = signed("wrong-name", &["wrong.example"], false, false);
        let expired = signed("expired", SERVER_NAMES, false, true);
        let client = signed("client", &["runner-client"], true, false);

        let ss_key = KeyPair::generate().expect("key");
        let mut ss_params = leaf_params(SERVER_NAMES, false);
        // A subject of its own: a self-signed `CN=localhost` would share its name with Debian's
        // snakeoil certificate, which the ssl-cert package puts in the system's trust directory.
        ss_params.distinguished_name = rcgen::DistinguishedName::new();
        ss_params
            .distinguished_name
            .push(DnType::CommonName, "runner test self-signed");
        let ss_cert = ss_params.self_signed(&ss_key).expect("self-signed");
        let self_signed = write_pem(&dir, "self-signed", &ss_cert.pem(), &ss_key.serialize_pem());

        Certs {
            ca,
            server,
            wrong_name,
            expired,
            self_signed,
            client,
        }
    }
}

fn leaf_params(names: &[&str], client: bool) -> CertificateParams {
    let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    let mut params = CertificateParams::new(names.clone()).expect("leaf params");
    params
        .distinguished_name
        .push(DnType::CommonName, names[0].clone());
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![if client {
        ExtendedKeyUsagePurpose::ClientAuth
    } else {
        ExtendedKeyUsagePurpose::ServerAuth
    }];
    params
}

fn write_pem(dir: &Path, stem: &str, cert: &str, key: &str) -> Pem {
    let pem = Pem {
        cert: dir.join(format!("{stem}.crt")),
        key: dir.join(format!("{stem}.key")),
        combined: dir.join(format!("{stem}.pem")),
    };
    std::fs::write(&pem.cert, cert).expect("write cert");
    std::fs::write(&pem.key, key).expect("write key");
    std::fs::write(&pem.combined, format!("{cert}{key}")).expect("write combined");
    pem
}
