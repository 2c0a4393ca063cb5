//! Wording of TLS-settings findings: unusable files and contradictory insecure settings.

use super::{set_to, where_};
use crate::cause::{Cause, Finding, Severity};
use crate::config::{Signal, Source};
use crate::facts::diagnosis::config::InsecureConflict;
use crate::tlsconf::TlsSetupError;
use serde_json::json;
use std::path::Path;

pub fn tls_files_invalid(
    signal: Signal,
    source: &Source,
    path: &Path,
    error: &TlsSetupError,
) -> Finding {
    let (what, fix) = match error {
        TlsSetupError::Unreadable { message, .. } => (
            format!("cannot be read ({message})"),
            format!("Point {} at a readable PEM file, or fix the file's permissions for the user the runner runs as.", where_(source)),
        ),
        TlsSetupError::NotPem { what, .. } => (
            format!("contains no PEM {what}"),
            format!("Point {} at a PEM file (`-----BEGIN ...-----`); convert DER with `openssl x509 -inform der -in FILE -out FILE.pem`.", where_(source)),
        ),
        TlsSetupError::KeyMismatch { message } => (
            format!("does not match the client certificate ({message})"),
            "Set the client key and client certificate (`OTEL_EXPORTER_OTLP_CLIENT_KEY`, `OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE`) to files of the same key pair.".to_owned(),
        ),
        TlsSetupError::NoRoots { message } => (
            format!("leaves no trusted root certificate ({message})"),
            format!("Point {} at a PEM file holding the CA certificate that signed the collector's certificate.", where_(source)),
        ),
        TlsSetupError::HalfIdentity => (
            "is set without its pair (client certificate and client key go together)".to_owned(),
            "Set both `OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE` and `OTEL_EXPORTER_OTLP_CLIENT_KEY` (or `client_certificate` and `client_key` in `[otel]`), or neither.".to_owned(),
        ),
    };
    Finding::new(Cause::TlsFilesInvalid, Severity::Error, Some(signal))
        .text(
            format!("`{}` from {} {what}", path.display(), where_(source)),
            "The TLS configuration cannot be built, so the exporter fails before connecting (or, in \
             some SDKs, silently connects without the intended CA or client certificate).",
            fix,
        )
        .evidence(json!({ "setting": source, "path": path.display().to_string() }))
}

/// How to take the insecure option away, as each source allows: `--insecure` takes no value
/// (the command line rejects `--insecure false`), so the flag is dropped instead.
fn remove_insecure(source: &Source) -> String {
    match source {
        Source::Flag(f) => format!("drop the `{f}` flag"),
        Source::Config(_) => set_to(source, "false", "OTEL_EXPORTER_OTLP_INSECURE"),
        Source::Env(v) => format!("unset `{v}`"),
        Source::Default => "nothing to remove".to_owned(),
    }
}

pub fn insecure_conflict(
    signal: Signal,
    kind: InsecureConflict,
    insecure_source: &Source,
    display: &str,
) -> Finding {
    let (summary, explanation, fix) = match kind {
        InsecureConflict::InsecureWithTlsScheme => (
            format!("Insecure is set (from {}) but `{display}` asks for TLS", where_(insecure_source)),
            "The insecure option only applies to gRPC endpoints without a scheme; an https:// or grpcs:// scheme always uses TLS, so the option is ignored here.".to_owned(),
            format!("For plaintext, use the `http://` (or `grpc://`) scheme; for TLS, remove the option ({}).", remove_insecure(insecure_source)),
        ),
        InsecureConflict::InsecureWithHttp => (
            format!("Insecure is set (from {}) but has no effect on OTLP/HTTP", where_(insecure_source)),
            "For OTLP/HTTP the scheme alone decides: http:// is plaintext, https:// is TLS.".to_owned(),
            format!("Choose plaintext or TLS with the endpoint's scheme and remove the option ({}).", remove_insecure(insecure_source)),
        ),
        InsecureConflict::CertificatesUnused => (
            format!("TLS certificates are configured but `{display}` is plaintext"),
            "A CA or client certificate only matters for a TLS connection; this endpoint is plaintext, so they are unused. If the collector expects TLS (or mTLS) the connection will fail.".to_owned(),
            "Use the https:// (or grpcs://) scheme if the collector serves TLS; otherwise remove the certificate settings (`OTEL_EXPORTER_OTLP_CERTIFICATE`, `OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE`, `OTEL_EXPORTER_OTLP_CLIENT_KEY`).".to_owned(),
        ),
    };
    Finding::new(Cause::InsecureConflict, Severity::Warning, Some(signal))
        .text(summary, explanation, fix)
        .evidence(json!({ "setting": insecure_source, "endpoint": display }))
}
