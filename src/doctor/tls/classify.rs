//! Names the cause of a failed handshake from the typed rustls error and the raw bytes seen.

use super::Observed;
use crate::config::Protocol;
use crate::doctor::net::{connect_tcp, printable, rustls_error, PeerGreeting, Recording};
use crate::doctor::{suggest_url, Probe};
use crate::facts::diagnosis::tls::{Diagnosis, PlaintextAnswer, UnknownCaKind, VersionMismatch};
use crate::facts::net::TlsRefusal;
use crate::facts::CloseKind;
use rustls::{AlertDescription, CertificateError, PeerIncompatible};
use serde_json::Value;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Speaks plaintext to `addr` (an h2 preface for gRPC, an HTTP/1.1 request otherwise) and
/// returns the answer when it is a plaintext protocol (HTTP/1 or HTTP/2 frames).
pub async fn plaintext_answer(
    addr: SocketAddr,
    host: &str,
    protocol: Protocol,
    timeout: Duration,
) -> Option<PlaintextAnswer> {
    let attempt = async {
        let mut s = connect_tcp(addr, timeout).await.ok()?;
        if protocol.is_http() {
            let req = format!(
                "GET / HTTP/1.1\r\nHost: {host}:{}\r\nUser-Agent: runner-doctor\r\nConnection: close\r\n\r\n",
                addr.port()
            );
            s.write_all(req.as_bytes()).await.ok()?;
        } else {
            s.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
                .await
                .ok()?;
        }
        let mut buf = vec![0u8; 512];
        let mut n = 0;
        // Enough bytes to classify (a frame header or `HTTP/1.1 `), or whatever came first.
        while n < 9 {
            match s.read(&mut buf[n..]).await {
                Ok(0) | Err(_) => break,
                Ok(k) => n += k,
            }
        }
        buf.truncate(n);
        Some(buf)
    };
    let bytes = tokio::time::timeout(timeout, attempt).await.ok()??;
    let greeting = PeerGreeting::classify(&bytes);
    matches!(
        greeting,
        PeerGreeting::Http1 | PeerGreeting::H2Settings | PeerGreeting::H2GoAway
    )
    .then_some(PlaintextAnswer {
        greeting,
        first_bytes: bytes,
    })
}

/// A greeting that is itself a plaintext protocol the exporter could speak.
fn speaks_plaintext_protocol(greeting: &PeerGreeting) -> bool {
    matches!(
        greeting,
        PeerGreeting::Http1 | PeerGreeting::H2Settings | PeerGreeting::H2GoAway
    )
}

/// What a handshake that ended with `err` (or a late rejection after it) says; what a
/// plaintext retry answered goes into `evidence`.
pub async fn handshake_error(
    probe: &Probe<'_>,
    addr: SocketAddr,
    err: Option<&io::Error>,
    raw: &Recording,
    obs: &Observed,
    evidence: &mut Value,
) -> Diagnosis {
    let greeting = raw.greeting();
    let first = raw.first_bytes();
    // The peer answered, and not in TLS. Only a plaintext protocol the exporter speaks (HTTP/1,
    // HTTP/2 frames), in this answer or in a plaintext retry, makes it tls_to_plaintext: other
    // bytes say nothing about whether `http://` would work.
    if !greeting.is_tls() && greeting != PeerGreeting::Nothing {
        let answered = retry_plaintext(probe, addr, evidence).await;
        if speaks_plaintext_protocol(&greeting) || answered.is_some() {
            return to_plaintext(probe, addr, greeting, first, None, answered);
        }
        return Diagnosis::NotTls {
            addr,
            greeting,
            first_bytes: first,
        };
    }
    let typed = err.and_then(rustls_error);
    if let Some(d) = typed.and_then(|e| from_rustls(probe, e, obs)) {
        return d;
    }
    let kind = err.map(io::Error::kind);
    let reset = kind == Some(io::ErrorKind::ConnectionReset) || raw.read_error().is_some();
    if raw.total_read() == 0 && typed.is_none() {
        // Nothing came back: either a plaintext server that dropped our ClientHello, or a
        // front end with no live backend. Plaintext on the same port tells them apart.
        let how = if reset {
            CloseKind::Reset
        } else {
            CloseKind::Eof
        };
        let answered = retry_plaintext(probe, addr, evidence).await;
        if answered.is_some() {
            return to_plaintext(probe, addr, greeting, first, Some(how), answered);
        }
        return Diagnosis::AcceptThenClose { addr, how };
    }
    if obs.requested_client_cert && typed.is_none() {
        // The server asked for a certificate, then hung up without an alert: its verdict on
        // what we sent (or did not send).
        return client_cert_verdict(probe, None, obs);
    }
    if reset {
        return Diagnosis::Reset { addr };
    }
    refused(probe, typed.map_or(TlsRefusal::Broken, refusal))
}

fn refused(probe: &Probe<'_>, refusal: TlsRefusal) -> Diagnosis {
    Diagnosis::Refused {
        refusal,
        host: crate::doctor::dns::bare_host(&probe.endpoint.host).to_string(),
        timeout: probe.opts.timeout,
    }
}

/// The refusal a typed rustls error names, for the errors without a cause of their own.
// rustls still returns the deprecated context-free `UnsupportedSignatureAlgorithm` for
// webpki's deprecated variant.
#[allow(deprecated)]
fn refusal(e: &rustls::Error) -> TlsRefusal {
    use rustls::Error as E;
    use TlsRefusal as R;
    match e {
        E::InvalidCertificate(ce) => match ce {
            CertificateError::BadEncoding => R::CertBadEncoding,
            CertificateError::UnhandledCriticalExtension => R::CertUnknownCriticalExtension,
            CertificateError::UnsupportedSignatureAlgorithm
            | CertificateError::UnsupportedSignatureAlgorithmContext { .. } => R::CertWeakSignature,
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
                R::CertNotForServers
            }
            CertificateError::Revoked => R::CertRevoked,
            CertificateError::Other(other) => match other.0.downcast_ref::<webpki::Error>() {
                Some(webpki::Error::CaUsedAsEndEntity) => R::ServerCertIsCa,
                Some(webpki::Error::UnsupportedCertVersion) => R::CertVersion1,
                Some(
                    webpki::Error::EndEntityUsedAsCa
                    | webpki::Error::PathLenConstraintViolated
                    | webpki::Error::NameConstraintViolation
                    | webpki::Error::MaximumPathDepthExceeded
                    | webpki::Error::MaximumPathBuildCallsExceeded
                    | webpki::Error::MaximumSignatureChecksExceeded,
                ) => R::ChainConstraintViolated,
                Some(webpki::Error::UnsupportedCriticalExtension) => {
                    R::CertUnknownCriticalExtension
                }
                Some(webpki::Error::BadDer | webpki::Error::MalformedExtensions) => {
                    R::CertBadEncoding
                }
                _ => R::CertOther,
            },
            _ => R::CertOther,
        },
        E::NoCertificatesPresented => R::NoCertificate,
        E::PeerIncompatible(p) => match p {
            PeerIncompatible::NoCipherSuitesInCommon => R::NoCipherSuite,
            PeerIncompatible::NoKxGroupsInCommon | PeerIncompatible::NoEcPointFormatsInCommon => {
                R::NoKeyExchangeGroup
            }
            PeerIncompatible::NoSignatureSchemesInCommon
            | PeerIncompatible::NoCertificateRequestSignatureSchemesInCommon => {
                R::NoSignatureScheme
            }
            _ => R::HelloIncompatible,
        },
        E::PeerMisbehaved(_) | E::InappropriateMessage { .. } => R::ServerMisbehaved,
        E::InappropriateHandshakeMessage { .. } => R::ServerMisbehaved,
        E::InvalidMessage(_) => R::Malformed,
        E::DecryptError => R::DecryptFailed,
        E::AlertReceived(alert) => {
            let code = u8::from(*alert);
            match alert {
                AlertDescription::HandshakeFailure | AlertDescription::InsufficientSecurity => {
                    R::AlertNoCommonGround { code }
                }
                AlertDescription::UnrecognisedName => R::AlertUnrecognisedName,
                AlertDescription::InternalError => R::AlertInternalError,
                AlertDescription::AccessDenied => R::AlertAccessDenied,
                AlertDescription::DecodeError
                | AlertDescription::IllegalParameter
                | AlertDescription::UnexpectedMessage => R::AlertRejectedHello { code },
                _ => R::AlertOther { code },
            }
        }
        _ => R::Broken,
    }
}

/// Plaintext on the same port, as the exporter would send it; what came back goes into the
/// evidence under `plaintext_retry`.
async fn retry_plaintext(
    probe: &Probe<'_>,
    addr: SocketAddr,
    evidence: &mut Value,
) -> Option<PlaintextAnswer> {
    // Through a proxy the endpoint is reached by its tunnel only: no direct retry (its greeting
    // alone decides).
    if crate::doctor::proxy::exporter_proxy(probe).is_some() {
        return None;
    }
    let host = crate::doctor::dns::bare_host(&probe.endpoint.host);
    let answered = plaintext_answer(
        addr,
        host,
        probe.settings.protocol.value,
        probe.opts.timeout,
    )
    .await;
    evidence["plaintext_retry"] = match &answered {
        Some(a) => serde_json::json!({
            "answered": true,
            "greeting": a.greeting,
            "first_bytes_text": printable(&a.first_bytes[..a.first_bytes.len().min(64)]),
        }),
        None => serde_json::json!({ "answered": false }),
    };
    answered
}

fn to_plaintext(
    probe: &Probe<'_>,
    addr: SocketAddr,
    greeting: PeerGreeting,
    first_bytes: Vec<u8>,
    closed: Option<CloseKind>,
    retry: Option<PlaintextAnswer>,
) -> Diagnosis {
    let scheme = if probe.endpoint.scheme == "grpcs" {
        "grpc"
    } else {
        "http"
    };
    Diagnosis::ToPlaintext {
        addr,
        greeting,
        first_bytes,
        closed,
        retry,
        suggested_url: suggest_url(probe.endpoint, Some(scheme), None),
        setting: probe.settings.endpoint_raw.source.clone(),
        insecure_applies: probe.endpoint.scheme.is_empty()
            && probe.settings.protocol.value == Protocol::Grpc,
    }
}

/// The server refused the handshake after asking for a client certificate.
fn client_cert_verdict(probe: &Probe<'_>, alert: Option<u8>, obs: &Observed) -> Diagnosis {
    if obs.sent_client_cert {
        let path = probe
            .settings
            .client_certificate
            .as_ref()
            .map(|c| c.value.display().to_string())
            .unwrap_or_default();
        Diagnosis::ClientCertRejected { alert, path }
    } else {
        Diagnosis::ClientCertRequired { alert }
    }
}

/// Causes named by a typed rustls error; `None` when it names none of ours.
fn from_rustls(probe: &Probe<'_>, e: &rustls::Error, obs: &Observed) -> Option<Diagnosis> {
    let leaf = obs.chain.first();
    let now = super::chain::now_rfc3339();
    let self_signed = leaf.is_some_and(|c| c.self_signed) && obs.chain.len() == 1;
    let unknown_ca = |how| Diagnosis::UnknownCa {
        issuer: leaf.map(|c| c.issuer.clone()),
        self_signed,
        ca_configured: probe.settings.certificate.is_some(),
        how,
    };
    Some(match e {
        rustls::Error::InvalidCertificate(ce) => match ce {
            CertificateError::UnknownIssuer => unknown_ca(UnknownCaKind::Unknown),
            // The issuer's name matched a certificate (trusted, or sent) whose key did not
            // verify the signature: still no trusted certificate signed the chain.
            CertificateError::BadSignature => unknown_ca(UnknownCaKind::Namesake("BadSignature")),
            CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
                unknown_ca(UnknownCaKind::Namesake(
                    "UnsupportedSignatureAlgorithmForPublicKey",
                ))
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                let mut names = leaf
                    .map(|c| (c.sans.clone(), c.sans_total))
                    .unwrap_or_default();
                if let CertificateError::NotValidForNameContext { presented, .. } = ce {
                    if names.0.is_empty() {
                        names = super::chain::shown_list(presented.clone());
                    }
                }
                Diagnosis::HostnameMismatch {
                    host: crate::doctor::dns::bare_host(&probe.endpoint.host).to_string(),
                    names: names.0,
                    total: names.1,
                }
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                Diagnosis::Expired {
                    not_after: leaf.map(|c| c.not_after.clone()),
                    now,
                }
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                Diagnosis::NotYetValid {
                    not_before: leaf.map(|c| c.not_before.clone()),
                    now,
                }
            }
            // A self-signed CA certificate that is not the CA file's: untrusted.
            CertificateError::Other(_)
                if crate::tlsconf::is_ca_used_as_end_entity(e) && self_signed =>
            {
                unknown_ca(UnknownCaKind::MarkedCa)
            }
            _ => return None,
        },
        rustls::Error::AlertReceived(alert) => {
            let code = u8::from(*alert);
            match alert {
                AlertDescription::ProtocolVersion => Diagnosis::VersionUnsupported {
                    why: VersionMismatch::Alert,
                },
                AlertDescription::NoApplicationProtocol => {
                    Diagnosis::AlpnH2Missing { negotiated: None }
                }
                AlertDescription::CertificateRequired if !obs.sent_client_cert => {
                    Diagnosis::ClientCertRequired { alert: Some(code) }
                }
                AlertDescription::CertificateRequired
                | AlertDescription::BadCertificate
                | AlertDescription::UnsupportedCertificate
                | AlertDescription::CertificateRevoked
                | AlertDescription::CertificateExpired
                | AlertDescription::CertificateUnknown
                | AlertDescription::UnknownCA
                | AlertDescription::AccessDenied
                | AlertDescription::DecryptError
                | AlertDescription::HandshakeFailure
                    if obs.requested_client_cert =>
                {
                    client_cert_verdict(probe, Some(code), obs)
                }
                // The server asked for a certificate and we had none: whatever alert it
                // chose, that is the likely verdict.
                _ if obs.requested_client_cert && !obs.sent_client_cert => {
                    Diagnosis::ClientCertRequired { alert: Some(code) }
                }
                _ => return None,
            }
        }
        rustls::Error::PeerIncompatible(p) => Diagnosis::VersionUnsupported {
            why: match p {
                PeerIncompatible::ServerDoesNotSupportTls12Or13 => VersionMismatch::Neither,
                PeerIncompatible::ServerTlsVersionIsDisabledByOurConfig => {
                    VersionMismatch::DisabledHere
                }
                PeerIncompatible::SupportedVersionsExtensionRequired => {
                    VersionMismatch::NeedsSupportedVersions
                }
                PeerIncompatible::Tls12NotOffered | PeerIncompatible::Tls12NotOfferedOrEnabled => {
                    VersionMismatch::Tls12NotOffered
                }
                _ => return None,
            },
        },
        _ => return None,
    })
}

/// The server took the connection and did not finish the handshake in time.
pub fn handshake_timeout(probe: &Probe<'_>, raw: &Recording) -> Diagnosis {
    refused(
        probe,
        if raw.total_read() == 0 {
            TlsRefusal::SilentAfterHello
        } else {
            TlsRefusal::Stalled
        },
    )
}
