//! Wording of the handshakes rustls refused for a reason without a cause code of its own:
//! each refusal its own sentence and fix.

use super::{finding_for, CA_SETTING};
use crate::cause::{Cause, Finding, Severity};
use crate::config::Signal;
use crate::facts::net::TlsRefusal;
use serde_json::Value;

/// A handshake rustls refused for a reason without a cause code of its own: its own sentence
/// and fix per refusal. `host` is the name asked for, `timeout` the bound of the handshake.
pub(super) fn tls_refused(
    signal: Signal,
    refusal: TlsRefusal,
    host: &str,
    timeout: std::time::Duration,
    evidence: Value,
) -> Finding {
    const REISSUE: &str = "Reissue the collector's (or its TLS terminator's) certificate";
    const COMMON_GROUND: &str = "Allow TLS 1.2 and 1.3 with ECDHE key exchange (X25519 or \
         P-256) and AES-GCM or ChaCha20-Poly1305 on the collector or its TLS terminator \
         (`min_version: \"1.2\"` in the collector's `tls` block; nginx: `ssl_protocols TLSv1.2 \
         TLSv1.3` with its default ciphers)";
    let t = humantime::format_duration(timeout);
    let alert_name = |code: u8| {
        rustls::AlertDescription::from(code)
            .as_str()
            .map_or_else(|| format!("alert {code}"), |n| format!("`{n}` ({code})"))
    };
    let (summary, explanation, fix) = match refusal {
        TlsRefusal::CertBadEncoding => (
            "The server's certificate cannot be parsed.".to_string(),
            "The certificate the server sent is not valid DER (rustls `BadEncoding`): a \
             truncated or hand-edited file, or a PEM block served as is."
                .to_string(),
            format!("{REISSUE}, or point the server at the intact PEM file."),
        ),
        TlsRefusal::CertVersion1 => (
            "The server's certificate is an X.509 version 1 certificate, which the exporter \
             refuses."
                .to_string(),
            "Version 1 certificates carry no extensions, so no subject alternative names and no \
             CA marking; rustls (webpki) verifies version 3 certificates only, as browsers do. \
             `openssl x509 -req` without `-extfile` makes version 1 certificates."
                .to_string(),
            format!(
                "{REISSUE} as version 3 with `subjectAltName = DNS:{host}` (`openssl x509 -req \
                 ... -extfile <(printf 'subjectAltName=DNS:{host}')`)."
            ),
        ),
        TlsRefusal::CertUnknownCriticalExtension => (
            "The server's certificate has a critical extension the exporter does not know."
                .to_string(),
            "An extension marked critical must be understood by the verifier or the certificate \
             refused (RFC 5280 §4.2); rustls does not handle this one \
             (`UnhandledCriticalExtension`)."
                .to_string(),
            format!("{REISSUE} without that extension, or with it marked non-critical."),
        ),
        TlsRefusal::CertWeakSignature => (
            "The server's certificate is signed with an algorithm the exporter refuses."
                .to_string(),
            "rustls accepts RSA (2048 bits or more) with SHA-256/384/512, ECDSA P-256/P-384 and \
             Ed25519; this chain uses something else (SHA-1, MD5, a short RSA key or DSA)."
                .to_string(),
            format!("{REISSUE} with SHA-256 and an RSA-2048 or ECDSA P-256 key."),
        ),
        TlsRefusal::CertNotForServers => (
            "The server's certificate is not meant for TLS servers.".to_string(),
            "Its extended key usage lists purposes without `serverAuth` (a client certificate, \
             or a code-signing one, installed on the server)."
                .to_string(),
            format!("{REISSUE} with `extendedKeyUsage = serverAuth`, or drop the extension."),
        ),
        TlsRefusal::CertRevoked => (
            "The server's certificate has been revoked.".to_string(),
            "Its issuer's revocation list names it.".to_string(),
            format!("{REISSUE}: a revoked certificate cannot be trusted again."),
        ),
        TlsRefusal::ChainConstraintViolated => (
            "The server's certificate chain breaks its CA's constraints.".to_string(),
            "A certificate in the chain is used beyond what its issuer allowed: an end-entity \
             certificate sent as an intermediate, a path-length or name constraint exceeded, \
             or a chain too deep to follow."
                .to_string(),
            "Serve the server certificate followed by the intermediates that issued it, in \
             order, and nothing else (nginx: `ssl_certificate` holds leaf then intermediates)."
                .to_string(),
        ),
        TlsRefusal::ServerCertIsCa => (
            "The server presents a CA certificate (`CA:TRUE`) as its own certificate.".to_string(),
            "rustls (webpki) refuses a certificate marked as a CA in the server's place \
             (`CaUsedAsEndEntity`), unless it is exactly one of the CA file's certificates; \
             `openssl req -x509` marks its self-signed certificates this way."
                .to_string(),
            format!(
                "Set {CA_SETTING} to this very certificate, or {} as an end-entity certificate \
                 (`basicConstraints = CA:FALSE`) issued by your CA.",
                REISSUE.to_lowercase()
            ),
        ),
        TlsRefusal::CertOther => (
            "The exporter refuses the server's certificate.".to_string(),
            "The certificate failed a check beyond trust, names and dates (the evidence's \
             `error` names it)."
                .to_string(),
            format!(
                "{REISSUE} as a plain server certificate: version 3, `subjectAltName` with \
                 `{host}`, `extendedKeyUsage = serverAuth`, SHA-256."
            ),
        ),
        TlsRefusal::NoCertificate => (
            "The server sent no certificate.".to_string(),
            "The handshake went on without a server certificate (anonymous or pre-shared-key \
             TLS), which no OTLP exporter accepts."
                .to_string(),
            "Give the collector's receiver a certificate (`tls: {cert_file: ..., key_file: ...}`)."
                .to_string(),
        ),
        TlsRefusal::NoCipherSuite => (
            "The server and the exporter share no cipher suite.".to_string(),
            "The exporter offers the TLS 1.3 suites and TLS 1.2's ECDHE suites with AES-GCM or \
             ChaCha20-Poly1305; the server picked none of them (a legacy or FIPS-restricted \
             terminator, or `cipher_suites` narrowed in the collector's `tls` block)."
                .to_string(),
            format!("{COMMON_GROUND}."),
        ),
        TlsRefusal::NoKeyExchangeGroup => (
            "The server and the exporter share no key-exchange group.".to_string(),
            "The exporter offers X25519, P-256 and P-384; the server takes none of them (a \
             `curve_preferences` list in the collector's `tls` block, or a legacy terminator)."
                .to_string(),
            format!("{COMMON_GROUND}."),
        ),
        TlsRefusal::NoSignatureScheme => (
            "The server and the exporter share no signature scheme.".to_string(),
            "The server can sign only with schemes the exporter refuses (SHA-1 or PKCS#1 v1.5 \
             in TLS 1.3, DSA), usually because of its key type."
                .to_string(),
            format!("{REISSUE} with an RSA-2048 (RSA-PSS capable) or ECDSA P-256 key."),
        ),
        TlsRefusal::HelloIncompatible => (
            "The server's TLS hello is missing something TLS 1.2 and 1.3 require.".to_string(),
            "Its ServerHello lacks a required extension or asks for compression: an outdated \
             TLS library on the server's side."
                .to_string(),
            "Update the TLS terminator in front of the collector (or the collector itself)."
                .to_string(),
        ),
        TlsRefusal::ServerMisbehaved => (
            "The server broke the TLS protocol during the handshake.".to_string(),
            "It sent a message out of order or with a value TLS forbids (rustls \
             `PeerMisbehaved`): a broken TLS implementation, or a middlebox rewriting the \
             connection."
                .to_string(),
            "Connect without the middlebox (another network, or the collector's address \
             directly) to see which side breaks it; update the server's TLS library."
                .to_string(),
        ),
        TlsRefusal::Malformed => (
            "The server sent a TLS message that cannot be parsed.".to_string(),
            "A handshake message from the server is malformed (rustls `InvalidMessage`): a \
             broken TLS implementation, or a service that only looks like TLS."
                .to_string(),
            "Check which service listens on the endpoint's port; update its TLS library."
                .to_string(),
        ),
        TlsRefusal::DecryptFailed => (
            "The server's encrypted handshake messages do not decrypt.".to_string(),
            "The keys both sides derived disagree, or a record was changed in transit: a \
             middlebox that rewrites TLS, or a broken server."
                .to_string(),
            "Connect without the middlebox (TLS inspection, a transparent proxy) or update the \
             server's TLS library."
                .to_string(),
        ),
        TlsRefusal::AlertNoCommonGround { code } => (
            "The server refused the handshake: it found no parameters it accepts.".to_string(),
            format!(
                "The server answered the exporter's hello with the TLS alert {}: none of the \
                 versions, cipher suites, groups or signature schemes the exporter offers is \
                 allowed on the server (a FIPS-only or legacy terminator, or a narrowed \
                 `cipher_suites`/`curve_preferences`).",
                alert_name(code)
            ),
            format!("{COMMON_GROUND}."),
        ),
        TlsRefusal::AlertUnrecognisedName => (
            format!("The server has no certificate for the name `{host}`."),
            format!(
                "The server answered the exporter's hello, which names `{host}` (SNI), with the \
                 TLS alert `unrecognized_name` (112): its virtual hosts do not include that name."
            ),
            format!(
                "Use the host name the server is set up for in the endpoint, or add `{host}` to \
                 the server's names (nginx: `server_name`)."
            ),
        ),
        TlsRefusal::AlertInternalError => (
            "The server failed on its side during the handshake.".to_string(),
            "It answered with the TLS alert `internal_error` (80): its TLS set-up is broken (an \
             unreadable key, a certificate and key that do not match, a failing key store)."
                .to_string(),
            "Check the TLS terminator's or collector's log for the handshake error and its \
             certificate and key files."
                .to_string(),
        ),
        TlsRefusal::AlertAccessDenied => (
            "The server denied this client access during the handshake.".to_string(),
            "It answered with the TLS alert `access_denied` (49) without asking for a client \
             certificate: a rule on the server (allowed addresses, SNI) refuses this client."
                .to_string(),
            "Ask whoever runs the collector's TLS front to allow this machine, or use the \
             endpoint meant for it."
                .to_string(),
        ),
        TlsRefusal::AlertRejectedHello { code } => (
            "The server could not take the exporter's TLS hello.".to_string(),
            format!(
                "It answered with the TLS alert {}: it does not understand part of a modern \
                 ClientHello (an outdated TLS library).",
                alert_name(code)
            ),
            "Update the TLS terminator in front of the collector (or the collector itself)."
                .to_string(),
        ),
        TlsRefusal::AlertOther { code } => (
            format!(
                "The server ended the handshake with the TLS alert {}.",
                alert_name(code)
            ),
            "The alert is the server's reason; it names none of the usual causes (trust, names, \
             dates, client certificates, versions, ALPN)."
                .to_string(),
            "Look up the alert in the TLS terminator's or collector's log, which says what it \
             objected to."
                .to_string(),
        ),
        TlsRefusal::Broken => (
            "The connection broke during the TLS handshake.".to_string(),
            "The server answered the hello, then the connection failed without a TLS alert \
             (see `error` in the evidence)."
                .to_string(),
            "Check the collector's or TLS terminator's log for the moment of the handshake; \
             something between (a firewall, a proxy) may cut the connection."
                .to_string(),
        ),
        TlsRefusal::SilentAfterHello => (
            "The server did not answer the TLS hello.".to_string(),
            format!(
                "The server accepted the TCP connection but sent nothing in reply to the \
                 ClientHello within {t}: a server waiting for a plaintext request, or a stalled \
                 front end."
            ),
            "If the collector's receiver has no `tls` block, use `http://` (plaintext); \
             otherwise check the front end in front of it."
                .to_string(),
        ),
        TlsRefusal::Stalled => (
            "The TLS handshake did not finish.".to_string(),
            format!("The server started the handshake but did not finish it within {t}."),
            "Check the load of the collector or its TLS terminator (a handshake takes \
             milliseconds), and raise `--timeout` if the path is just slow."
                .to_string(),
        ),
    };
    let cause = match refusal {
        TlsRefusal::ServerCertIsCa => Cause::TlsServerCertIsCa,
        _ => Cause::TlsHandshakeFailed,
    };
    finding_for(cause, Severity::Error, signal, evidence).text(summary, explanation, fix)
}
