//! Typed facts of `runner doctor otel --collector-config`: the collector's OTLP receivers as its
//! configuration defines them, and where the runner's export settings disagree with one.

use super::collector::Location;
use serde::Serialize;

/// The wire a receiver protocol speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Wire {
    Grpc,
    Http,
}

impl Wire {
    pub fn as_str(self) -> &'static str {
        match self {
            Wire::Grpc => "grpc",
            Wire::Http => "http",
        }
    }
}

/// One protocol of one OTLP receiver, effective (defaults filled in).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OtlpListener {
    /// The receiver's id, e.g. `otlp` or `otlp/internal`.
    pub id: String,
    pub wire: Wire,
    /// The listen address as effective (`localhost:4318` when none is written).
    pub endpoint: String,
    pub port: u16,
    /// A `tls:` block with a certificate is present: the receiver serves TLS.
    pub tls: bool,
    /// HTTP only: the path per signal (`traces_url_path`, default `/v1/traces`), in
    /// traces, metrics, logs order.
    pub paths: Vec<(String, String)>,
    /// The `auth.authenticator` extension and the header it requires, when known.
    pub auth: Option<(String, String)>,
    /// The signals of the pipelines that use this receiver.
    pub signals: Vec<String>,
    /// Where the protocol is written (its key).
    pub at: Location,
}

/// What the runner would send, as quoted by the finding (no secret: header names only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RunnerSide {
    pub signal: String,
    /// The endpoint as displayed (passwords redacted).
    pub endpoint: String,
    pub protocol: String,
    pub tls: bool,
    pub port: u16,
    /// The URL path the exporter posts to (HTTP).
    pub path: String,
    /// Where the endpoint came from (`env:OTEL_EXPORTER_OTLP_ENDPOINT`, `flag`, ...).
    pub source: String,
}

/// One way the two sides disagree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum Disagreement {
    /// No receiver listens on the runner's port; `listening` is what the configuration has.
    Port {
        listening: Vec<(String, Wire, u16)>,
    },
    Protocol,
    Scheme,
    Path {
        receiver: String,
    },
    /// The receiver requires a header (through an authenticator) the runner does not send.
    Header {
        header: String,
    },
    /// No pipeline of the runner's signal uses the receiver.
    Signal,
}

/// A disagreement between the runner's settings and the receiver that would take them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    pub runner: RunnerSide,
    /// The receiver compared (by port, else the one of the runner's protocol).
    pub receiver: Option<OtlpListener>,
    pub what: Disagreement,
    /// The receiver was found by the runner's port (certain) rather than by protocol only.
    pub by_port: bool,
    /// A cause the doctor's own probe saw on the wire that this configuration explains.
    pub confirms: Option<String>,
}
