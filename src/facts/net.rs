//! What the network did: how a connect failed, what the peer sent when an exchange failed.

use std::fmt;
use std::io;

/// Why a bounded TCP connect failed, as a typed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectFailure {
    Refused,
    Timeout,
    Unreachable,
    Reset,
    Other(io::ErrorKind),
}

impl fmt::Display for ConnectFailure {
    /// A short name for reports: `refused`, `timeout`, `unreachable`, `reset`, or the system's
    /// words for another error kind.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectFailure::Refused => f.write_str("refused"),
            ConnectFailure::Timeout => f.write_str("timeout"),
            ConnectFailure::Unreachable => f.write_str("unreachable"),
            ConnectFailure::Reset => f.write_str("reset"),
            ConnectFailure::Other(k) => write!(f, "{k}"),
        }
    }
}

/// The HTTP version as written on the wire (`HTTP/1.1`, `HTTP/2.0`).
pub fn http_version(v: http::Version) -> &'static str {
    match v {
        http::Version::HTTP_09 => "HTTP/0.9",
        http::Version::HTTP_10 => "HTTP/1.0",
        http::Version::HTTP_11 => "HTTP/1.1",
        http::Version::HTTP_2 => "HTTP/2.0",
        http::Version::HTTP_3 => "HTTP/3.0",
        _ => "HTTP/?",
    }
}

/// What the peer did when an exchange failed, from its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeerDid {
    /// Sent nothing and closed the connection.
    Closed,
    /// Sent nothing and reset the connection.
    Reset,
    /// Sent no answer within the timeout.
    Silent,
    /// Answered as a TLS server.
    SpokeTls,
    /// Answered an HTTP/2 preface with HTTP/1.
    SpokeHttp1,
    /// Answered an HTTP/1 request with HTTP/2 frames.
    SpokeH2,
    /// Answered with something that is not a usable response: garbage, a head over 64 KiB, or a
    /// close in the middle of the answer.
    Unparseable { too_large: bool, closed: bool },
    /// Reset the HTTP/2 stream (`RST_STREAM`) with this error code instead of answering;
    /// `7` is `REFUSED_STREAM` (not processed at all, safe to retry).
    StreamReset { code: u32 },
}

/// Why rustls refused a handshake, beyond the causes with their own code (unknown CA, host
/// name, validity dates, client certificates, versions, ALPN): each is worded with its own
/// sentence and fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TlsRefusal {
    /// The server's certificate is not valid DER.
    CertBadEncoding,
    /// The certificate is X.509 version 1 (no extensions, so no names): webpki takes v3 only.
    CertVersion1,
    /// The certificate carries a critical extension the verifier does not understand.
    CertUnknownCriticalExtension,
    /// The certificate is signed with an algorithm (or key) the verifier refuses: SHA-1, a short
    /// RSA key, DSA.
    CertWeakSignature,
    /// The certificate's extended key usage does not include server authentication.
    CertNotForServers,
    /// The certificate was revoked.
    CertRevoked,
    /// The chain breaks a CA's constraints: a leaf used as an intermediate, a path length or
    /// name constraint exceeded, a chain too deep.
    ChainConstraintViolated,
    /// The server's certificate is itself a CA certificate (`CA:TRUE`), not one of the CA file's.
    ServerCertIsCa,
    /// Any other refusal of the certificate.
    CertOther,
    /// The server presented no certificate at all.
    NoCertificate,
    /// No cipher suite in common.
    NoCipherSuite,
    /// No key-exchange group in common (X25519, P-256, P-384).
    NoKeyExchangeGroup,
    /// No signature scheme in common.
    NoSignatureScheme,
    /// The server's hello lacks something TLS 1.2/1.3 requires (an extension, null compression).
    HelloIncompatible,
    /// The server broke the protocol's rules (a message out of order, a bad value).
    ServerMisbehaved,
    /// The server sent a message that does not parse.
    Malformed,
    /// A record could not be decrypted or its integrity check failed.
    DecryptFailed,
    /// Alert `handshake_failure` (40) or `insufficient_security` (71) without a client
    /// certificate request: no parameters both sides accept.
    AlertNoCommonGround { code: u8 },
    /// Alert `unrecognized_name` (112): the server has no certificate for the name asked.
    AlertUnrecognisedName,
    /// Alert `internal_error` (80): the server failed on its side.
    AlertInternalError,
    /// Alert `access_denied` (49) without a client certificate request.
    AlertAccessDenied,
    /// Alert `decode_error` (50), `illegal_parameter` (47) or `unexpected_message` (10): the
    /// server could not take the exporter's hello.
    AlertRejectedHello { code: u8 },
    /// Any other alert.
    AlertOther { code: u8 },
    /// The connection failed after the server answered, without a TLS reason.
    Broken,
    /// Accepted, nothing came back within the timeout.
    SilentAfterHello,
    /// The handshake started and did not finish within the timeout.
    Stalled,
}

/// Bytes as text with non-printable bytes escaped, for evidence.
pub fn printable(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                (b as char).to_string()
            } else {
                format!("\\x{b:02x}")
            }
        })
        .collect()
}
