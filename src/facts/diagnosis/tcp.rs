//! What the tcp stage saw: which addresses connected, how the others failed, or the proxy the
//! exporter goes through.

use crate::config::proxy::ProxyTarget;
use crate::config::Source;
use crate::facts::{ConnectFailure, ProxyError};
use std::net::SocketAddr;
use std::time::Duration;

/// The tcp stage's diagnosis.
#[derive(Debug)]
pub enum Diagnosis {
    /// Every address connected.
    Connected { addrs: Vec<SocketAddr> },
    /// The exporter goes through `proxy`, and the connection to it (at `peer`) was made.
    ViaProxy {
        proxy: ProxyTarget,
        peer: Option<SocketAddr>,
    },
    /// The connection to the proxy the exporter goes through failed.
    ProxyFailed {
        proxy: ProxyTarget,
        error: ProxyError,
        timeout: Duration,
    },
    /// No address connected: the preferred address's failure, and every address that failed
    /// the same way. `timeout` bounded each attempt.
    Failed {
        failure: ConnectFailure,
        addrs: Vec<SocketAddr>,
        timeout: Duration,
    },
    /// The addresses of one family connected (`working` is the first), those of the other did
    /// not. `suggested_url` is the endpoint with `working` as its host; `setting` the source of
    /// the endpoint setting.
    FamilyMismatch {
        failed: Vec<SocketAddr>,
        working: SocketAddr,
        suggested_url: String,
        setting: Source,
    },
    /// Some addresses connected, others of the same family failed like `failure`.
    SomeFailed {
        failure: ConnectFailure,
        failed: Vec<SocketAddr>,
        timeout: Duration,
    },
}

/// How a peer ended a connection without sending a byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseKind {
    Eof,
    Reset,
}
