//! Why a stage did not run, decided by the doctor and worded by `cause::skip_text`.

/// The reason a stage was skipped (or not used) for a target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    /// The signal has no usable endpoint; the config findings say why.
    NoUsableEndpoint,
    /// DNS gave no address, so no TCP connection was tried.
    NoAddress,
    /// The endpoint is plaintext: there is no TLS stage.
    PlaintextEndpoint,
    /// TCP connected nowhere, so no TLS handshake was tried.
    TcpFailed,
    /// The TLS settings cannot be used; the config findings say why.
    TlsSettingsUnusable,
    /// No connection for the protocol and export checks.
    NoConnection,
    /// The TLS handshake failed, so nothing was sent over it.
    TlsFailed,
    /// The protocol was not checked, so no export was sent.
    ProtocolNotChecked,
    /// The protocol check failed, so no export was sent.
    ProtocolFailed,
    /// No `--backend-url` was given.
    NoBackendUrl,
    /// The canary was not exported, so the backend has nothing to show.
    CanaryNotExported,
}
