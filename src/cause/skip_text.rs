//! Wording of skipped stages: one short reason per `facts::Skip`.

use crate::facts::Skip;

/// The check summary of a skipped stage.
pub fn reason(skip: Skip) -> &'static str {
    match skip {
        Skip::NoUsableEndpoint => "no usable endpoint (see the config findings)",
        Skip::NoAddress => "skipped: no address (dns failed)",
        Skip::PlaintextEndpoint => "not used: the endpoint is plaintext",
        Skip::TcpFailed => "skipped: no connection (tcp failed)",
        Skip::TlsSettingsUnusable => {
            "skipped: the TLS settings are unusable (see the config findings)"
        }
        Skip::NoConnection => "skipped: no connection",
        Skip::TlsFailed => "skipped: the TLS handshake failed",
        Skip::ProtocolNotChecked => "skipped: protocol not checked",
        Skip::ProtocolFailed => "skipped: the protocol check failed",
        Skip::NoBackendUrl => "no --backend-url given",
        Skip::CanaryNotExported => "the canary was not exported",
    }
}
