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
