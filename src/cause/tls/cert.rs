//! Sentences of the tls stage about certificates: an unknown CA, a name or date the certificate
//! does not cover, a client certificate the server wants or refused, a CA used as a server's.

use super::{finding_for, CA_SETTING};
use crate::cause::{Cause, Finding, Severity};
use crate::config::Signal;
use serde_json::Value;

pub(super) fn tls_unknown_ca(
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
pub(super) fn tls_unknown_ca_namesake(
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
pub(super) fn tls_unknown_ca_marked_ca(
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

pub(super) fn tls_hostname_mismatch(
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

pub(super) fn tls_cert_expired(
    signal: Signal,
    not_after: &str,
    now: &str,
    evidence: Value,
) -> Finding {
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

pub(super) fn tls_cert_not_yet_valid(
    signal: Signal,
    not_before: &str,
    now: &str,
    evidence: Value,
) -> Finding {
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

pub(super) fn tls_client_cert_required(
    signal: Signal,
    alert: Option<u8>,
    evidence: Value,
) -> Finding {
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

pub(super) fn tls_client_cert_rejected(
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

/// A server certificate trusted only because it is exactly one of the CA file's
/// certificates, although it is marked as a CA (`openssl req -x509`).
pub(super) fn tls_server_cert_is_anchor(signal: Signal, ca_file: &str, evidence: Value) -> Finding {
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
