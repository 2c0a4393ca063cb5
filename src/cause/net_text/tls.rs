//! Wording of tls findings.

use super::finding;
use crate::cause::{Cause, Finding, Severity, Stage};
use crate::config::Signal;
use crate::facts::net::TlsRefusal;
use serde_json::Value;
use std::net::SocketAddr;

const CA_SETTING: &str =
    "`OTEL_EXPORTER_OTLP_CERTIFICATE` (or `--ca-file`, or `otel.certificate` in the config file)";

/// TLS was spoken to a plaintext server. `verified`: a plaintext request on the same port
/// got a protocol answer. `insecure_applies`: the endpoint is a scheme-less gRPC one, the only
/// kind the insecure option switches to plaintext (an `https://` scheme always means TLS).
#[allow(clippy::too_many_arguments)]
pub fn tls_to_plaintext(
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
    let mut f = finding(Cause::TlsToPlaintext, Severity::Error, signal, evidence).text(
        format!("The exporter speaks TLS, but {addr} speaks plaintext."),
        format!(
            "The doctor sent a TLS ClientHello and got {seen} back instead of a TLS ServerHello: \
             the port serves plaintext (the collector's receivers are plaintext unless given a \
             certificate). Go reports `first record does not look like a TLS handshake`, \
             OpenSSL `wrong version number`, rustls `InvalidContentType`."
        ),
        format!(
            "Set {} (plaintext){or_insecure}.{tried}",
            crate::cause::config_text::set_to(
                setting,
                suggested_url,
                "OTEL_EXPORTER_OTLP_ENDPOINT"
            )
        ),
    );
    f.fix_verified = verified;
    f
}

/// The configured CA or client certificate files could not be used for the handshake.
pub fn tls_setup_failed(signal: Signal, detail: &str) -> Finding {
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

pub fn tls_unknown_ca(
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
    finding(Cause::TlsUnknownCa, Severity::Error, signal, evidence).text(
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
pub fn tls_unknown_ca_namesake(
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
pub fn tls_unknown_ca_marked_ca(
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

pub fn tls_hostname_mismatch(
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
    finding(
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

pub fn tls_cert_expired(signal: Signal, not_after: &str, now: &str, evidence: Value) -> Finding {
    finding(Cause::TlsCertExpired, Severity::Error, signal, evidence).text(
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

pub fn tls_cert_not_yet_valid(
    signal: Signal,
    not_before: &str,
    now: &str,
    evidence: Value,
) -> Finding {
    finding(Cause::TlsCertNotYetValid, Severity::Error, signal, evidence).text(
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

pub fn tls_client_cert_required(signal: Signal, alert: Option<u8>, evidence: Value) -> Finding {
    let alert = alert.map_or(String::new(), |a| format!(" (TLS alert {a})"));
    finding(
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

pub fn tls_client_cert_rejected(
    signal: Signal,
    alert: Option<u8>,
    cert_path: &str,
    evidence: Value,
) -> Finding {
    let alert = alert.map_or(String::new(), |a| format!(" (TLS alert {a})"));
    finding(Cause::TlsClientCertRejected, Severity::Error, signal, evidence).text(
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

pub fn tls_version_unsupported(signal: Signal, detail: &str, evidence: Value) -> Finding {
    finding(
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

pub fn tls_alpn_h2_missing(signal: Signal, negotiated: Option<&str>, evidence: Value) -> Finding {
    let got = negotiated.map_or("no application protocol".to_string(), |p| format!("`{p}`"));
    finding(Cause::TlsAlpnH2Missing, Severity::Error, signal, evidence).text(
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

/// A handshake rustls refused for a reason without a cause code of its own: its own sentence
/// and fix per refusal. `host` is the name asked for, `timeout` the bound of the handshake.
pub fn tls_refused(
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
    finding(cause, Severity::Error, signal, evidence).text(summary, explanation, fix)
}

/// A server certificate trusted only because it is exactly one of the CA file's
/// certificates, although it is marked as a CA (`openssl req -x509`).
pub fn tls_server_cert_is_anchor(signal: Signal, ca_file: &str, evidence: Value) -> Finding {
    finding(Cause::TlsServerCertIsCa, Severity::Info, signal, evidence).text(
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
pub fn tls_not_a_tls_server(
    signal: Signal,
    addr: SocketAddr,
    seen: &str,
    evidence: Value,
) -> Finding {
    finding(Cause::TlsHandshakeFailed, Severity::Error, signal, evidence).text(
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
