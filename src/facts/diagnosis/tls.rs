//! What the tls stage saw: the handshake it completed, or how the server refused it, typed
//! from rustls' errors and the bytes the peer sent.

use crate::config::proxy::ProxyTarget;
use crate::config::Source;
use crate::facts::diagnosis::tcp::CloseKind;
use crate::facts::net::TlsRefusal;
use crate::facts::{ConnectFailure, ProxyError};
use std::net::SocketAddr;
use std::time::Duration;

/// The tls stage's diagnosis.
#[derive(Debug)]
pub enum Diagnosis {
    /// The handshake completed (through `via` when the exporter takes a proxy). `anchor`: the
    /// server's certificate was trusted only because the CA file (this path) holds exactly it.
    Done {
        handshake: Handshake,
        via: Option<ProxyTarget>,
        anchor: Option<String>,
    },
    /// The configured TLS files cannot be used (`detail` says which and why).
    SetupFailed { detail: String },
    /// The stage could not connect again to `addr` (the tcp stage had): skipped.
    NoReconnect {
        addr: SocketAddr,
        failure: ConnectFailure,
    },
    /// The proxy the exporter goes through refused or failed the tunnel.
    ProxyFailed {
        proxy: ProxyTarget,
        error: ProxyError,
        timeout: Duration,
    },
    /// The tunnel opened, but nothing came back through it (`stalled`: within `timeout`).
    TunnelSilent {
        proxy: ProxyTarget,
        stalled: bool,
        timeout: Duration,
    },
    /// gRPC needs ALPN `h2`; the server negotiated `negotiated`.
    AlpnH2Missing { negotiated: Option<String> },
    /// The port speaks plaintext: it answered the ClientHello with `greeting` (`first_bytes`),
    /// and `retry` is its answer to plaintext, when one came. `suggested_url` is the endpoint
    /// with the plaintext scheme, `setting` where the endpoint is set; `insecure_applies` when
    /// the insecure option would switch this (scheme-less gRPC) endpoint to plaintext.
    ToPlaintext {
        addr: SocketAddr,
        greeting: PeerGreeting,
        first_bytes: Vec<u8>,
        /// How the peer ended the connection when it sent no byte at all.
        closed: Option<CloseKind>,
        retry: Option<PlaintextAnswer>,
        suggested_url: String,
        setting: Source,
        insecure_applies: bool,
    },
    /// The port answered with bytes that are neither TLS nor a protocol the exporter speaks,
    /// and plaintext got no such answer either.
    NotTls {
        addr: SocketAddr,
        greeting: PeerGreeting,
        first_bytes: Vec<u8>,
    },
    /// Accepted, then closed or reset without a byte, and plaintext got no answer either.
    AcceptThenClose { addr: SocketAddr, how: CloseKind },
    /// Reset in the middle of the handshake.
    Reset { addr: SocketAddr },
    /// The server wants a client certificate and none is configured (`alert` it sent).
    ClientCertRequired { alert: Option<u8> },
    /// The server refused the client certificate at `path`.
    ClientCertRejected { alert: Option<u8>, path: String },
    /// No trusted certificate issued the chain.
    UnknownCa {
        issuer: Option<String>,
        self_signed: bool,
        ca_configured: bool,
        how: UnknownCaKind,
    },
    /// The certificate does not name `host`; it names `names` (the first shown of `total`).
    HostnameMismatch {
        host: String,
        names: Vec<String>,
        total: usize,
    },
    /// The certificate expired at `not_after` (when the chain was read); the clock says `now`.
    Expired {
        not_after: Option<String>,
        now: String,
    },
    /// The certificate starts at `not_before` (when the chain was read); the clock says `now`.
    NotYetValid {
        not_before: Option<String>,
        now: String,
    },
    /// No TLS version in common.
    VersionUnsupported { why: VersionMismatch },
    /// Any other refusal, named (`host`: the name asked for, `timeout`: the handshake's bound).
    Refused {
        refusal: TlsRefusal,
        host: String,
        timeout: Duration,
    },
}

/// A completed handshake, as the summary shows it.
#[derive(Debug, Default)]
pub struct Handshake {
    pub version: Option<String>,
    pub cipher: Option<String>,
    pub alpn: Option<String>,
    /// The server certificate's subject and end of validity.
    pub leaf: Option<(String, String)>,
}

/// How the chain failed to reach a trusted certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnknownCaKind {
    /// No trusted certificate has the issuer's name (rustls `UnknownIssuer`).
    Unknown,
    /// A certificate named like the issuer is trusted (or sent) but did not sign it (this
    /// rustls variant name).
    Namesake(&'static str),
    /// A self-signed certificate marked `CA:TRUE` that the CA file does not hold
    /// (`CaUsedAsEndEntity`).
    MarkedCa,
}

/// Why no TLS version fits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VersionMismatch {
    /// The server answered with the `protocol_version` alert.
    Alert,
    /// It supports neither TLS 1.2 nor 1.3.
    Neither,
    /// Its version is disabled on the exporter's side.
    DisabledHere,
    /// It requires the supported_versions extension.
    NeedsSupportedVersions,
    /// It wants TLS 1.2, which the exporter did not offer.
    Tls12NotOffered,
}

/// A plaintext protocol answer on a port: the greeting and the first bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlaintextAnswer {
    pub greeting: PeerGreeting,
    pub first_bytes: Vec<u8>,
}

/// What the peer's first bytes say it speaks.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum PeerGreeting {
    /// Nothing was received (yet).
    Nothing,
    /// `HTTP/1.x ...`: an HTTP/1 server.
    Http1,
    /// An HTTP/2 SETTINGS frame: an h2c (plaintext HTTP/2, e.g. gRPC) server.
    H2Settings,
    /// An HTTP/2 GOAWAY frame.
    H2GoAway,
    /// A TLS handshake record (`16 03 0x`): a TLS server.
    TlsHandshake,
    /// A TLS alert record (`15 03 0x`), with its level and description.
    TlsAlert { level: u8, description: u8 },
    /// Looks like an HTML page or other text.
    Text,
    /// Anything else.
    Other,
}

impl PeerGreeting {
    pub fn classify(bytes: &[u8]) -> PeerGreeting {
        match bytes {
            [] => PeerGreeting::Nothing,
            [b'H', b'T', b'T', b'P', b'/', ..] => PeerGreeting::Http1,
            [0x16, 0x03, ..] => PeerGreeting::TlsHandshake,
            [0x15, 0x03, _, _, _, level, description, ..] => PeerGreeting::TlsAlert {
                level: *level,
                description: *description,
            },
            [0x15, 0x03, ..] => PeerGreeting::TlsAlert {
                level: 0,
                description: 0,
            },
            [_, _, _, 0x04, ..] => PeerGreeting::H2Settings,
            [_, _, _, 0x07, ..] => PeerGreeting::H2GoAway,
            b if b
                .iter()
                .take(64)
                .all(|c| c.is_ascii_graphic() || c.is_ascii_whitespace()) =>
            {
                PeerGreeting::Text
            }
            _ => PeerGreeting::Other,
        }
    }

    /// True when the peer answered as a TLS server would.
    pub fn is_tls(&self) -> bool {
        matches!(
            self,
            PeerGreeting::TlsHandshake | PeerGreeting::TlsAlert { .. }
        )
    }
}
