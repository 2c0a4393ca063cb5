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
        Diagnosis::Expired { not_after, now } => {
            let when = not_after.as_deref().unwrap_or("an earlier date");
            tls_cert_expired(signal, when, now, none)
        }
        Diagnosis::NotYetValid { not_before, now } => {
            let when = not_before.as_deref().unwrap_or("a later date");
            tls_cert_not_yet_valid(signal, when, now, none)
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

mod cert;
mod refused;
use cert::{
    tls_cert_expired, tls_cert_not_yet_valid, tls_client_cert_rejected, tls_client_cert_required,
    tls_hostname_mismatch, tls_server_cert_is_anchor, tls_unknown_ca, tls_unknown_ca_marked_ca,
    tls_unknown_ca_namesake,
};
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
