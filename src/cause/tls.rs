//! Wording of the tls stage: one match over what it saw (`facts::diagnosis::Tls`) picks the
//! cause; the helpers below write its sentences.

use super::{Cause, Finding, Severity, Stage};
use crate::config::Signal;
use crate::facts::diagnosis::tls::{
    Diagnosis, Handshake, PeerGreeting, UnknownCaKind, VersionMismatch,
};
use crate::facts::net::{printable, TlsRefusal};
use crate::facts::Target;
use serde_json::Value;
use std::net::SocketAddr;

/// The stage's summary when it passed (or was skipped).
pub fn summary(d: &Diagnosis, _t: &Target<'_>) -> String {
    match d {
        Diagnosis::Done { handshake, via, .. } => {
            let Handshake {
                version,
                cipher,
                alpn,
                leaf,
            } = handshake;
            format!(
                "{}{} {}, ALPN {}{}",
                through_proxy(via.as_ref()),
                version.as_deref().unwrap_or("TLS"),
                cipher.as_deref().unwrap_or(""),
                alpn.as_deref().unwrap_or("none"),
                leaf.as_ref()
                    .map(|(subject, until)| format!(", certificate {subject} valid until {until}"))
                    .unwrap_or_default()
            )
        }
        Diagnosis::NoReconnect { addr, failure } => {
            format!("could not connect again to {addr} ({failure})")
        }
        _ => String::new(),
    }
}

/// True when the stage did not run its check (its summary says why).
pub fn skipped(d: &Diagnosis) -> bool {
    matches!(d, Diagnosis::NoReconnect { .. })
}

/// The stage's findings: what went wrong (or the one thing worth knowing when it passed).
pub fn finding(d: &Diagnosis, t: &Target<'_>) -> Option<Finding> {
    let signal = t.settings.signal;
    let none = Value::Null;
    Some(match d {
        Diagnosis::Done { anchor: None, .. } | Diagnosis::NoReconnect { .. } => return None,
        Diagnosis::Done {
            anchor: Some(ca_file),
            ..
        } => tls_server_cert_is_anchor(signal, ca_file, none),
        Diagnosis::SetupFailed { detail } => tls_setup_failed(signal, detail),
        Diagnosis::ProxyFailed {
            proxy,
            error,
            timeout,
        } => super::protocol::proxy::proxy_failure(t, proxy, error, *timeout, none)
            .at_stage(Stage::Tls),
        Diagnosis::TunnelSilent {
            proxy,
            stalled,
            timeout,
        } => super::protocol::proxy::proxy_tunnel_tls(t, proxy, *stalled, 0, *timeout, none)
            .at_stage(Stage::Tls),
        Diagnosis::AlpnH2Missing { negotiated } => {
            tls_alpn_h2_missing(signal, negotiated.as_deref(), none)
        }
        Diagnosis::ToPlaintext {
            addr,
            greeting,
            first_bytes,
            closed,
            retry,
            suggested_url,
            setting,
            insecure_applies,
        } => tls_to_plaintext(
            signal,
            *addr,
            &match closed {
                Some(crate::facts::CloseKind::Reset) => "a reset, without a byte".to_string(),
                _ => describe(greeting, first_bytes),
            },
            suggested_url,
            setting,
            retry.is_some(),
            *insecure_applies,
            none,
        ),
        Diagnosis::NotTls {
            addr,
            greeting,
            first_bytes,
        } => tls_not_a_tls_server(signal, *addr, &describe(greeting, first_bytes), none),
        Diagnosis::AcceptThenClose { addr, how } => super::tcp::accept_then_close(
            signal,
            Stage::Tls,
            *addr,
            "a TLS ClientHello",
            *how,
            none,
        ),
        Diagnosis::Reset { addr } => {
            super::tcp::connection_reset(signal, Stage::Tls, *addr, "the TLS handshake", none)
        }
        Diagnosis::ClientCertRequired { alert } => tls_client_cert_required(signal, *alert, none),
        Diagnosis::ClientCertRejected { alert, path } => {
            tls_client_cert_rejected(signal, *alert, path, none)
        }
        Diagnosis::UnknownCa {
            issuer,
            self_signed,
            ca_configured,
            how,
        } => {
            let issuer = issuer.as_deref();
            match how {
                UnknownCaKind::Unknown => {
                    tls_unknown_ca(signal, issuer, *self_signed, *ca_configured, none)
                }
                UnknownCaKind::Namesake(variant) => tls_unknown_ca_namesake(
                    signal,
                    issuer,
                    *self_signed,
                    *ca_configured,
                    variant,
                    none,
                ),
                UnknownCaKind::MarkedCa => {
                    tls_unknown_ca_marked_ca(signal, issuer, *ca_configured, none)
                }
            }
        }
        Diagnosis::HostnameMismatch { host, names, total } => {
            tls_hostname_mismatch(signal, host, names, *total, none)
        }
        Diagnosis::Expired { not_after, now } => tls_cert_expired(signal, not_after, now, none),
        Diagnosis::NotYetValid { not_before, now } => {
            tls_cert_not_yet_valid(signal, not_before, now, none)
        }
        Diagnosis::VersionUnsupported { why } => {
            tls_version_unsupported(signal, &version_mismatch(*why), none)
        }
        Diagnosis::Refused {
            refusal,
            host,
            timeout,
        } => {
            let f = tls_refused(signal, *refusal, host, *timeout, none);
            match refusal {
                TlsRefusal::SilentAfterHello | TlsRefusal::Stalled => f.stalled(),
                _ => f,
            }
        }
    })
}

/// The start of a stage summary that went through `proxy` (empty when direct).
fn through_proxy(proxy: Option<&crate::config::proxy::ProxyTarget>) -> String {
    proxy.map_or(String::new(), |p| {
        format!("through the proxy {} ({}): ", p.display, p.source)
    })
}

/// Why the server's TLS version did not fit.
fn version_mismatch(why: VersionMismatch) -> String {
    let why = match why {
        VersionMismatch::Alert => {
            return "the server answered with the `protocol_version` alert (70)".to_string()
        }
        VersionMismatch::Neither => "it supports neither TLS 1.2 nor TLS 1.3",
        VersionMismatch::DisabledHere => "its version is disabled on the exporter's side",
        VersionMismatch::NeedsSupportedVersions => "it requires the supported_versions extension",
        VersionMismatch::Tls12NotOffered => "it wants TLS 1.2, which the exporter did not offer",
    };
    format!("the server chose a version the exporter does not offer ({why})")
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
        PeerGreeting::Nothing => "the connection closed, without a byte".to_string(),
        _ => format!(
            "bytes that are not TLS (`{}`)",
            hex::encode(&first[..first.len().min(16)])
        ),
    }
}

mod refused;
use refused::tls_refused;

fn finding_for(cause: Cause, severity: Severity, signal: Signal, evidence: Value) -> Finding {
    Finding::new(cause, severity, Some(signal)).evidence(evidence)
}

const CA_SETTING: &str =
    "`OTEL_EXPORTER_OTLP_CERTIFICATE` (or `--ca-file`, or `otel.certificate` in the config file)";

/// TLS was spoken to a plaintext server. `verified`: a plaintext request on the same port
/// got a protocol answer. `insecure_applies`: the endpoint is a scheme-less gRPC one, the only
/// kind the insecure option switches to plaintext (an `https://` scheme always means TLS).
#[allow(clippy::too_many_arguments)]
fn tls_to_plaintext(
    signal: Signal,
    addr: SocketAddr,
    seen: &str,
    suggested_url: &str,
    setting: &crate::config::Source,
    verified: bool,
    insecure_applies: bool,
    evidence: Value,
) -> Finding {
    let or_insecure = if insecure_applies {
        ", or set `OTEL_EXPORTER_OTLP_INSECURE=true` (`--insecure`)"
    } else {
        ""
    };
    let tried = if verified {
        format!(" The doctor tried plaintext on {addr} and got a plaintext protocol answer.")
    } else {
        String::new()
    };
    let mut f = finding_for(Cause::TlsToPlaintext, Severity::Error, signal, evidence).text(
        format!("The exporter speaks TLS, but {addr} speaks plaintext."),
        format!(
            "The doctor sent a TLS ClientHello and got {seen} back instead of a TLS ServerHello: \
             the port serves plaintext (the collector's receivers are plaintext unless given a \
             certificate). Go reports `first record does not look like a TLS handshake`, \
             OpenSSL `wrong version number`, rustls `InvalidContentType`."
        ),
        format!(
            "Set {} (plaintext){or_insecure}.{tried}",
            super::config::set_to(setting, suggested_url, "OTEL_EXPORTER_OTLP_ENDPOINT")
        ),
    );
    f.fix_verified = verified;
    f
}

/// The configured CA or client certificate files could not be used for the handshake.
fn tls_setup_failed(signal: Signal, detail: &str) -> Finding {
    Finding::new(Cause::TlsFilesInvalid, Severity::Error, Some(signal))
        .at_stage(Stage::Tls)
        .text(
            "The TLS files of the configuration cannot be used.".to_string(),
            format!("The handshake could not be prepared: {detail}."),
            "Point `OTEL_EXPORTER_OTLP_CERTIFICATE`, `OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE` and \
             `OTEL_EXPORTER_OTLP_CLIENT_KEY` (or `--ca-file`, `--client-cert`, `--client-key`) at \
             readable PEM files; certificate and key must belong together."
                .to_string(),
        )
}

fn tls_unknown_ca(
    signal: Signal,
    issuer: Option<&str>,
    self_signed: bool,
    ca_configured: bool,
    evidence: Value,
) -> Finding {
    let issuer = issuer.unwrap_or("an unknown issuer");
    let what = if self_signed {
        format!("is self-signed ({issuer})")
    } else {
        format!("was issued by {issuer}")
    };
    let trust = if ca_configured {
        "the system's trusted roots nor the configured CA file"
    } else {
        "the system's trusted roots (no CA file is configured)"
    };
    finding_for(Cause::TlsUnknownCa, Severity::Error, signal, evidence).text(
        format!("The server's certificate {what}, which this machine does not trust."),
        format!(
            "The chain the server presented does not lead to a certificate in {trust}. Go \
             reports `x509: certificate signed by unknown authority`, rustls `UnknownIssuer`."
        ),
        format!(
            "Set {CA_SETTING} to a PEM file holding the CA that issued the collector's \
             certificate (for a self-signed certificate, that certificate itself)."
        ),
    )
}

/// Like `tls_unknown_ca`, but a certificate named like the chain's issuer was found (trusted,
/// or sent by the server) and its key did not verify the signature (rustls `BadSignature`):
/// e.g. a self-signed `CN=localhost` while the system trusts another `CN=localhost`.
fn tls_unknown_ca_namesake(
    signal: Signal,
    issuer: Option<&str>,
    self_signed: bool,
    ca_configured: bool,
    rustls_error: &str,
    evidence: Value,
) -> Finding {
    let mut f = tls_unknown_ca(signal, issuer, self_signed, ca_configured, evidence);
    let issuer = issuer.unwrap_or("its issuer");
    f.explanation = format!(
        "No trusted certificate signed this chain. A certificate with the same name as the \
         issuer ({issuer}) is trusted here (or was sent along), but it did not sign the \
         server's certificate: its key does not verify the signature (rustls `{rustls_error}`). \
         Typical for a self-signed certificate named like one in the system's store, such as \
         Debian's snakeoil `CN=localhost` in /etc/ssl/certs. Go reports `x509: certificate \
         signed by unknown authority (possibly because of \"crypto/rsa: verification error\" \
         ...)`."
    );
    f
}

/// Like `tls_unknown_ca` for a self-signed certificate marked `CA:TRUE` (`openssl req -x509`)
/// that is not one of the CA file's certificates (rustls `CaUsedAsEndEntity`).
fn tls_unknown_ca_marked_ca(
    signal: Signal,
    issuer: Option<&str>,
    ca_configured: bool,
    evidence: Value,
) -> Finding {
    let mut f = tls_unknown_ca(signal, issuer, true, ca_configured, evidence);
    let held = if ca_configured {
        "The configured CA file does not hold this certificate"
    } else {
        "No CA file is configured"
    };
    f.explanation = format!(
        "The server presents a self-signed certificate marked as a CA (`CA:TRUE`, as \
         `openssl req -x509` makes them). {held}: such a certificate is trusted only when the \
         CA file holds exactly it (rustls reports `CaUsedAsEndEntity`, Go `x509: certificate \
         signed by unknown authority`)."
    );
    f.fix = format!(
        "Set {CA_SETTING} to a PEM file holding exactly the certificate the server presents \
         (its SHA-256 fingerprint is in the evidence)."
    );
    f
}

fn tls_hostname_mismatch(
    signal: Signal,
    host: &str,
    valid_for: &[String],
    total: usize,
    evidence: Value,
) -> Finding {
    let names = if valid_for.is_empty() {
        "no names at all".to_string()
    } else {
        let list = valid_for
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        if total > valid_for.len() {
            format!("{list} ({total} names, first {} shown)", valid_for.len())
        } else {
            list
        }
    };
    finding_for(
        Cause::TlsHostnameMismatch,
        Severity::Error,
        signal,
        evidence,
    )
    .text(
        format!("The server's certificate is not valid for `{host}`."),
        format!(
            "The certificate is valid for {names}, but the endpoint names `{host}`. Typical when \
             dialing a load balancer by IP address or by its cloud DNS name."
        ),
        format!(
            "Use a host name the certificate names in the endpoint ({names}), or reissue the \
             certificate with `{host}` in its subject alternative names."
        ),
    )
}

fn tls_cert_expired(signal: Signal, not_after: &str, now: &str, evidence: Value) -> Finding {
    finding_for(Cause::TlsCertExpired, Severity::Error, signal, evidence).text(
        format!("The server's certificate expired on {not_after}."),
        format!(
            "The certificate is valid until {not_after}; this machine's clock says {now}. Go \
             reports `x509: certificate has expired or is not yet valid`."
        ),
        "Renew the collector's (or its TLS terminator's) certificate; if the date above is \
         wrong, fix this machine's clock (NTP)."
            .to_string(),
    )
}

fn tls_cert_not_yet_valid(signal: Signal, not_before: &str, now: &str, evidence: Value) -> Finding {
    finding_for(Cause::TlsCertNotYetValid, Severity::Error, signal, evidence).text(
        format!("The server's certificate is not valid before {not_before}."),
        format!(
            "The certificate becomes valid at {not_before}, but this machine's clock says {now}. \
             Either the certificate was just issued with a future start, or (more often) this \
             machine's clock is behind."
        ),
        "Check this machine's clock first (`date -u`, NTP); otherwise wait, or reissue the \
         certificate with a start date in the past."
            .to_string(),
    )
}

fn tls_client_cert_required(signal: Signal, alert: Option<u8>, evidence: Value) -> Finding {
    let alert = alert.map_or(String::new(), |a| format!(" (TLS alert {a})"));
    finding_for(
        Cause::TlsClientCertRequired,
        Severity::Error,
        signal,
        evidence,
    )
    .text(
        format!("The server requires a client certificate and none is configured{alert}."),
        "The server asked for a client certificate (mutual TLS) during the handshake; the \
         exporter has none and the server refused the connection. Go reports `remote error: \
         tls: certificate required` or `bad certificate`."
            .to_string(),
        "Set `OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE` and `OTEL_EXPORTER_OTLP_CLIENT_KEY` (or \
         `--client-cert`/`--client-key`) to the PEM certificate and key the collector trusts."
            .to_string(),
    )
}

fn tls_client_cert_rejected(
    signal: Signal,
    alert: Option<u8>,
    cert_path: &str,
    evidence: Value,
) -> Finding {
    let alert = alert.map_or(String::new(), |a| format!(" (TLS alert {a})"));
    finding_for(Cause::TlsClientCertRejected, Severity::Error, signal, evidence).text(
        format!("The server rejected the client certificate {cert_path}{alert}."),
        "The server asked for a client certificate, the doctor sent the configured one, and \
         the server refused it: it is not issued by a CA the server trusts, has expired, or \
         lacks the client-auth purpose."
            .to_string(),
        format!(
            "Use a client certificate issued by the CA the collector's `client_ca_file` names, \
             or add its CA there; check {cert_path} with `openssl x509 -noout -text -in {cert_path}`."
        ),
    )
}

fn tls_version_unsupported(signal: Signal, detail: &str, evidence: Value) -> Finding {
    finding_for(
        Cause::TlsVersionUnsupported,
        Severity::Error,
        signal,
        evidence,
    )
    .text(
        "The server and the exporter share no TLS version.".to_string(),
        format!(
            "The exporter offers TLS 1.2 and 1.3 only; {detail}. Servers limited to TLS 1.0/1.1 \
             are refused by every current OpenTelemetry SDK."
        ),
        "Enable TLS 1.2 or 1.3 on the collector or its TLS terminator (`min_version: \"1.2\"`)."
            .to_string(),
    )
}

fn tls_alpn_h2_missing(signal: Signal, negotiated: Option<&str>, evidence: Value) -> Finding {
    let got = negotiated.map_or("no application protocol".to_string(), |p| format!("`{p}`"));
    finding_for(Cause::TlsAlpnH2Missing, Severity::Error, signal, evidence).text(
        format!("The TLS server negotiated {got} instead of `h2`, which gRPC needs."),
        format!(
            "gRPC runs over HTTP/2 and offers ALPN `h2`; the server answered with {got}. \
             grpc-go 1.67+ refuses such a connection (`missing selected ALPN property`), and an \
             HTTP/1 terminator cannot carry gRPC anyway."
        ),
        "Enable HTTP/2 on the TLS terminator (nginx: `listen ... ssl http2;` with `grpc_pass`), \
         or export with `http/protobuf` to the collector's HTTP port."
            .to_string(),
    )
}

/// A server certificate trusted only because it is exactly one of the CA file's
/// certificates, although it is marked as a CA (`openssl req -x509`).
fn tls_server_cert_is_anchor(signal: Signal, ca_file: &str, evidence: Value) -> Finding {
    finding_for(Cause::TlsServerCertIsCa, Severity::Info, signal, evidence).text(
        "The server's certificate is a CA certificate, trusted because the CA file holds it."
            .to_string(),
        format!(
            "The server presents a certificate marked `CA:TRUE` (as `openssl req -x509` makes \
             them) that is exactly a certificate of {ca_file}. The runner accepts it, as Go, \
             OpenSSL and curl do, with its dates and host name checked; other rustls-based \
             exporters refuse it (`CaUsedAsEndEntity`)."
        ),
        "Nothing to do for this runner. For other exporters, issue the server an end-entity \
         certificate (`basicConstraints = CA:FALSE`) from a CA and put that CA in the CA file."
            .to_string(),
    )
}

/// The peer answered the ClientHello with bytes that are neither TLS nor a plaintext protocol
/// the exporter could speak (HTTP/1, HTTP/2), and plaintext on the same port got no such
/// answer either: not a TLS server, but no evidence that `http://` would work.
fn tls_not_a_tls_server(signal: Signal, addr: SocketAddr, seen: &str, evidence: Value) -> Finding {
    finding_for(Cause::TlsHandshakeFailed, Severity::Error, signal, evidence).text(
        format!("{addr} answered the TLS ClientHello with something that is not TLS."),
        format!(
            "The doctor sent a TLS ClientHello and got {seen} back instead of a TLS ServerHello, \
             and a plaintext HTTP request to the same port got no HTTP answer either: whatever \
             listens there speaks neither TLS nor OTLP's HTTP (another service, such as a \
             database, or a port mapped to the wrong container)."
        ),
        format!(
            "Check which service listens on {addr} and point the endpoint at the collector's \
             OTLP port (4317 for gRPC, 4318 for HTTP); the evidence shows the bytes it sent."
        ),
    )
}
