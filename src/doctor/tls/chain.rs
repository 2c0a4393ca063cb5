//! The server's certificate chain as evidence (`tlsconf::TrustVerifier` keeps it, even when
//! verification fails), and a client certificate resolver that notes whether the server asked
//! for one.

use crate::facts::peer_text::PeerText;
use rustls::client::ResolvesClientCert;
use rustls::sign::CertifiedKey;
use rustls::SignatureScheme;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use x509_parser::extensions::GeneralName;

/// One certificate of the presented chain, for the report.
#[derive(Clone, Debug, Serialize)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    /// DNS names and IP addresses of the subject alternative names: the first `SHOWN_SANS`
    /// distinct ones, escaped (a certificate is the server's text).
    pub sans: Vec<String>,
    /// How many distinct names the certificate has in all.
    pub sans_total: usize,
    pub not_before: String,
    pub not_after: String,
    pub sha256: String,
    #[serde(skip)]
    pub self_signed: bool,
}

/// A certificate's time as RFC 3339. humantime panics outside 1970..=9999, and a certificate
/// may carry any UTCTime (years 1950-2049) or GeneralizedTime: those are shown as raw Unix time.
fn rfc3339(ts: i64) -> String {
    const YEAR_10000: i64 = 253_402_300_800;
    match u64::try_from(ts) {
        Ok(secs) if ts < YEAR_10000 => {
            humantime::format_rfc3339_seconds(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
                .to_string()
        }
        _ => format!("@{ts}"),
    }
}

/// Now, as the report shows it.
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

impl CertInfo {
    pub fn parse(der: &[u8]) -> Option<CertInfo> {
        let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
        let mut sans: Vec<String> = Vec::new();
        if let Ok(Some(ext)) = cert.subject_alternative_name() {
            for name in &ext.value.general_names {
                match name {
                    GeneralName::DNSName(d) => sans.push((*d).to_string()),
                    GeneralName::IPAddress(b) => match b.len() {
                        4 => sans.push(
                            std::net::Ipv4Addr::from(<[u8; 4]>::try_from(*b).ok()?).to_string(),
                        ),
                        16 => sans.push(
                            std::net::Ipv6Addr::from(<[u8; 16]>::try_from(*b).ok()?).to_string(),
                        ),
                        _ => {}
                    },
                    _ => {}
                }
            }
        }
        let (sans, sans_total) = shown_list(sans);
        let v = cert.validity();
        let text = |s: String| PeerText::from_text(&s).as_str().to_owned();
        Some(CertInfo {
            subject: text(cert.subject().to_string()),
            issuer: text(cert.issuer().to_string()),
            sans,
            sans_total,
            not_before: rfc3339(v.not_before.timestamp()),
            not_after: rfc3339(v.not_after.timestamp()),
            sha256: hex::encode(Sha256::digest(der)),
            self_signed: cert.subject().as_raw() == cert.issuer().as_raw(),
        })
    }
}

/// How many names of a list are shown: a certificate may carry thousands.
pub const SHOWN_SANS: usize = 20;

/// The first `SHOWN_SANS` distinct names (escaped), and how many distinct names there are.
pub fn shown_list(names: Vec<String>) -> (Vec<String>, usize) {
    let mut seen = std::collections::HashSet::new();
    let mut shown = Vec::new();
    for n in names {
        if seen.insert(n.clone()) && shown.len() < SHOWN_SANS {
            shown.push(PeerText::from_text(&n).as_str().to_owned());
        }
    }
    (shown, seen.len())
}

/// Whether the server asked for a client certificate, and whether one was sent.
#[derive(Debug, Default)]
pub struct ClientCertState {
    pub requested: bool,
    pub sent: bool,
}

/// Presents the configured identity (if any) and records the server's request for it.
#[derive(Debug)]
pub struct RecordingResolver {
    pub identity: Option<Arc<CertifiedKey>>,
    pub state: Arc<Mutex<ClientCertState>>,
}

impl ResolvesClientCert for RecordingResolver {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        let mut st = self.state.lock().unwrap();
        st.requested = true;
        st.sent = self.identity.is_some();
        self.identity.clone()
    }

    fn has_certs(&self) -> bool {
        self.identity.is_some()
    }
}
