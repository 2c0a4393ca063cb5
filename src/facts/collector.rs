//! Typed observations about an OpenTelemetry Collector: what its configuration says and what its
//! live endpoints answered. No wording here: `cause::collector_text` turns these into findings.

use serde::Serialize;

/// A place in an input file: file index (into the run's file list), 1-based line and column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub file: u16,
    pub line: u32,
    pub col: u32,
}

/// A resolved place, as reports show it.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

/// Why a YAML text was refused before any collector check ran.
#[derive(Clone, Debug, PartialEq)]
pub enum YamlLimit {
    /// The parser's own message (data: quoted, never interpreted).
    Syntax(String),
    TooLarge {
        bytes: u64,
        max: u64,
    },
    TooDeep {
        max: u64,
    },
    AliasExpansion {
        max: u64,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ComponentKind {
    Receiver,
    Processor,
    Exporter,
    Extension,
    Connector,
}

impl ComponentKind {
    pub const ALL: [ComponentKind; 5] = [
        ComponentKind::Receiver,
        ComponentKind::Processor,
        ComponentKind::Exporter,
        ComponentKind::Extension,
        ComponentKind::Connector,
    ];

    /// The configuration's top-level section for this kind.
    pub fn section(self) -> &'static str {
        match self {
            ComponentKind::Receiver => "receivers",
            ComponentKind::Processor => "processors",
            ComponentKind::Exporter => "exporters",
            ComponentKind::Extension => "extensions",
            ComponentKind::Connector => "connectors",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ComponentKind::Receiver => "receiver",
            ComponentKind::Processor => "processor",
            ComponentKind::Exporter => "exporter",
            ComponentKind::Extension => "extension",
            ComponentKind::Connector => "connector",
        }
    }
}

/// A pipeline's data type (the part of `traces/2` before the slash).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DataType {
    Traces,
    Metrics,
    Logs,
    Profiles,
}

impl DataType {
    pub fn parse(s: &str) -> Option<DataType> {
        match s {
            "traces" => Some(DataType::Traces),
            "metrics" => Some(DataType::Metrics),
            "logs" => Some(DataType::Logs),
            "profiles" => Some(DataType::Profiles),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DataType::Traces => "traces",
            DataType::Metrics => "metrics",
            DataType::Logs => "logs",
            DataType::Profiles => "profiles",
        }
    }
}

/// The collector version findings are judged against (minor of 0.x), and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetVersion {
    pub minor: u32,
    pub source: VersionSource,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VersionSource {
    Flag,
    /// An image tag in the manifest, quoted.
    ImageTag(String),
    /// No version given: the newest the knowledge base knows.
    Newest,
}

/// What is wrong with the configuration's shape (the collector refuses to start).
#[derive(Clone, Debug, PartialEq)]
pub enum Invalid {
    Yaml(YamlLimit),
    /// A file could not be read (the OS error's kind, worded by the text module).
    Unreadable(std::io::ErrorKind),
    /// A section or value has the wrong YAML type (`expected` is a YAML type name).
    WrongType {
        path: String,
        expected: &'static str,
    },
    NoPipelines,
    /// A pipeline with no receivers or no exporters.
    PipelineIncomplete {
        pipeline: String,
        missing: &'static str,
    },
    /// A pipeline name whose type is not traces, metrics, logs or profiles.
    BadPipelineType {
        pipeline: String,
    },
    /// A top-level key the collector does not know.
    UnknownSection {
        key: String,
        nearest: Option<String>,
    },
    /// Nothing in the file looked like a collector configuration.
    NoConfig,
    /// An embedded configuration (ConfigMap data, spec.config) that is not YAML.
    Embedded(YamlLimit),
}

#[derive(Clone, Debug, PartialEq)]
pub enum TlsProblem {
    /// `insecure` (or another TLS key) directly under a receiver or protocol, not under `tls:`.
    KeyOutsideTls {
        key: String,
        /// The value as written, for a fix that shows the moved line.
        value: String,
    },
    CertWithoutKey,
    KeyWithoutCert,
    /// A client-side TLS key (`insecure`, `insecure_skip_verify`) in a receiver's `tls:` block.
    ClientKeyOnServer {
        key: String,
    },
    /// `tls.insecure: true` on an `https://` endpoint: the scheme wins, the key does nothing.
    InsecureOnHttps {
        endpoint: String,
    },
    /// A gRPC exporter to a bare in-cluster `host:port` without `tls:`: it dials TLS by default.
    GrpcTlsByDefault {
        endpoint: String,
    },
}

/// What a value in the configuration takes, when it has another YAML type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expected {
    String,
    Integer,
    UnsignedInteger,
    Number,
    Boolean,
    Duration,
    List,
    Mapping,
    Scalar,
}

/// Why a value is refused (`collector_value_invalid`).
#[derive(Clone, Debug, PartialEq)]
pub enum ValueProblem {
    /// The YAML type of the value is not what the key takes (`found` is a YAML type name).
    WrongType {
        expected: Expected,
        found: &'static str,
    },
    /// A string that is not a Go duration (`5s`, `1m30s`, `200ms`).
    NotADuration,
    /// A negative number for a key that takes an unsigned one.
    Negative,
    NotInEnum {
        valid: Vec<String>,
    },
    /// The same key twice in one mapping (`first_line` is where it was first written).
    DuplicateKey {
        first_line: u32,
    },
    /// The same component twice in one pipeline's list.
    Repeated {
        pipeline: String,
        role: &'static str,
        first_line: u32,
    },
    /// A required value that is empty once `${env:...}` is resolved.
    Empty {
        vars: Vec<String>,
    },
    /// A required key left out (or zero): one of `keys` must be set above zero or non-empty.
    Missing {
        keys: Vec<String>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrderProblem {
    MemoryLimiterNotFirst {
        index: usize,
    },
    /// `batch` placed before a processor that filters or samples (it batches what is dropped).
    BatchBeforeSampling {
        sampler: String,
    },
}

/// One observation, with the component it concerns where there is one.
#[derive(Clone, Debug, PartialEq)]
pub enum Observation {
    Invalid(Invalid),
    UnknownComponent {
        kind: ComponentKind,
        id: String,
        nearest: Option<String>,
    },
    Undefined {
        kind: ComponentKind,
        id: String,
        pipeline: String,
    },
    Unused {
        kind: ComponentKind,
        id: String,
    },
    UnknownKey {
        /// `None` for the `service:` section.
        kind: Option<ComponentKind>,
        id: String,
        /// Where under the component, e.g. `protocols.grpc` (empty at its top).
        under: String,
        key: String,
        nearest: Option<String>,
        /// Where in the same component the key exists (`Some("")`: at its top).
        belongs: Option<String>,
        doc: String,
    },
    /// A value the collector refuses to decode or validate.
    ValueInvalid {
        /// `None` for the `service:` section and for YAML-level problems.
        kind: Option<ComponentKind>,
        /// The component id, `service`, or empty.
        id: String,
        /// The key's path under the component (`sending_queue.queue_size`).
        path: String,
        /// The value as written (capped by the wording).
        value: String,
        problem: ValueProblem,
    },
    /// A key the judged collector version deprecated or removed.
    RemovedKey {
        /// `service` or a component id.
        at: String,
        path: String,
        /// `None` when the schema marks the key deprecated without saying since when.
        deprecated_in: Option<u32>,
        /// `None` while it is only deprecated.
        removed_in: Option<u32>,
        /// `None` when only the component's README names it.
        replacement: Option<String>,
        version: TargetVersion,
        /// The component's README (empty for the `service:` section).
        doc: String,
    },
    LocalhostOnly {
        id: String,
        protocol: String,
        /// The endpoint as written; `None` when the default applies.
        endpoint: Option<String>,
        /// The port it listens on (the default when no endpoint is written).
        port: u16,
        version: TargetVersion,
    },
    /// An OpenTelemetryCollector resource leaves an endpoint out: the operator fills in 0.0.0.0.
    OperatorDefault {
        id: String,
        protocol: String,
        port: u16,
    },
    Deprecated {
        kind: ComponentKind,
        id: String,
        /// `Some(key)` when a key is deprecated (e.g. `loglevel`), else the component type.
        key: Option<String>,
        replacement: String,
        deprecated_in: Option<u32>,
        removed_in: Option<u32>,
        version: TargetVersion,
        doc: String,
    },
    SignalUnsupported {
        kind: ComponentKind,
        id: String,
        signal: DataType,
        pipeline: String,
        supported: Vec<DataType>,
    },
    Tls {
        kind: ComponentKind,
        id: String,
        problem: TlsProblem,
    },
    PortMismatch {
        service: String,
        port: u16,
        target_port: u16,
        listening: Vec<u16>,
        /// The port is an OTLP (or Jaeger, Zipkin) port by number or name: senders use it.
        otlp: bool,
    },
    EnvUnresolved {
        var: String,
    },
    ProcessorOrder {
        pipeline: String,
        processor: String,
        problem: OrderProblem,
    },
    /// What the running collector showed (no place in a file).
    Live(super::collector_live::Live),
}

/// An observation and where it was seen (`None` for live observations).
#[derive(Clone, Debug, PartialEq)]
pub struct Fact {
    pub at: Option<Location>,
    pub what: Observation,
}
