//! How going through an HTTP proxy failed.

use super::ConnectFailure;

/// Why going through the proxy failed, typed.
#[derive(Debug)]
pub enum ProxyError {
    /// The proxy's name did not resolve (or not in time).
    Resolve,
    /// TCP to the proxy failed.
    Connect(ConnectFailure),
    /// The proxy answered `CONNECT` with a non-2xx status.
    Refused { status: u16, head: String },
    /// The proxy closed the connection without a complete answer.
    Closed { head: String },
    /// No complete answer within the timeout.
    Timeout,
    /// The proxy's answer was not HTTP, or its head exceeded 64 KiB.
    Garbage { head: String },
    /// Only `http://` proxies are supported.
    UnsupportedScheme,
}

impl ProxyError {
    /// The proxy made the probe wait its whole timeout (the path blocks rather than refuses).
    pub fn stalled(&self) -> bool {
        matches!(
            self,
            ProxyError::Timeout | ProxyError::Connect(ConnectFailure::Timeout)
        )
    }

    /// A short name of the failure for evidence: `resolve`, `connect: refused`, `timeout`, ...
    pub fn name(&self) -> String {
        match self {
            ProxyError::Resolve => "resolve".into(),
            ProxyError::Connect(c) => format!("connect: {c}"),
            ProxyError::Refused { status, .. } => format!("refused: {status}"),
            ProxyError::Closed { .. } => "closed".into(),
            ProxyError::Timeout => "timeout".into(),
            ProxyError::Garbage { .. } => "garbage".into(),
            ProxyError::UnsupportedScheme => "unsupported_scheme".into(),
        }
    }
}
