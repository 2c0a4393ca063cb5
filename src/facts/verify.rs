//! What the doctor tried and saw: verification attempts, path analysis, what it waited for.

use super::PeerDid;
use crate::config::Protocol;
use serde::Serialize;

/// What a verification attempt changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// The same host and port with protocol gRPC.
    Grpc,
    /// The same host and port with an HTTP protocol (`/v1/<signal>`).
    Http(Protocol),
    /// Another port on the same host, with the protocol that belongs there.
    Port(u16, Protocol),
    /// TLS (`https://`) on the same host and port.
    Tls,
    /// Another URL path on the same host and port.
    Path(String),
    /// The same request without compression.
    NoCompression,
}

/// What a verification attempt saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Observed {
    /// A gRPC answer with this grpc-status.
    Grpc(u32),
    /// An HTTP answer with this status and media type.
    Http(u16, Option<String>),
    /// The exchange failed.
    Failed(PeerDid),
    /// No connection could be opened.
    NoConnection,
    /// A TLS ClientHello got a ServerHello.
    ServerHello,
    /// A TLS ClientHello got no ServerHello.
    NoServerHello,
}

/// One verification attempt: the doctor tried `change` against `target` and saw `observed`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tried {
    pub change: Change,
    pub target: String,
    pub worked: bool,
    pub observed: Observed,
}

/// How the peer showed it expects TLS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TlsSign {
    /// It answered plaintext with a TLS record or alert.
    TlsRecord,
    /// It answered `400 The plain HTTP request was sent to HTTPS port` (nginx).
    PlainHttpToHttpsPort,
    /// It answered `400 Bad Request` with `Client sent an HTTP request to an HTTPS server`
    /// (Go's `net/http`: the collector's own receivers, Caddy).
    GoPlainHttpToHttpsPort,
    /// It closed or reset the plaintext connection, and a ClientHello got a ServerHello.
    Closed,
    /// It answered the HTTP/2 preface with an HTTP/1 error page, OTLP/HTTP on the same port
    /// did not work, and a ClientHello got a ServerHello.
    Http1Answer,
}

/// What the doctor was waiting for when the timeout expired.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Waiting {
    /// The answer to the protocol check.
    Protocol,
    /// The response to the export request.
    Export,
}

/// What is wrong with the URL path, for a 404.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PathProblem {
    /// The path ends in `/v1/<signal>`: the path is what OTLP expects.
    LooksRight,
    /// `/v1/<signal>` is missing.
    Missing { corrected: String },
    /// `/v1/<signal>` appears twice.
    Duplicated { corrected: String },
    /// The path names another signal's route.
    OtherSignal { corrected: String },
}
