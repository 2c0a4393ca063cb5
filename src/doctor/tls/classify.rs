//! Names the cause of a failed handshake from the typed rustls error and the raw bytes seen.

use super::Observed;
use crate::cause::net_text;
use crate::cause::tcp::{accept_then_close, connection_reset};
use crate::cause::{Finding, Stage};
use crate::config::Protocol;
use crate::doctor::net::{connect_tcp, printable, rustls_error, PeerGreeting, Recording};
use crate::doctor::{suggest_url, Probe};
use crate::facts::net::TlsRefusal;
use crate::facts::CloseKind;
use rustls::{AlertDescription, CertificateError, PeerIncompatible};
use serde_json::Value;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A plaintext protocol answer on a port: the greeting and the first bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlaintextAnswer {
    pub greeting: PeerGreeting,
    pub first_bytes: Vec<u8>,
}

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

/// What a non-TLS answer looked like, for the finding's explanation.
fn describe(greeting: &PeerGreeting, first: &[u8]) -> String {
    let line = printable(
        first
            .split(|&b| b == b'\r' || b == b'\n')
            .next()
            .unwrap_or(&[]),
    );
    let line: String = line.chars().take(60).collect();
    match greeting {
        PeerGreeting::Http1 => format!("an HTTP/1 response (`{line}`)"),
        PeerGreeting::H2Settings => {
            "an HTTP/2 SETTINGS frame (a plaintext h2c server, such as the collector's gRPC \
             receiver)"
                .to_string()
        }
        PeerGreeting::H2GoAway => "an HTTP/2 GOAWAY frame (a plaintext h2c server)".to_string(),
        PeerGreeting::Text => format!("text (`{line}`)"),
        _ => format!(
            "bytes that are not TLS (`{}`)",
            hex::encode(&first[..first.len().min(16)])
        ),
    }
}

/// A finding for a handshake that ended with `err` (or a late rejection after it).
pub async fn handshake_error(
    probe: &Probe<'_>,
    addr: SocketAddr,
    err: Option<&io::Error>,
    raw: &Recording,
    obs: &Observed,
    evidence: Value,
) -> Finding {
    let signal = probe.settings.signal;
    let greeting = raw.greeting();
    let first = raw.first_bytes();
    // The peer answered, and not in TLS. Only a plaintext protocol the exporter speaks (HTTP/1,
    // HTTP/2 frames), in this answer or in a plaintext retry, makes it tls_to_plaintext: other
    // bytes say nothing about whether `http://` would work.
    if !greeting.is_tls() && greeting != PeerGreeting::Nothing {
        let seen = describe(&greeting, &first);
        let answered = retry_plaintext(probe, addr).await;
        if speaks_plaintext_protocol(&greeting) || answered.is_some() {
            return to_plaintext(probe, addr, &seen, answered, evidence);
        }
        let mut evidence = evidence;
        evidence["plaintext_retry"] = serde_json::json!({ "answered": false });
        return net_text::tls_not_a_tls_server(signal, addr, &seen, evidence);
    }
    let typed = err.and_then(rustls_error);
    if let Some(e) = typed {
        if let Some(f) = from_rustls(probe, e, obs, evidence.clone()) {
            return f;
        }
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
        let seen = if reset {
            "a reset, without a byte"
        } else {
            "the connection closed, without a byte"
        };
        let answered = retry_plaintext(probe, addr).await;
        if answered.is_some() {
            return to_plaintext(probe, addr, seen, answered, evidence);
        }
        return accept_then_close(signal, Stage::Tls, addr, "a TLS ClientHello", how, evidence);
    }
    if obs.requested_client_cert && typed.is_none() {
        // The server asked for a certificate, then hung up without an alert: its verdict on
        // what we sent (or did not send).
        return client_cert_verdict(probe, None, obs, evidence);
    }
    if reset {
        return connection_reset(signal, Stage::Tls, addr, "the TLS handshake", evidence);
    }
    let refusal = typed.map_or(TlsRefusal::Broken, refusal);
    let host = super::super::dns::bare_host(&probe.endpoint.host);
    net_text::tls_refused(signal, refusal, host, probe.opts.timeout, evidence)
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

async fn retry_plaintext(probe: &Probe<'_>, addr: SocketAddr) -> Option<PlaintextAnswer> {
    // Through a proxy the endpoint is reached by its tunnel only: no direct retry (its greeting
    // alone decides).
    if crate::doctor::proxy::exporter_proxy(probe).is_some() {
        return None;
    }
    let host = super::super::dns::bare_host(&probe.endpoint.host);
    plaintext_answer(
        addr,
        host,
        probe.settings.protocol.value,
        probe.opts.timeout,
    )
    .await
}

fn to_plaintext(
    probe: &Probe<'_>,
    addr: SocketAddr,
    seen: &str,
    answered: Option<PlaintextAnswer>,
    evidence: Value,
) -> Finding {
    let mut evidence = evidence;
    evidence["plaintext_retry"] = match &answered {
        Some(a) => serde_json::json!({
            "answered": true,
            "greeting": a.greeting,
            "first_bytes_text": printable(&a.first_bytes[..a.first_bytes.len().min(64)]),
        }),
        None => serde_json::json!({ "answered": false }),
    };
    let scheme = if probe.endpoint.scheme == "grpcs" {
        "grpc"
    } else {
        "http"
    };
    let url = suggest_url(probe.endpoint, Some(scheme), None);
    net_text::tls_to_plaintext(
        probe.settings.signal,
        addr,
        seen,
        &url,
        &probe.settings.endpoint_raw.source,
        answered.is_some(),
        probe.endpoint.scheme.is_empty() && probe.settings.protocol.value == Protocol::Grpc,
        evidence,
    )
}

/// The server refused the handshake after asking for a client certificate.
fn client_cert_verdict(
    probe: &Probe<'_>,
    alert: Option<u8>,
    obs: &Observed,
    evidence: Value,
) -> Finding {
    let signal = probe.settings.signal;
    if obs.sent_client_cert {
        let path = probe
            .settings
            .client_certificate
            .as_ref()
            .map(|c| c.value.display().to_string())
            .unwrap_or_default();
        net_text::tls_client_cert_rejected(signal, alert, &path, evidence)
    } else {
        net_text::tls_client_cert_required(signal, alert, evidence)
    }
}

/// Causes named by a typed rustls error; `None` when it names none of ours.
fn from_rustls(
    probe: &Probe<'_>,
    e: &rustls::Error,
    obs: &Observed,
    evidence: Value,
) -> Option<Finding> {
    let signal = probe.settings.signal;
    let leaf = obs.chain.first();
    let now = super::chain::now_rfc3339();
    Some(match e {
        rustls::Error::InvalidCertificate(ce) => match ce {
            CertificateError::UnknownIssuer => net_text::tls_unknown_ca(
                signal,
                leaf.map(|c| c.issuer.as_str()),
                leaf.is_some_and(|c| c.self_signed) && obs.chain.len() == 1,
                probe.settings.certificate.is_some(),
                evidence,
            ),
            // The issuer's name matched a certificate (trusted, or sent) whose key did not
            // verify the signature: still no trusted certificate signed the chain.
            CertificateError::BadSignature
            | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
                let variant = match ce {
                    CertificateError::BadSignature => "BadSignature",
                    _ => "UnsupportedSignatureAlgorithmForPublicKey",
                };
                net_text::tls_unknown_ca_namesake(
                    signal,
                    leaf.map(|c| c.issuer.as_str()),
                    leaf.is_some_and(|c| c.self_signed) && obs.chain.len() == 1,
                    probe.settings.certificate.is_some(),
                    variant,
                    evidence,
                )
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
                let host = super::super::dns::bare_host(&probe.endpoint.host);
                net_text::tls_hostname_mismatch(signal, host, &names.0, names.1, evidence)
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                let until = leaf.map_or("an earlier date".to_string(), |c| c.not_after.clone());
                net_text::tls_cert_expired(signal, &until, &now, evidence)
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                let from = leaf.map_or("a later date".to_string(), |c| c.not_before.clone());
                net_text::tls_cert_not_yet_valid(signal, &from, &now, evidence)
            }
            // A self-signed CA certificate that is not the CA file's: untrusted.
            CertificateError::Other(_)
                if crate::tlsconf::is_ca_used_as_end_entity(e)
                    && leaf.is_some_and(|c| c.self_signed)
                    && obs.chain.len() == 1 =>
            {
                net_text::tls_unknown_ca_marked_ca(
                    signal,
                    leaf.map(|c| c.issuer.as_str()),
                    probe.settings.certificate.is_some(),
                    evidence,
                )
            }
            _ => return None,
        },
        rustls::Error::AlertReceived(alert) => {
            let code = u8::from(*alert);
            match alert {
                AlertDescription::ProtocolVersion => net_text::tls_version_unsupported(
                    signal,
                    "the server answered with the `protocol_version` alert (70)",
                    evidence,
                ),
                AlertDescription::NoApplicationProtocol => {
                    net_text::tls_alpn_h2_missing(signal, None, evidence)
                }
                AlertDescription::CertificateRequired if !obs.sent_client_cert => {
                    net_text::tls_client_cert_required(signal, Some(code), evidence)
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
                    client_cert_verdict(probe, Some(code), obs, evidence)
                }
                // The server asked for a certificate and we had none: whatever alert it
                // chose, that is the likely verdict.
                _ if obs.requested_client_cert && !obs.sent_client_cert => {
                    net_text::tls_client_cert_required(signal, Some(code), evidence)
                }
                _ => return None,
            }
        }
        rustls::Error::PeerIncompatible(p) => match p {
            PeerIncompatible::ServerDoesNotSupportTls12Or13
            | PeerIncompatible::ServerTlsVersionIsDisabledByOurConfig
            | PeerIncompatible::SupportedVersionsExtensionRequired
            | PeerIncompatible::Tls12NotOffered
            | PeerIncompatible::Tls12NotOfferedOrEnabled => net_text::tls_version_unsupported(
                signal,
                &net_text::version_not_offered(p),
                evidence,
            ),
            _ => return None,
        },
        _ => return None,
    })
}

/// The server took the connection and did not finish the handshake in time.
pub fn handshake_timeout(probe: &Probe<'_>, raw: &Recording, evidence: Value) -> Finding {
    let refusal = if raw.total_read() == 0 {
        TlsRefusal::SilentAfterHello
    } else {
        TlsRefusal::Stalled
    };
    let host = super::super::dns::bare_host(&probe.endpoint.host);
    net_text::tls_refused(
        probe.settings.signal,
        refusal,
        host,
        probe.opts.timeout,
        evidence,
    )
    .stalled()
}
