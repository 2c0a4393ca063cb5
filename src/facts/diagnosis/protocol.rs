//! The protocol stage's diagnosis: does the peer speak gRPC (h2) or HTTP as configured, and
//! the failures an exchange meets (shared with the export stage, which meets the same ones).

use crate::config::proxy::{InvalidProxy, ProxyTarget};
use crate::facts::{ConnectFailure, PeerDid, ProxyError, TlsSign, Tried, Waiting};
use std::net::SocketAddr;
use std::time::Duration;

/// Why a new connection for the protocol or export stage failed, after earlier stages
/// connected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReconnectFailure {
    Connect(ConnectFailure),
    /// TLS could not be set up or the handshake failed (a short typed detail).
    Tls(String),
}

/// What an exchange of the protocol (or export) stage saw. `at` says which request it was
/// (the protocol check's, or the export's), and so which stage it belongs to.
#[derive(Debug)]
pub enum Diagnosis {
    /// gRPC: the h2 handshake worked and the health check got this answer.
    SpeaksH2 {
        grpc_status: Option<u32>,
        http_status: u16,
        evidence: serde_json::Value,
    },
    /// OTLP/HTTP: an HTTP answer came back.
    SpeaksHttp {
        version: http::Version,
        status: u16,
        evidence: serde_json::Value,
    },
    /// Plaintext reached a TLS port (`sign` shows how); `tried` is TLS on the same port.
    PlaintextToTls {
        at: Waiting,
        sign: TlsSign,
        tried: Vec<Tried>,
        evidence: serde_json::Value,
    },
    /// gRPC sent to an OTLP/HTTP port; `tried` is OTLP/HTTP there, then gRPC on 4317.
    GrpcToHttpPort {
        at: Waiting,
        did: PeerDid,
        tried: Vec<Tried>,
        evidence: serde_json::Value,
    },
    /// OTLP/HTTP sent to a gRPC port; `tried` is gRPC there, then OTLP/HTTP on 4318.
    HttpToGrpcPort {
        at: Waiting,
        did: PeerDid,
        tried: Vec<Tried>,
        evidence: serde_json::Value,
    },
    /// Closed (`did` Closed) or reset (`did` Reset) before anything came back; `tls` when the
    /// connection had completed a TLS handshake (a reset is then mid-conversation).
    Closed {
        at: Waiting,
        addr: SocketAddr,
        did: PeerDid,
        tls: bool,
        evidence: serde_json::Value,
    },
    /// Nothing came back within the exporter's timeout.
    Silent {
        at: Waiting,
        timeout: Duration,
        evidence: serde_json::Value,
    },
    /// HTTP/2 RST_STREAM REFUSED_STREAM.
    StreamRefused {
        at: Waiting,
        evidence: serde_json::Value,
    },
    /// Bytes that are no answer in the protocol spoken.
    Unparseable {
        at: Waiting,
        did: PeerDid,
        evidence: serde_json::Value,
    },
    /// The answer's head came, its body did not end within the timeout (it trickled).
    BodyStalled {
        at: Waiting,
        status: u16,
        bytes_read: usize,
        timeout: Duration,
        evidence: serde_json::Value,
    },
    /// A new connection failed after the earlier stages connected.
    Reconnect {
        at: Waiting,
        failure: ReconnectFailure,
    },
    /// The proxy setting is no usable URL.
    ProxyInvalid { at: Waiting, invalid: InvalidProxy },
    /// Going through the proxy failed (`forwarded`: a plain forward proxy's own answer or
    /// silence to an absolute-form request; else the CONNECT or the proxy's connection).
    ProxyFailure {
        at: Waiting,
        proxy: ProxyTarget,
        error: ProxyError,
        waited: Duration,
        forwarded: bool,
        evidence: serde_json::Value,
    },
    /// The CONNECT tunnel opened, the TLS handshake through it did not.
    ProxyTunnelTls {
        at: Waiting,
        proxy: ProxyTarget,
        stalled: bool,
        received: u64,
        waited: Duration,
        evidence: serde_json::Value,
    },
}

/// The protocol stage: what it saw, and the proxy gRPC ignores when one would apply to an HTTP
/// exporter (tonic does not use proxies).
#[derive(Debug)]
pub struct Seen {
    pub diagnosis: Diagnosis,
    pub ignored_proxy: Option<ProxyTarget>,
}
