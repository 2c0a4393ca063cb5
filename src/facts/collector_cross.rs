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

/// How an exporter's use of TLS was decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TlsBasis {
    /// `https://` or `http://` in the endpoint.
    Scheme,
    /// A gRPC endpoint without a scheme and without `tls: {insecure: true}`: TLS by default.
    GrpcDefault,
    /// `tls: {insecure: true}` on a gRPC endpoint without a scheme.
    Insecure,
}

/// An OTLP exporter of a collector configuration (`otlp`, `otlphttp`), effective.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Sender {
    pub id: String,
    /// The configuration it belongs to (a unit's name: files, ConfigMap, OpenTelemetryCollector).
    pub config: String,
    pub wire: Wire,
    /// The endpoint as written (after `${env:...}`).
    pub endpoint: String,
    pub host: String,
    pub port: u16,
    pub tls: bool,
    pub tls_by: TlsBasis,
    /// HTTP: the endpoint's path, to which `/v1/<signal>` is appended (empty for none).
    pub path: String,
    /// Header names of `headers:` (values never kept).
    pub headers: Vec<String>,
    /// `auth.authenticator`, when set.
    pub authenticator: Option<String>,
    /// The signals of the pipelines that use it.
    pub signals: Vec<String>,
    /// Where its endpoint is written.
    pub at: Location,
}

/// What an exporter aims at does not take what it sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Aimed {
    /// The exporter names a Service of these files whose ports do not include its port
    /// (`generated`: the Service the Operator makes for an `OpenTelemetryCollector`).
    ServicePort {
        service: String,
        ports: Vec<u16>,
        generated: bool,
        at: Location,
    },
    /// The Service carries the port but sends it to a named `targetPort` where no receiver listens.
    ServiceTarget {
        service: String,
        port: u16,
        target: String,
        resolved: u16,
        listening: Vec<(String, Wire, u16)>,
        at: Location,
    },
    /// The gateway has no receiver on the exporter's port.
    NoReceiver { listening: Vec<(String, Wire, u16)> },
    /// The receiver that takes the port disagrees (protocol, scheme, path, header, signal).
    Receiver {
        receiver: OtlpListener,
        what: Disagreement,
        /// The Service the exporter went through, when it did.
        via: Option<String>,
    },
}

/// Whose receiver the exporter reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    /// Its own configuration's receiver (a loopback endpoint).
    Own,
    /// Another configuration or Service in the same files.
    Files,
    /// The gateway given with `--gateway`.
    Gateway,
}

/// One exporter and what is wrong with where it sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Aim {
    pub sender: Sender,
    pub reach: Reach,
    pub problem: Aimed,
    /// Matched by port or by name for certain (else a guess: the only exporter of the agent).
    pub certain: bool,
}

impl Aim {
    /// Where the finding belongs: the Service's `targetPort` when that is what is wrong, else
    /// the exporter's endpoint.
    pub fn at(&self) -> &Location {
        match &self.problem {
            Aimed::ServiceTarget { at, .. } => at,
            _ => &self.sender.at,
        }
    }
}
