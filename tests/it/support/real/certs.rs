//! Certificates made at test time with rcgen: a CA, server certificates good and bad, clients.

use crate::support::certs::{ca, leaf, Leaf};
use rcgen::{date_time_ymd, CertificateParams, DnType, ExtendedKeyUsagePurpose, KeyUsagePurpose};
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

        let ca_ = ca("runner test CA");
        let ca = dir.join("ca.crt");
        std::fs::write(&ca, &ca_.pem).expect("write ca");

        let signed = |stem: &str, names: &[&str], client: bool, expired: bool| -> Pem {
            let mut params = leaf_params(names, client);
            if expired {
                params.not_before = date_time_ymd(2020, 1, 1);
                params.not_after = date_time_ymd(2020, 12, 31);
            }
            write_pem(&dir, stem, &leaf(params, Some(&ca_)))
        };
        let server = signed("server", SERVER_NAMES, false, false);
        let wrong_name = signed("wrong-name", &["wrong.example"], false, false);
        let expired = signed("expired", SERVER_NAMES, false, true);
        let client = signed("client", &["runner-client"], true, false);

        let mut ss_params = leaf_params(SERVER_NAMES, false);
        // A subject of its own: a self-signed `CN=localhost` would share its name with Debian's
        // snakeoil certificate, which the ssl-cert package puts in the system's trust directory.
        ss_params.distinguished_name = rcgen::DistinguishedName::new();
        ss_params
            .distinguished_name
            .push(DnType::CommonName, "runner test self-signed");
        let self_signed = write_pem(&dir, "self-signed", &leaf(ss_params, None));

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

/// A leaf for `names` (the first is its common name) with the key usages nginx and haproxy
/// expect of a server or client certificate.
fn leaf_params(names: &[&str], client: bool) -> CertificateParams {
    let mut params = crate::support::certs::leaf_params(names, names[0]);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![if client {
        ExtendedKeyUsagePurpose::ClientAuth
    } else {
        ExtendedKeyUsagePurpose::ServerAuth
    }];
    params
}

fn write_pem(dir: &Path, stem: &str, leaf: &Leaf) -> Pem {
    let pem = Pem {
        cert: dir.join(format!("{stem}.crt")),
        key: dir.join(format!("{stem}.key")),
        combined: dir.join(format!("{stem}.pem")),
    };
    std::fs::write(&pem.cert, &leaf.pem).expect("write cert");
    std::fs::write(&pem.key, &leaf.key_pem).expect("write key");
    std::fs::write(&pem.combined, format!("{}{}", leaf.pem, leaf.key_pem)).expect("write combined");
    pem
}
