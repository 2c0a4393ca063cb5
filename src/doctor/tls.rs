//! The tls stage: handshake, chain, ALPN; plaintext versus TLS decided from the first bytes.
//!
//! The handshake uses the same trust and identity as the exporter (`tlsconf`), wrapped so that
//! the presented chain and the server's request for a client certificate are recorded even
//! when the handshake fails. Failures are classified from typed rustls errors and the raw
//! bytes the peer sent (`classify`), never from error strings.

pub mod chain;
mod classify;

use super::net::{self, alpn_for, connect_tcp, Recorded, Recording};
use super::{Probe, Seen};
use crate::facts::diagnosis::tls::{Diagnosis, Handshake};
use crate::tlsconf::TrustVerifier;
use chain::{CertInfo, ClientCertState, RecordingResolver};
use rustls::ClientConfig;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;

pub use crate::facts::diagnosis::tls::PlaintextAnswer;
pub use classify::plaintext_answer;

/// What one handshake attempt recorded, whatever its outcome.
#[derive(Debug, Default)]
pub struct Observed {
    pub chain: Vec<CertInfo>,
    pub requested_client_cert: bool,
    pub sent_client_cert: bool,
}

pub use super::net::server_name;

/// Runs the stage against `addr` (which the tcp stage connected to): what it saw.
pub async fn run(probe: &Probe<'_>, addr: SocketAddr) -> Seen<Diagnosis> {
    let started = Instant::now();
    let timeout = probe.opts.timeout;
    // The whole stage (setup, connect, handshake) fits in one timeout.
    let deadline = started + timeout;
    let cc_state = Arc::new(Mutex::new(ClientCertState::default()));
    let seen = |d, evidence| Seen::new(d, evidence, started);
    let (config, trust) = match recording_config(probe, cc_state.clone()) {
        Ok(c) => c,
        Err(e) => {
            let d = Diagnosis::SetupFailed {
                detail: e.to_string(),
            };
            return seen(d, serde_json::Value::Null);
        }
    };
    let offered: Vec<String> = alpn_for(probe.settings.protocol.value)
        .iter()
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    // The exporter's path: through the proxy's tunnel when it takes one, else directly.
    let via = super::proxy::exporter_proxy(probe);
    let left = deadline.saturating_duration_since(Instant::now());
    let tcp = match &via {
        Some(p) => match super::proxy::connect_through(probe, p, probe.endpoint.port, left).await {
            Ok(s) => s,
            Err(error) => {
                let evidence = super::proxy::failure_evidence(p, &error);
                let d = Diagnosis::ProxyFailed {
                    proxy: p.clone(),
                    error,
                    timeout,
                };
                return seen(d, evidence);
            }
        },
        None => match connect_tcp(addr, left).await {
            Ok(s) => s,
            Err(failure) => {
                return seen(
                    Diagnosis::NoReconnect { addr, failure },
                    serde_json::Value::Null,
                )
            }
        },
    };
    let (stream, raw) = Recorded::new(tcp);
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let name = server_name(&probe.endpoint.host);
    let left = deadline.saturating_duration_since(Instant::now());
    let outcome = tokio::time::timeout(left, connector.connect(name, stream).into_fallible()).await;
    let observed = |trust: &TrustVerifier| {
        let st = cc_state.lock().unwrap();
        Observed {
            chain: trust
                .presented()
                .iter()
                .filter_map(|c| CertInfo::parse(c))
                .collect(),
            requested_client_cert: st.requested,
            sent_client_cert: st.sent,
        }
    };
    let mut evidence = json!({
        "address": addr.to_string(),
        "proxy": via.as_ref().map(|p| p.display.clone()),
        "server_name": super::dns::bare_host(&probe.endpoint.host),
        "offered_alpn": offered,
    });
    if let Some(p) = via.as_ref().filter(|_| raw.total_read() == 0) {
        if !matches!(outcome, Ok(Ok(_))) {
            // Nothing came back through the tunnel: the proxy's failure, as the exporter
            // would meet it.
            evidence["tunnel"] = json!({ "stalled": outcome.is_err(), "bytes_received": 0 });
            let d = Diagnosis::TunnelSilent {
                proxy: p.clone(),
                stalled: outcome.is_err(),
                timeout,
            };
            return seen(d, evidence);
        }
    }
    match outcome {
        Ok(Ok(mut tls)) => {
            let (_, conn) = tls.get_ref();
            let version = conn.protocol_version().map(|v| {
                v.as_str()
                    .map_or_else(|| u16::from(v).to_string(), str::to_owned)
            });
            let cipher = conn.negotiated_cipher_suite().map(|c| {
                let s = c.suite();
                s.as_str()
                    .map_or_else(|| u16::from(s).to_string(), str::to_owned)
            });
            let alpn = conn
                .alpn_protocol()
                .map(|p| String::from_utf8_lossy(p).into_owned());
            let tls13 = conn.protocol_version() == Some(rustls::ProtocolVersion::TLSv1_3);
            // With TLS 1.3 the server judges our certificate after we think the handshake is
            // done: its verdict (an alert) comes with its first answer. Ask for one (the
            // protocol's first words) rather than wait a fixed time for an alert that a
            // server which kept us never sends.
            let requested = cc_state.lock().unwrap().requested;
            let late = if tls13 && requested {
                let poke = first_words(alpn.as_deref(), &probe.endpoint.host);
                late_verdict(&mut tls, &poke, timeout).await
            } else {
                None
            };
            let obs = observed(&trust);
            evidence["version"] = json!(version);
            evidence["cipher"] = json!(cipher);
            evidence["alpn"] = json!(alpn);
            evidence["chain"] = json!(obs.chain);
            evidence["client_certificate"] =
                json!({ "requested": obs.requested_client_cert, "sent": obs.sent_client_cert });
            evidence["raw"] = raw.evidence();
            if let Some(err) = late {
                let d =
                    classify::handshake_error(probe, addr, Some(&err), &raw, &obs, &mut evidence)
                        .await;
                return seen(d, evidence);
            }
            let grpc = !probe.settings.protocol.value.is_http();
            if grpc && alpn.as_deref() != Some("h2") {
                return seen(Diagnosis::AlpnH2Missing { negotiated: alpn }, evidence);
            }
            let anchor = trust.accepted_anchor().then(|| {
                probe
                    .settings
                    .certificate
                    .as_ref()
                    .map(|c| c.value.display().to_string())
                    .unwrap_or_default()
            });
            let handshake = Handshake {
                version,
                cipher,
                alpn,
                leaf: obs
                    .chain
                    .first()
                    .map(|c| (c.subject.clone(), c.not_after.clone())),
            };
            let d = Diagnosis::Done {
                handshake,
                via,
                anchor,
            };
            seen(d, evidence)
        }
        Ok(Err((err, mut io))) => {
            let obs = observed(&trust);
            evidence["chain"] = json!(obs.chain);
            evidence["client_certificate"] =
                json!({ "requested": obs.requested_client_cert, "sent": obs.sent_client_cert });
            // rustls lists every name the certificate has (thousands, for some): escaped and
            // capped like any text the peer chose.
            evidence["error"] = json!(crate::facts::peer_text::PeerText::from_text(
                &err.to_string()
            ));
            // A server that refuses us may alert and hang up while we still write our flight
            // (TLS 1.2 mTLS): the handshake then stops at the write error with the alert
            // unread. Read it now, briefly, and classify from it.
            let left = deadline.saturating_duration_since(Instant::now());
            let alert = if net::rustls_error(&err).is_none() {
                alert_after_error(&mut io, left.min(Duration::from_millis(250))).await
            } else {
                None
            };
            drop(io);
            let err = match alert {
                Some(code) => {
                    evidence["alert_after_error"] = json!(code);
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        rustls::Error::AlertReceived(rustls::AlertDescription::from(code)),
                    )
                }
                None => err,
            };
            evidence["raw"] = raw.evidence();
            let d =
                classify::handshake_error(probe, addr, Some(&err), &raw, &obs, &mut evidence).await;
            seen(d, evidence)
        }
        Err(_) => {
            let obs = observed(&trust);
            evidence["chain"] = json!(obs.chain);
            evidence["raw"] = raw.evidence();
            evidence["timeout_ms"] = json!(timeout.as_millis() as u64);
            seen(classify::handshake_timeout(probe, &raw), evidence)
        }
    }
}

/// The first words of the negotiated protocol, which any server that kept us answers at once:
/// the HTTP/2 preface and an empty SETTINGS frame (answered by the server's SETTINGS), or an
/// HTTP/1.1 `OPTIONS *` (answered by a status line).
fn first_words(alpn: Option<&str>, host: &str) -> Vec<u8> {
    if alpn == Some("h2") {
        let mut v = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
        v.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 0, 0]);
        v
    } else {
        format!("OPTIONS * HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").into_bytes()
    }
}

/// After a TLS 1.3 handshake in which the server asked for our certificate: sends `poke` and
/// reads the first answer, bounded. The error (an alert, a reset, EOF) if the server rejected
/// us, `None` if it answered (or, a server that never answers, stayed quiet: it kept us).
async fn late_verdict<S>(tls: &mut S, poke: &[u8], timeout: Duration) -> Option<std::io::Error>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    use tokio::io::AsyncWriteExt;
    let bound = (timeout / 3).min(Duration::from_millis(750));
    // A write error means the server already hung up: its alert is waiting to be read.
    let _ = tokio::time::timeout(bound, async {
        tls.write_all(poke).await?;
        tls.flush().await
    })
    .await;
    let mut buf = [0u8; 1024];
    match tokio::time::timeout(bound, tls.read(&mut buf)).await {
        Ok(Ok(0)) => Some(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "closed after the handshake",
        )),
        Ok(Err(e)) => Some(e),
        _ => None,
    }
}

/// Reads what the server sent after the handshake stopped on an I/O error and returns the
/// description of the first TLS alert in it. Before the server's ChangeCipherSpec (where a
/// TLS 1.2 server refuses a client certificate) alerts are plaintext records.
async fn alert_after_error<S>(io: &mut S, bound: Duration) -> Option<u8>
where
    S: tokio::io::AsyncRead + Unpin,
{
    let mut buf = vec![0u8; 4096];
    let mut n = 0;
    let _ = tokio::time::timeout(bound, async {
        while n < buf.len() {
            match io.read(&mut buf[n..]).await {
                Ok(0) | Err(_) => break,
                Ok(k) => n += k,
            }
            if first_alert(&buf[..n]).is_some() {
                break;
            }
        }
    })
    .await;
    first_alert(&buf[..n])
}

/// The description of the first complete alert record among whole TLS records in `bytes`.
fn first_alert(bytes: &[u8]) -> Option<u8> {
    let mut rest = bytes;
    while let [kind, 0x03, _, hi, lo, body @ ..] = rest {
        let len = usize::from(*hi) << 8 | usize::from(*lo);
        if body.len() < len {
            return None;
        }
        if *kind == 0x15 && len == 2 {
            return Some(body[1]);
        }
        rest = &body[len..];
    }
    None
}

/// The exporter's TLS configuration, with a recorder around its identity.
fn recording_config(
    probe: &Probe<'_>,
    state: Arc<Mutex<ClientCertState>>,
) -> Result<(ClientConfig, Arc<TrustVerifier>), crate::tlsconf::TlsSetupError> {
    let verifier = crate::tlsconf::server_verifier(probe.settings)?;
    let identity = crate::tlsconf::client_identity(probe.settings)?;
    let mut config = ClientConfig::builder_with_provider(crate::tlsconf::provider())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default versions")
        .dangerous()
        .with_custom_certificate_verifier(verifier.clone())
        .with_client_cert_resolver(Arc::new(RecordingResolver { identity, state }));
    config.alpn_protocols = alpn_for(probe.settings.protocol.value)
        .iter()
        .map(|p| p.to_vec())
        .collect();
    Ok((config, verifier))
}

/// A whole TLS handshake with `addr`, with the exporter's trust and client identity, as if
/// the endpoint said `https://`. For verifying a `plaintext_to_tls` fix: it works only when
/// the handshake does, and otherwise says what is still missing.
pub async fn try_handshake(probe: &Probe<'_>, addr: SocketAddr) -> crate::facts::Observed {
    use crate::facts::Observed as Seen;
    use crate::facts::TlsShortfall as Short;
    let timeout = probe.opts.timeout;
    let config = match crate::tlsconf::client_config(
        probe.settings,
        alpn_for(probe.settings.protocol.value),
    ) {
        Ok(c) => c,
        Err(_) => return Seen::NoServerHello,
    };
    let Ok(tcp) = connect_tcp(addr, timeout).await else {
        return Seen::NoServerHello;
    };
    let (stream, raw): (_, Recording) = Recorded::new(tcp);
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let result = tokio::time::timeout(
        timeout,
        connector.connect(server_name(&probe.endpoint.host), stream),
    )
    .await;
    let error = match result {
        Ok(Ok(_)) => return Seen::TlsHandshake,
        Ok(Err(e)) => Some(e),
        Err(_) => None,
    };
    if raw.greeting() != super::net::PeerGreeting::TlsHandshake {
        return Seen::NoServerHello;
    }
    let typed = error.as_ref().and_then(net::rustls_error);
    Seen::ServerHello(match typed {
        Some(rustls::Error::InvalidCertificate(ce)) => match ce {
            rustls::CertificateError::NotValidForName
            | rustls::CertificateError::NotValidForNameContext { .. } => Short::HostName,
            rustls::CertificateError::Expired
            | rustls::CertificateError::ExpiredContext { .. }
            | rustls::CertificateError::NotValidYet
            | rustls::CertificateError::NotValidYetContext { .. } => Short::Dates,
            rustls::CertificateError::UnknownIssuer
            | rustls::CertificateError::BadSignature
            | rustls::CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext {
                ..
            } => Short::Trust {
                ca_configured: probe.settings.certificate.is_some(),
            },
            rustls::CertificateError::Other(_)
                if crate::tlsconf::is_ca_used_as_end_entity(typed.expect("matched")) =>
            {
                Short::Trust {
                    ca_configured: probe.settings.certificate.is_some(),
                }
            }
            _ => Short::Other,
        },
        Some(rustls::Error::AlertReceived(
            rustls::AlertDescription::CertificateRequired
            | rustls::AlertDescription::BadCertificate
            | rustls::AlertDescription::UnknownCA,
        )) => Short::ClientCertificate,
        _ => Short::Other,
    })
}

#[cfg(test)]
mod tests {
    use super::first_alert;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        /// TLS records from a hostile peer: any bytes, any claimed lengths, never a panic.
        #[test]
        fn tls_records_never_panic(mut b in proptest::collection::vec(any::<u8>(), 0..400), k in 0usize..8) {
            let _ = first_alert(&b);
            // Whole-looking records (`15 03 xx len`) of every length, so the walk goes deep.
            for chunk in b.chunks_mut(7).take(k) {
                if chunk.len() > 1 {
                    chunk[0] = 0x15;
                    chunk[1] = 0x03;
                }
            }
            let _ = first_alert(&b);
        }
    }

    #[test]
    fn finds_the_alert_among_records() {
        // A handshake record's tail, then a fatal certificate_required alert.
        let bytes = [
            0x16, 0x03, 0x03, 0x00, 0x01, 0x0e, 0x15, 0x03, 0x03, 0x00, 0x02, 2, 116,
        ];
        assert_eq!(first_alert(&bytes), Some(116));
        assert_eq!(first_alert(&bytes[6..]), Some(116));
        assert_eq!(first_alert(&bytes[..12]), None, "incomplete alert");
        assert_eq!(first_alert(b"HTTP/1.1 400"), None);
        assert_eq!(first_alert(&[]), None);
    }
}
