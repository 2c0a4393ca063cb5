//! Cause codes (`docs/causes.md`), severities, stages, and the `Finding` that names a cause.
//!
//! Every user-facing sentence about a cause is written under this module:
//! one module per stage (`config`, `dns`, `tcp`, `tls`, `protocol`,
//! `export`, `canary`, `backend`: one match over its `facts::diagnosis`) build findings from typed
//! evidence; `generic` holds the context-free wording used by `runner doctor explain`.

pub mod answer;
pub mod backend;
pub mod canary;
pub mod collector_text;
pub mod config;
pub mod dns;
pub mod explain_text;
pub mod export;
pub mod generic;
pub mod protocol;
pub mod runtime_text;
pub mod skip_text;
pub mod tcp;
pub mod tls;
pub mod wait_text;

use crate::config::Signal;
use serde::Serialize;
use std::fmt;

/// The stages of a diagnosis, in the order they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Config,
    Dns,
    Tcp,
    Tls,
    Protocol,
    Export,
    Canary,
    Backend,
    /// `runner doctor collector`: the collector's own configuration and live state.
    Collector,
}

impl Stage {
    /// The stages of `runner doctor otel`, in order (`Collector` belongs to `doctor collector`).
    pub const ALL: [Stage; 8] = [
        Stage::Config,
        Stage::Dns,
        Stage::Tcp,
        Stage::Tls,
        Stage::Protocol,
        Stage::Export,
        Stage::Canary,
        Stage::Backend,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Config => "config",
            Stage::Dns => "dns",
            Stage::Tcp => "tcp",
            Stage::Tls => "tls",
            Stage::Protocol => "protocol",
            Stage::Export => "export",
            Stage::Canary => "canary",
            Stage::Backend => "backend",
            Stage::Collector => "collector",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

macro_rules! causes {
    ($($variant:ident => $code:literal, $stage:ident;)*) => {
        /// A cause code (`docs/causes.md`). The code string is fixed forever.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Cause { $($variant,)* }

        impl Cause {
            pub const ALL: &'static [Cause] = &[$(Cause::$variant,)*];

            /// The cause code, e.g. `tls_to_plaintext`.
            pub fn code(self) -> &'static str {
                match self { $(Cause::$variant => $code,)* }
            }

            /// The stage this cause belongs to.
            pub fn stage(self) -> Stage {
                match self { $(Cause::$variant => Stage::$stage,)* }
            }

            pub fn from_code(code: &str) -> Option<Cause> {
                match code { $($code => Some(Cause::$variant),)* _ => None }
            }
        }
    };
}

causes! {
    ConfigInvalid => "config_invalid", Config;
    EndpointInvalid => "endpoint_invalid", Config;
    EndpointMissingScheme => "endpoint_missing_scheme", Config;
    GrpcEndpointHasPath => "grpc_endpoint_has_path", Config;
    SignalPathMissing => "signal_path_missing", Config;
    SignalPathDuplicated => "signal_path_duplicated", Config;
    ProtocolPortMismatch => "protocol_port_mismatch", Config;
    EnvOverridden => "env_overridden", Config;
    EnvUnknownVariable => "env_unknown_variable", Config;
    HeadersInvalid => "headers_invalid", Config;
    TlsFilesInvalid => "tls_files_invalid", Config;
    InsecureConflict => "insecure_conflict", Config;
    ExporterDisabled => "exporter_disabled", Config;
    SamplerDropsAll => "sampler_drops_all", Config;
    ServiceNameMissing => "service_name_missing", Config;
    ResourceAttributesInvalid => "resource_attributes_invalid", Config;

    DnsNxdomain => "dns_nxdomain", Dns;
    DnsNoAddress => "dns_no_address", Dns;
    DnsFailure => "dns_failure", Dns;
    ClusterLocalName => "cluster_local_name", Dns;

    TcpRefused => "tcp_refused", Tcp;
    TcpTimeout => "tcp_timeout", Tcp;
    TcpUnreachable => "tcp_unreachable", Tcp;
    AddressFamilyMismatch => "address_family_mismatch", Tcp;
    AcceptThenClose => "accept_then_close", Tcp;
    ConnectionReset => "connection_reset", Tcp;

    TlsToPlaintext => "tls_to_plaintext", Tls;
    PlaintextToTls => "plaintext_to_tls", Tls;
    TlsUnknownCa => "tls_unknown_ca", Tls;
    TlsHostnameMismatch => "tls_hostname_mismatch", Tls;
    TlsCertExpired => "tls_cert_expired", Tls;
    TlsCertNotYetValid => "tls_cert_not_yet_valid", Tls;
    TlsClientCertRequired => "tls_client_cert_required", Tls;
    TlsClientCertRejected => "tls_client_cert_rejected", Tls;
    TlsVersionUnsupported => "tls_version_unsupported", Tls;
    TlsAlpnH2Missing => "tls_alpn_h2_missing", Tls;
    TlsHandshakeFailed => "tls_handshake_failed", Tls;
    TlsServerCertIsCa => "tls_server_cert_is_ca", Tls;

    HttpToGrpcPort => "http_to_grpc_port", Protocol;
    GrpcToHttpPort => "grpc_to_http_port", Protocol;
    HttpNotFound => "http_not_found", Export;
    HttpMethodNotAllowed => "http_method_not_allowed", Export;
    HttpUnsupportedMediaType => "http_unsupported_media_type", Export;
    HttpAuthRejected => "http_auth_rejected", Export;
    HttpPayloadTooLarge => "http_payload_too_large", Export;
    HttpThrottled => "http_throttled", Export;
    HttpUpstreamUnavailable => "http_upstream_unavailable", Export;
    HttpRedirect => "http_redirect", Export;
    HttpServerError => "http_server_error", Export;
    NotOtlpEndpoint => "not_otlp_endpoint", Export;
    GrpcUnimplemented => "grpc_unimplemented", Export;
    GrpcUnauthenticated => "grpc_unauthenticated", Export;
    GrpcUnavailable => "grpc_unavailable", Export;
    GrpcResourceExhausted => "grpc_resource_exhausted", Export;
    GrpcNonGrpcResponse => "grpc_non_grpc_response", Export;
    CompressionUnsupported => "compression_unsupported", Export;
    ProxyFailure => "proxy_failure", Protocol;
    ResponseTimeout => "response_timeout", Export;
    ResponseSlow => "response_slow", Export;

    CanaryExportFailed => "canary_export_failed", Canary;
    CanaryPartialSuccess => "canary_partial_success", Canary;
    CanaryNotSampled => "canary_not_sampled", Canary;
    CanaryTimeout => "canary_timeout", Canary;
    CanaryNotInBackend => "canary_not_in_backend", Backend;

    CollectorConfigInvalid => "collector_config_invalid", Collector;
    CollectorUnknownComponent => "collector_unknown_component", Collector;
    CollectorComponentUndefined => "collector_component_undefined", Collector;
    CollectorComponentUnused => "collector_component_unused", Collector;
    CollectorUnknownKey => "collector_unknown_key", Collector;
    CollectorValueInvalid => "collector_value_invalid", Collector;
    CollectorReceiverLocalhostOnly => "collector_receiver_localhost_only", Collector;
    CollectorDeprecatedComponent => "collector_deprecated_component", Collector;
    CollectorSignalUnsupported => "collector_signal_unsupported", Collector;
    CollectorTlsMisconfigured => "collector_tls_misconfigured", Collector;
    CollectorPortMismatch => "collector_port_mismatch", Collector;
    CollectorEnvUnresolved => "collector_env_unresolved", Collector;
    CollectorProcessorOrder => "collector_processor_order", Collector;
    CollectorUnhealthy => "collector_unhealthy", Collector;
    CollectorAdminUnreachable => "collector_admin_unreachable", Collector;
    CollectorExporterFailing => "collector_exporter_failing", Collector;
    CollectorReceiverRefusing => "collector_receiver_refusing", Collector;
    CollectorQueueFull => "collector_queue_full", Collector;
    CollectorDropping => "collector_dropping", Collector;
    CollectorMismatch => "collector_mismatch", Config;
}

/// Latency as users read it: `<1 ms`, `340 ms`, `4.1 s`.
pub fn latency(d: std::time::Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        "<1 ms".to_string()
    } else if ms < 1000 {
        format!("{ms} ms")
    } else if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Cause {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// One diagnosed problem, as a `findings[]` entry of `docs/report-schema.json`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub cause: Cause,
    pub severity: Severity,
    /// `None` for findings about settings shared by every signal.
    pub signal: Option<Signal>,
    pub stage: Stage,
    pub summary: String,
    pub explanation: String,
    pub fix: String,
    pub fix_verified: bool,
    pub evidence: serde_json::Value,
    /// The stage behind this finding waited its whole `--timeout` (a silent peer, a stalled
    /// handshake, a trickling body): the path blocks, so its later stages (the canary
    /// included) are skipped rather than made to wait as long again. Not part of the JSON.
    #[serde(skip)]
    pub stalled: bool,
}

impl Finding {
    /// A finding at the cause's own stage, with empty evidence; text builders fill the rest.
    pub fn new(cause: Cause, severity: Severity, signal: Option<Signal>) -> Finding {
        Finding {
            cause,
            severity,
            signal,
            stage: cause.stage(),
            summary: String::new(),
            explanation: String::new(),
            fix: String::new(),
            fix_verified: false,
            evidence: serde_json::Value::Object(Default::default()),
            stalled: false,
        }
    }

    /// Marks the finding as one whose stage waited out its whole timeout.
    pub fn stalled(mut self) -> Finding {
        self.stalled = true;
        self
    }

    pub fn text(
        mut self,
        summary: impl Into<String>,
        explanation: impl Into<String>,
        fix: impl Into<String>,
    ) -> Finding {
        self.summary = summary.into();
        self.explanation = explanation.into();
        self.fix = fix.into();
        self
    }

    pub fn at_stage(mut self, stage: Stage) -> Finding {
        self.stage = stage;
        self
    }

    pub fn evidence(mut self, evidence: serde_json::Value) -> Finding {
        self.evidence = evidence;
        self
    }

    /// Folds a config-stage finding into the later finding (same cause and signal) that a probe
    /// confirmed on the wire: the later one's text stays (it rests on evidence and already says
    /// what the settings did), and what the config finding said is kept in the evidence under
    /// `config`, so nothing is lost and nothing is said twice.
    pub fn absorb_config_finding(&mut self, earlier: Finding) {
        if let Some(o) = self.evidence.as_object_mut() {
            o.insert(
                "config".to_string(),
                serde_json::json!({
                    "summary": earlier.summary,
                    "explanation": earlier.explanation,
                    "fix": earlier.fix,
                    "evidence": earlier.evidence,
                }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_and_is_unique() {
        let mut seen = std::collections::HashSet::new();
        for c in Cause::ALL {
            assert!(seen.insert(c.code()), "duplicate {}", c.code());
            assert_eq!(Cause::from_code(c.code()), Some(*c));
        }
    }
}
