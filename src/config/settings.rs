//! The resolved settings: one `SignalSettings` per signal, every value carrying its source.

use crate::redact::Secret;
use serde::Serialize;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// An OpenTelemetry signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Signal {
    Traces,
    Metrics,
    Logs,
}

impl Signal {
    pub const ALL: [Signal; 3] = [Signal::Traces, Signal::Metrics, Signal::Logs];

    /// `traces`, `metrics`, `logs`: the JSON key and the `/v1/<signal>` path segment.
    pub fn as_str(self) -> &'static str {
        match self {
            Signal::Traces => "traces",
            Signal::Metrics => "metrics",
            Signal::Logs => "logs",
        }
    }

    /// `TRACES`, `METRICS`, `LOGS`: the infix of the signal-specific variables.
    pub fn env_infix(self) -> &'static str {
        match self {
            Signal::Traces => "TRACES",
            Signal::Metrics => "METRICS",
            Signal::Logs => "LOGS",
        }
    }

    /// The HTTP path the specification appends to a generic endpoint.
    pub fn http_path(self) -> &'static str {
        match self {
            Signal::Traces => "/v1/traces",
            Signal::Metrics => "/v1/metrics",
            Signal::Logs => "/v1/logs",
        }
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The OTLP transport protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Protocol {
    #[serde(rename = "grpc")]
    Grpc,
    #[serde(rename = "http/protobuf")]
    HttpProtobuf,
    #[serde(rename = "http/json")]
    HttpJson,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Grpc => "grpc",
            Protocol::HttpProtobuf => "http/protobuf",
            Protocol::HttpJson => "http/json",
        }
    }

    pub fn parse(s: &str) -> Option<Protocol> {
        match s.trim() {
            "grpc" => Some(Protocol::Grpc),
            "http/protobuf" => Some(Protocol::HttpProtobuf),
            "http/json" => Some(Protocol::HttpJson),
            _ => None,
        }
    }

    pub fn is_http(self) -> bool {
        !matches!(self, Protocol::Grpc)
    }

    /// The port the OpenTelemetry Collector listens on for this protocol by default.
    pub fn default_port(self) -> u16 {
        match self {
            Protocol::Grpc => 4317,
            _ => 4318,
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a value came from, shown as `flag`, `config:otel.endpoint`,
/// `env:OTEL_EXPORTER_OTLP_ENDPOINT` or `default`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Flag(String),
    Config(String),
    Env(String),
    Default,
}

impl Source {
    /// The rank used by precedence: higher wins.
    pub fn rank(&self) -> u8 {
        match self {
            Source::Flag(_) => 3,
            Source::Config(_) => 2,
            Source::Env(_) => 1,
            Source::Default => 0,
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The flag's name is kept for messages; the report's source label is plain `flag`
            // (`docs/settings.md`).
            Source::Flag(_) => f.write_str("flag"),
            Source::Config(key) => write!(f, "config:{key}"),
            Source::Env(var) => write!(f, "env:{var}"),
            Source::Default => f.write_str("default"),
        }
    }
}

impl Serialize for Source {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A value with the source it came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Sourced<T> {
    pub value: T,
    pub source: Source,
}

impl<T> Sourced<T> {
    pub fn new(value: T, source: Source) -> Self {
        Sourced { value, source }
    }

    pub fn default_value(value: T) -> Self {
        Sourced {
            value,
            source: Source::Default,
        }
    }
}

/// A value that a higher source shadowed: shown so nobody wonders why their variable was ignored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Shadowed {
    /// The setting's name in the report (`endpoint`, `protocol`, ...).
    pub setting: String,
    pub signal: Option<Signal>,
    /// Display form of the shadowed value; secrets already redacted.
    pub value: String,
    pub source: Source,
    /// The source that won.
    pub winner: Source,
    /// Display form of the winning value; secrets already redacted.
    pub winner_value: String,
}

/// A parsed endpoint. `raw` is what the user wrote (password redacted when displayed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Endpoint {
    /// The URL as configured, with any userinfo password and key-like query parameter
    /// replaced by the redacted marker.
    pub display: String,
    /// `http`, `https`, `grpc` or `grpcs` (lower case), as written.
    pub scheme: String,
    pub host: String,
    pub port: u16,
    /// Path as written, `/` when none.
    pub path: String,
    /// TLS is used (`https`/`grpcs`, or no-scheme gRPC not marked insecure).
    pub tls: bool,
    #[serde(skip)]
    pub password: Option<Secret>,
    /// The endpoint exactly as written, secrets included: only for the peers that receive it
    /// (`config::endpoint::real_url`), never for output.
    #[serde(skip)]
    pub real: Secret,
}

/// A configured header; the value is a secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Header {
    pub name: String,
    pub value: Secret,
}

/// Compression applied to export requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    None,
    Gzip,
}

/// Which exporter the runner uses for traces (`OTEL_TRACES_EXPORTER`, `[otel] exporter`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "path")]
pub enum ExporterKind {
    Otlp,
    Console,
    File(PathBuf),
    None,
}

/// The sampler (`OTEL_TRACES_SAMPLER` with `OTEL_TRACES_SAMPLER_ARG`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "name", content = "ratio")]
pub enum Sampler {
    AlwaysOn,
    AlwaysOff,
    TraceIdRatio(f64),
    ParentBasedAlwaysOn,
    ParentBasedAlwaysOff,
    ParentBasedTraceIdRatio(f64),
}

/// Proxy settings as the exporter applies them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ProxySettings {
    /// Proxy URL for `https` endpoints (display form, password redacted) and its source.
    pub https: Option<Sourced<String>>,
    pub http: Option<Sourced<String>>,
    pub no_proxy: Option<Sourced<String>>,
}

/// Everything the exporter of one signal uses.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SignalSettings {
    pub signal: Signal,
    /// The raw endpoint string as resolved (before parsing), with its source.
    pub endpoint_raw: Sourced<String>,
    /// The parsed endpoint, `None` when the raw string does not parse (a config finding says why).
    pub endpoint: Option<Endpoint>,
    /// The effective URL the exporter will send to (HTTP: with `/v1/<signal>` rules applied).
    pub url: Option<String>,
    pub protocol: Sourced<Protocol>,
    pub headers: Sourced<Vec<Header>>,
    pub insecure: Sourced<bool>,
    pub certificate: Option<Sourced<PathBuf>>,
    pub client_certificate: Option<Sourced<PathBuf>>,
    pub client_key: Option<Sourced<PathBuf>>,
    pub compression: Sourced<Compression>,
    pub timeout: Sourced<Duration>,
}

/// The resolved OpenTelemetry settings of the runner.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Settings {
    /// One entry per enabled signal (traces at least), in `Signal::ALL` order.
    pub signals: Vec<SignalSettings>,
    pub service_name: Option<Sourced<String>>,
    /// `OTEL_RESOURCE_ATTRIBUTES` parsed; values are not secret but kept verbatim.
    pub resource_attributes: Sourced<Vec<(String, String)>>,
    pub sdk_disabled: Sourced<bool>,
    pub traces_exporter: Sourced<ExporterKind>,
    pub sampler: Sourced<Sampler>,
    pub proxy: ProxySettings,
    /// `otel.preflight`: off | warn | strict.
    pub preflight: Sourced<String>,
    pub shadowed: Vec<Shadowed>,
}

impl Settings {
    pub fn signal(&self, signal: Signal) -> Option<&SignalSettings> {
        self.signals.iter().find(|s| s.signal == signal)
    }
}
