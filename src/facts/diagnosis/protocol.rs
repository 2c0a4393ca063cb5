//! Facts of the protocol stage (shared by the export stage, which meets the same failures).

use crate::facts::ConnectFailure;

/// Why a new connection for the protocol or export stage failed, after earlier stages
/// connected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReconnectFailure {
    Connect(ConnectFailure),
    /// TLS could not be set up or the handshake failed (a short typed detail).
    Tls(String),
}
