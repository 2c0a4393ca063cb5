//! What the network did: how a connect failed, what the peer sent when an exchange failed.

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
}
