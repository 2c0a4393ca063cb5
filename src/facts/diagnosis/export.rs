//! The export stage's diagnosis: the answer to the empty export, classified by the one answer
//! classifier (`facts::answer`), and the verified fix the stage tried for its class.

use crate::facts::answer::Class;
use crate::facts::peer_text::PeerText;
use crate::facts::{PartialSuccess, PathProblem, Tried};
use std::time::Duration;

/// What came back to the export, as the wording names it.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    pub class: Class,
    pub status: u16,
    pub media_type: Option<String>,
    /// The server's words: a `google.rpc.Status` message (HTTP) or `grpc-message` (gRPC).
    pub message: Option<PeerText>,
    pub body_empty: bool,
    pub www_authenticate: Option<String>,
    pub location: Option<String>,
    pub allow: Option<String>,
    pub retry_after: Option<String>,
    /// The body trickled: the stage waited its whole timeout for it.
    pub stalled: bool,
    /// The answer as typed evidence for the report.
    pub evidence: serde_json::Value,
}

/// What the export stage saw.
#[derive(Clone, Debug, PartialEq)]
pub enum Diagnosis {
    /// An OTLP response: accepted (with any partial success); `slow` when it took longer than
    /// the doctor's step bound or half the exporter's timeout.
    Accepted {
        partial: Option<PartialSuccess>,
        took: Duration,
        slow: bool,
        evidence: serde_json::Value,
    },
    /// A 2xx that is no OTLP response.
    NotOtlp(Answer),
    /// A refusal of the OTLP/HTTP export; `tried` holds the verified fix tried for its class
    /// (TLS, no compression, protobuf, the other content type).
    Http { answer: Answer, tried: Vec<Tried> },
    /// A 404, its path analysed and the corrected path tried.
    NotFound {
        answer: Answer,
        path: String,
        problem: PathProblem,
        tried: Vec<Tried>,
    },
    /// A refusal of the gRPC export (a gRPC status, or an HTTP front's answer); `tried` holds
    /// OTLP/HTTP on the same port (a non-gRPC answer) or the call without compression.
    Grpc {
        answer: Answer,
        method: &'static str,
        tried: Vec<Tried>,
        /// gzip was sent, and UNIMPLEMENTED names the encoding or `grpc-accept-encoding`
        /// leaves gzip out.
        compression_refused: bool,
    },
}
