//! What the config stage found in the resolved settings, before any network step: one
//! `Diagnosis` per problem, each holding the settings (and their sources) it is about.

use crate::config::{Problem, Protocol, Shadowed, Signal, Source};
use crate::tlsconf::TlsSetupError;
use std::path::PathBuf;

/// One problem in the settings.
#[derive(Debug)]
pub enum Diagnosis {
    /// Resolving a setting failed (a bad value, an invalid endpoint, bad headers, ...).
    Problem(Problem),
    /// The endpoint has no scheme.
    EndpointMissingScheme {
        signal: Signal,
        source: Source,
        display: String,
        protocol: Protocol,
        tls: bool,
    },
    /// A gRPC endpoint with a path (gRPC ignores it).
    GrpcEndpointHasPath {
        signal: Signal,
        source: Source,
        display: String,
        path: String,
    },
    /// A signal-specific OTLP/HTTP endpoint without its signal's path (none, or another
    /// signal's route).
    SignalPathMissing {
        signal: Signal,
        source: Source,
        display: String,
        path: String,
    },
    /// A generic OTLP/HTTP endpoint that already ends in a signal path (the SDK adds another).
    SignalPathDuplicated {
        signal: Signal,
        source: Source,
        display: String,
        url: String,
    },
    /// The port is the other protocol's default (4317 with OTLP/HTTP, 4318 with gRPC).
    ProtocolPortMismatch {
        signal: Signal,
        protocol: Protocol,
        protocol_source: Source,
        port: u16,
        endpoint_source: Source,
    },
    /// `insecure` or the TLS files contradict the endpoint.
    InsecureConflict {
        signal: Signal,
        kind: InsecureConflict,
        insecure_source: Source,
        display: String,
    },
    /// A TLS file cannot be read, parsed, or paired.
    TlsFilesInvalid {
        signal: Signal,
        source: Source,
        path: PathBuf,
        error: TlsSetupError,
    },
    /// An `OTEL_*` variable no SDK reads (`nearest`: the known name it is closest to).
    EnvUnknownVariable {
        name: String,
        nearest: Option<String>,
    },
    /// An `OTEL_*` variable a flag or the config file overrides.
    EnvOverridden(Shadowed),
    /// Traces are not exported at all.
    ExporterDisabled { off: ExporterOff, source: Source },
    /// The sampler drops every trace.
    SamplerDropsAll {
        arg_source: Source,
        sampler: String,
        sampler_source: Source,
    },
    /// `service.name` is empty or the SDK's `unknown_service` default.
    ServiceNameMissing { source: Source, value: String },
}

/// Why traces are not exported at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExporterOff {
    SdkDisabled,
    /// The traces exporter is `none`.
    None,
    /// `console` or `file`: spans are written locally, not sent to a collector.
    Local(&'static str),
}

/// Ways `insecure` and the TLS settings contradict each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InsecureConflict {
    /// insecure=true but the scheme (https/grpcs) asks for TLS: the scheme wins.
    InsecureWithTlsScheme,
    /// insecure=true with an OTLP/HTTP exporter, where the option has no effect.
    InsecureWithHttp,
    /// A CA or client certificate is configured but the connection is plaintext.
    CertificatesUnused,
}
