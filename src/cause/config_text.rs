//! Wording of configuration findings: built from typed facts by the config stage.
//!
//! Every fix names the exact variable, config key or flag to change and the value to set.
//! No function here receives a secret: header problems carry names, URLs come redacted.

use super::{Cause, Finding, Severity};
use crate::config::endpoint::EndpointError;
use crate::config::kv::KvProblem;
use crate::config::{Protocol, Shadowed, Signal, Source};
use crate::tlsconf::TlsSetupError;
use serde_json::json;
use std::path::Path;

/// Where a setting lives, for sentences: "`OTEL_EXPORTER_OTLP_ENDPOINT`",
/// "`endpoint` in the `[otel]` table of the config file", "the `--endpoint` flag".
pub fn where_(source: &Source) -> String {
    match source {
        Source::Flag(f) => format!("the `{f}` flag"),
        Source::Config(k) => {
            let key = k.strip_prefix("otel.").unwrap_or(k);
            format!("`{key}` in the `[otel]` table of the config file")
        }
        Source::Env(v) => format!("`{v}`"),
        Source::Default => "the default".to_owned(),
    }
}

/// How to give `setting` the value `value` at `source`: "`OTEL_X=v`", "`key = \"v\"` in the
/// `[otel]` table of the config file", "`--flag v`". For the default, the generic variable
/// `fallback_env` is named.
pub fn set_to(source: &Source, value: &str, fallback_env: &str) -> String {
    match source {
        Source::Flag(f) => format!("`{f} {value}`"),
        Source::Config(k) => {
            let key = k.strip_prefix("otel.").unwrap_or(k);
            let literal = if value.parse::<f64>().is_ok() || value == "true" || value == "false" {
                value.to_owned()
            } else {
                format!("\"{value}\"")
            };
            format!("`{key} = {literal}` in the `[otel]` table of the config file")
        }
        Source::Env(v) => format!("`{v}={value}`"),
        Source::Default => format!("`{fallback_env}={value}`"),
    }
}

fn for_signal(signal: Option<Signal>) -> String {
    signal.map(|s| format!(" ({s})")).unwrap_or_default()
}

pub fn config_invalid(
    signal: Option<Signal>,
    source: &Source,
    value: &str,
    expected: &str,
) -> Finding {
    Finding::new(Cause::ConfigInvalid, Severity::Error, signal)
        .text(
            format!(
                "{} has the invalid value `{value}`{}",
                where_(source),
                for_signal(signal)
            ),
            format!(
                "The runner ignores a value it cannot understand and falls back to the next \
                 source or the default, so the exporter does not behave as this setting intends. \
                 Valid values: {expected}."
            ),
            format!("Set {} to one of: {expected}.", where_(source)),
        )
        .evidence(json!({ "setting": source, "value": value, "expected": expected }))
}

/// A bad value with a harmless default (a boolean the specification reads as false, a
/// sampler ratio): a warning, not an error.
pub fn config_invalid_ignored(
    signal: Option<Signal>,
    source: &Source,
    value: &str,
    expected: &str,
) -> Finding {
    let mut f = config_invalid(signal, source, value, expected);
    f.severity = Severity::Warning;
    f.explanation = format!(
        "The value is ignored and the default applies. Valid values: {expected}. Other SDKs may \
         read it differently, so the same environment can behave differently per program."
    );
    f
}

pub fn endpoint_invalid(
    signal: Signal,
    source: &Source,
    display: &str,
    error: &EndpointError,
) -> Finding {
    let why = match error {
        EndpointError::Whitespace => "it contains whitespace (a pasted line break or a space)".to_owned(),
        EndpointError::BadPort => "its port is not a number from 1 to 65535 (a doubled `:port` such as `host:4317:4317` is a common cause)".to_owned(),
        EndpointError::NoHost => "it has no host name after the scheme".to_owned(),
        EndpointError::UnknownScheme(s) => format!("its scheme `{s}` is not one of http, https, grpc, grpcs"),
        EndpointError::MalformedScheme => "its scheme is not followed by `//` (write `http://host:port`)".to_owned(),
        EndpointError::Syntax(e) => format!("it is not a valid URL ({e})"),
    };
    let example = format!("http://collector:{}", 4318);
    Finding::new(Cause::EndpointInvalid, Severity::Error, Some(signal))
        .text(
            format!(
                "The {signal} endpoint `{display}` from {} is not a valid URL",
                where_(source)
            ),
            format!(
                "The endpoint cannot be parsed because {why}. No connection is ever attempted: \
                 SDKs fail with messages like `too many colons in address` or `unknown port`."
            ),
            format!(
                "Set {} to a URL of the form scheme://host:port, e.g. {}.",
                where_(source),
                set_to(source, &example, "OTEL_EXPORTER_OTLP_ENDPOINT")
            ),
        )
        .evidence(json!({ "setting": source, "endpoint": display }))
}

pub fn endpoint_missing_scheme(
    signal: Signal,
    source: &Source,
    display: &str,
    protocol: Protocol,
    tls: bool,
) -> Finding {
    let (severity, what, scheme) = if protocol == Protocol::Grpc {
        let what = if tls {
            "For gRPC, tonic (the runner's client) and the Go SDK treat an endpoint without a \
             scheme as `https`: the runner will use TLS. If the collector listens in plaintext \
             (the default for port 4317), the handshake fails."
        } else {
            "For gRPC, the runner uses plaintext here because insecure is set; other SDKs \
             reading the same value may use TLS or reject it."
        };
        (Severity::Warning, what, if tls { "https" } else { "http" })
    } else {
        (
            Severity::Error,
            "HTTP exporters need a full URL: Python fails with `No connection adapters were \
             found`, Go with `first path segment in URL cannot contain colon`.",
            "http",
        )
    };
    let fixed = format!("{scheme}://{display}");
    Finding::new(Cause::EndpointMissingScheme, severity, Some(signal))
        .text(
            format!(
                "The {signal} endpoint `{display}` from {} has no scheme",
                where_(source)
            ),
            format!("The specification requires a URL with a scheme. {what}"),
            format!(
                "Write the scheme explicitly: {} (use https:// only if the collector serves TLS).",
                set_to(source, &fixed, "OTEL_EXPORTER_OTLP_ENDPOINT")
            ),
        )
        .evidence(json!({ "setting": source, "endpoint": display, "protocol": protocol }))
}

pub fn grpc_endpoint_has_path(
    signal: Signal,
    source: &Source,
    display: &str,
    path: &str,
) -> Finding {
    let trimmed = display.strip_suffix(path).unwrap_or(display);
    Finding::new(Cause::GrpcEndpointHasPath, Severity::Warning, Some(signal))
        .text(
            format!("The gRPC {signal} endpoint `{display}` has a path (`{path}`)"),
            "gRPC sends every export to the fixed method path \
             `/opentelemetry.proto.collector.<signal>.v1.<Service>/Export`: the runner's client \
             ignores an endpoint path, and Go's fails with `unknown port` or `too many colons`. A \
             path such as /v1/traces usually means an OTLP/HTTP URL was given to a gRPC exporter."
                .to_string(),
            format!(
                "Remove the path: {}; or, if this is an OTLP/HTTP URL, set the protocol to \
                 http/protobuf (`OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf`) and use port 4318.",
                set_to(source, trimmed, "OTEL_EXPORTER_OTLP_ENDPOINT")
            ),
        )
        .evidence(json!({ "setting": source, "endpoint": display, "path": path }))
}

pub fn signal_path_missing(signal: Signal, source: &Source, display: &str, path: &str) -> Finding {
    let bare = path == "/" || path.is_empty();
    let fixed = format!("{}{}", display.trim_end_matches('/'), signal.http_path());
    let fixed = if bare {
        fixed
    } else {
        format!(
            "{}{}",
            display
                .strip_suffix(path)
                .unwrap_or(display)
                .trim_end_matches('/'),
            signal.http_path()
        )
    };
    Finding::new(
        Cause::SignalPathMissing,
        if bare { Severity::Error } else { Severity::Warning },
        Some(signal),
    )
    .text(
        format!("The {signal} endpoint `{display}` from {} does not end in `{}`", where_(source), signal.http_path()),
        format!(
            "A signal-specific endpoint is used exactly as written: nothing is appended. The \
             exporter will POST to `{path}`, where a collector answers 404 (`404 page not found`); \
             OTLP/HTTP receivers listen on `{}`.{}",
            signal.http_path(),
            if bare { "" } else { " A vendor with a custom path may be fine; check its documentation." }
        ),
        format!(
            "Set {}, or put the base URL in the generic `OTEL_EXPORTER_OTLP_ENDPOINT` (which gets `{}` appended).",
            set_to(source, &fixed, ""),
            signal.http_path()
        ),
    )
    .evidence(json!({ "setting": source, "endpoint": display, "path": path }))
}

pub fn signal_path_duplicated(
    signal: Signal,
    source: &Source,
    display: &str,
    url: &str,
) -> Finding {
    let base = display
        .trim_end_matches('/')
        .rsplit_once("/v1/")
        .map(|(b, _)| b)
        .unwrap_or(display);
    Finding::new(Cause::SignalPathDuplicated, Severity::Error, Some(signal))
        .text(
            format!(
                "The generic endpoint `{display}` from {} already ends in a signal path, so {signal} go to `{url}`",
                where_(source)
            ),
            format!(
                "The specification appends `{}` to the generic endpoint. With the path already in it, \
                 the exporter posts to a path the collector does not serve and gets 404 \
                 (Ruby: `received http.code=404 for uri: '/v1/v1/traces'`).",
                signal.http_path()
            ),
            format!(
                "Remove the path from the generic endpoint: {}; or keep the full URL and move it to \
                 the signal-specific `OTEL_EXPORTER_OTLP_{}_ENDPOINT` (used as-is).",
                set_to(source, base, "OTEL_EXPORTER_OTLP_ENDPOINT"),
                signal.env_infix()
            ),
        )
        .evidence(json!({ "setting": source, "endpoint": display, "url": url }))
}

pub fn protocol_port_mismatch(
    signal: Signal,
    protocol: Protocol,
    protocol_source: &Source,
    port: u16,
    endpoint_source: &Source,
) -> Finding {
    let other = if protocol == Protocol::Grpc {
        "http/protobuf"
    } else {
        "grpc"
    };
    let symptom = if protocol == Protocol::Grpc {
        "gRPC to an OTLP/HTTP port fails with `http2: frame too large` (Go) or `FRAME_SIZE_ERROR` (Java, tonic)"
    } else {
        "HTTP to a gRPC port fails with `malformed HTTP response \"\\x00\\x00\\x06\\x04...\"` (Go) or a connection reset"
    };
    Finding::new(Cause::ProtocolPortMismatch, Severity::Warning, Some(signal))
        .text(
            format!(
                "{signal}: protocol {protocol} (from {}) but port {port} (from {}) is the collector's default {other} port",
                where_(protocol_source),
                where_(endpoint_source)
            ),
            format!(
                "The collector listens for OTLP/gRPC on 4317 and OTLP/HTTP on 4318. This is a static \
                 suspicion: the network stages check what the port really speaks. Typically, {symptom}."
            ),
            format!(
                "Either set the protocol to match the port ({}), or point the endpoint at port {}.",
                set_to(protocol_source, other, "OTEL_EXPORTER_OTLP_PROTOCOL"),
                protocol.default_port()
            ),
        )
        .evidence(json!({ "protocol": protocol, "port": port }))
}

/// An `OTEL_*` value that a config key or flag shadowed (with a different value).
pub fn env_overridden(s: &Shadowed) -> Finding {
    let remove = match &s.winner {
        Source::Config(k) => format!(
            "remove `{}` from the `[otel]` table of the config file",
            k.strip_prefix("otel.").unwrap_or(k)
        ),
        Source::Flag(f) => format!("drop the `{f}` flag"),
        _ => "remove the higher setting".to_owned(),
    };
    let var = match &s.source {
        Source::Env(v) => v.clone(),
        other => other.to_string(),
    };
    // A flag is a deliberate choice for this one run: worth knowing, not a warning.
    let severity = match s.winner {
        Source::Flag(_) => Severity::Info,
        _ => Severity::Warning,
    };
    Finding::new(Cause::EnvOverridden, severity, s.signal)
        .text(
            format!(
                "`{var}` is ignored: {} sets {} to `{}` instead of `{}`",
                where_(&s.winner),
                s.setting,
                s.winner_value,
                s.value
            ),
            "Flags beat the `[otel]` table of the config file, which beats environment variables. \
             A value set in the environment (often by a deployment manifest) is silently overridden, \
             so the exporter may send somewhere other than you think.",
            format!(
                "Keep one source of truth: to use the environment's value, {remove}; to keep `{}`, \
                 unset `{var}` so nobody is misled.",
                s.winner_value
            ),
        )
        .evidence(json!(s))
}

pub fn env_unknown_variable(name: &str, nearest: Option<&str>) -> Finding {
    let (severity, summary, fix) = match nearest {
        Some(n) => (
            Severity::Warning,
            format!("`{name}` is not an OpenTelemetry variable; did you mean `{n}`?"),
            format!("Rename `{name}` to `{n}` (keep the value)."),
        ),
        None => (
            Severity::Info,
            format!("`{name}` is not a variable of the OpenTelemetry specification"),
            format!("Check the spelling of `{name}` against the specification's list, or unset it if unused."),
        ),
    };
    Finding::new(Cause::EnvUnknownVariable, severity, None)
        .text(
            summary,
            "SDKs silently ignore variables they do not know, so a misspelt name has no effect at all \
             and the default applies instead.",
            fix,
        )
        .evidence(json!({ "variable": name, "nearest": nearest }))
}

pub fn headers_invalid(signal: Option<Signal>, source: &Source, problem: &KvProblem) -> Finding {
    let (severity, what) = match problem {
        KvProblem::MissingEquals { entry, colon: true } => (Severity::Error, format!("entry {entry} looks like `Name: value`; the format is `name=value`")),
        KvProblem::MissingEquals { entry, colon: false } => (Severity::Error, format!("entry {entry} has no `=`")),
        KvProblem::EmptyKey { entry } => (Severity::Error, format!("entry {entry} has an empty name")),
        KvProblem::BadEncoding { key } => (Severity::Error, format!("the value of `{key}` is not valid (a string, percent-encoded in variables)")),
        KvProblem::BadHeaderName { key } => (Severity::Error, format!("`{key}` is not a valid HTTP header name")),
        KvProblem::BadHeaderValue { key } => (Severity::Error, format!("the value of `{key}` is not a valid HTTP header value (control characters or line breaks, or not a string)")),
        KvProblem::UnencodedSpace { key } => (Severity::Warning, format!("the value of `{key}` has a space that is not percent-encoded")),
    };
    let fix = match source {
        Source::Env(v) => format!("Write {} as comma-separated `name=value` pairs with percent-encoded values, e.g. `{v}=authorization=Bearer%20<token>,x-scope=team-a`.", where_(source)),
        Source::Config(_) => "Write `[otel.headers]` as a table of strings, e.g. `authorization = \"Bearer <token>\"`.".to_owned(),
        _ => "Pass each header as `--header name=value`, e.g. `--header \"authorization=Bearer <token>\"`.".to_owned(),
    };
    Finding::new(Cause::HeadersInvalid, severity, signal)
        .text(
            format!("Headers in {}: {what}", where_(source)),
            "A malformed header list is rejected or mangled by SDKs (Python: `Header format invalid! \
             Header values in environment variables must be URL encoded`); an undecoded value such as \
             `Basic%20...` reaches the server verbatim and gets 401. Header values are never shown here.",
            fix,
        )
        .evidence(json!({ "setting": source }))
}

pub fn resource_attributes_invalid(source: &Source, problem: &KvProblem) -> Finding {
    let what = match problem {
        KvProblem::MissingEquals { entry, .. } => format!("entry {entry} has no `=`"),
        KvProblem::EmptyKey { entry } => format!("entry {entry} has an empty key"),
        KvProblem::BadEncoding { key } => {
            format!("the value of `{key}` is not valid (percent-encoded string)")
        }
        KvProblem::UnencodedSpace { key } => {
            format!("the value of `{key}` has a space that is not percent-encoded")
        }
        KvProblem::BadHeaderName { key } | KvProblem::BadHeaderValue { key } => {
            format!("`{key}` is not valid")
        }
    };
    let discarded = !matches!(problem, KvProblem::UnencodedSpace { .. });
    Finding::new(Cause::ResourceAttributesInvalid, Severity::Warning, None)
        .text(
            format!("Resource attributes in {}: {what}", where_(source)),
            if discarded {
                "The specification says a resource attribute list with an error is discarded whole, \
                 so every attribute in it (including any service.name) is lost."
            } else {
                "Some SDKs reject values with unencoded spaces and discard the whole list."
            },
            match source {
                Source::Env(v) => format!("Write `{v}` as comma-separated `key=value` pairs with percent-encoded values, e.g. `{v}=deployment.environment=prod,team=ci%20infra`."),
                _ => "Write `[otel.resource_attributes]` as a table of strings, e.g. `\"deployment.environment\" = \"prod\"`.".to_owned(),
            },
        )
        .evidence(json!({ "setting": source }))
}

pub fn tls_files_invalid(
    signal: Signal,
    source: &Source,
    path: &Path,
    error: &TlsSetupError,
) -> Finding {
    let (what, fix) = match error {
        TlsSetupError::Unreadable { message, .. } => (
            format!("cannot be read ({message})"),
            format!("Point {} at a readable PEM file, or fix the file's permissions for the user the runner runs as.", where_(source)),
        ),
        TlsSetupError::NotPem { what, .. } => (
            format!("contains no PEM {what}"),
            format!("Point {} at a PEM file (`-----BEGIN ...-----`); convert DER with `openssl x509 -inform der -in FILE -out FILE.pem`.", where_(source)),
        ),
        TlsSetupError::KeyMismatch { message } => (
            format!("does not match the client certificate ({message})"),
            "Set the client key and client certificate (`OTEL_EXPORTER_OTLP_CLIENT_KEY`, `OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE`) to files of the same key pair.".to_owned(),
        ),
        TlsSetupError::NoRoots { message } => (
            format!("leaves no trusted root certificate ({message})"),
            format!("Point {} at a PEM file holding the CA certificate that signed the collector's certificate.", where_(source)),
        ),
        TlsSetupError::HalfIdentity => (
            "is set without its pair (client certificate and client key go together)".to_owned(),
            "Set both `OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE` and `OTEL_EXPORTER_OTLP_CLIENT_KEY` (or `client_certificate` and `client_key` in `[otel]`), or neither.".to_owned(),
        ),
    };
    Finding::new(Cause::TlsFilesInvalid, Severity::Error, Some(signal))
        .text(
            format!("{signal}: `{}` from {} {what}", path.display(), where_(source)),
            "The TLS configuration cannot be built, so the exporter fails before connecting (or, in \
             some SDKs, silently connects without the intended CA or client certificate).",
            fix,
        )
        .evidence(json!({ "setting": source, "path": path.display().to_string() }))
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

pub fn insecure_conflict(
    signal: Signal,
    kind: InsecureConflict,
    insecure_source: &Source,
    display: &str,
) -> Finding {
    let (summary, explanation, fix) = match kind {
        InsecureConflict::InsecureWithTlsScheme => (
            format!("{signal}: insecure is set (from {}) but `{display}` asks for TLS", where_(insecure_source)),
            "The insecure option only applies to gRPC endpoints without a scheme; an https:// or grpcs:// scheme always uses TLS, so the option is ignored here.".to_owned(),
            format!("For plaintext, use the `http://` (or `grpc://`) scheme; for TLS, remove the option ({}).", set_to(insecure_source, "false", "OTEL_EXPORTER_OTLP_INSECURE")),
        ),
        InsecureConflict::InsecureWithHttp => (
            format!("{signal}: insecure is set (from {}) but has no effect on OTLP/HTTP", where_(insecure_source)),
            "For OTLP/HTTP the scheme alone decides: http:// is plaintext, https:// is TLS.".to_owned(),
            format!("Choose plaintext or TLS with the endpoint's scheme and remove the option ({}).", set_to(insecure_source, "false", "OTEL_EXPORTER_OTLP_INSECURE")),
        ),
        InsecureConflict::CertificatesUnused => (
            format!("{signal}: TLS certificates are configured but `{display}` is plaintext"),
            "A CA or client certificate only matters for a TLS connection; this endpoint is plaintext, so they are unused. If the collector expects TLS (or mTLS) the connection will fail.".to_owned(),
            "Use the https:// (or grpcs://) scheme if the collector serves TLS; otherwise remove the certificate settings (`OTEL_EXPORTER_OTLP_CERTIFICATE`, `OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE`, `OTEL_EXPORTER_OTLP_CLIENT_KEY`).".to_owned(),
        ),
    };
    Finding::new(Cause::InsecureConflict, Severity::Warning, Some(signal))
        .text(summary, explanation, fix)
        .evidence(json!({ "setting": insecure_source, "endpoint": display }))
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

pub fn exporter_disabled(kind: &ExporterOff, source: &Source) -> Finding {
    let (severity, summary, explanation, fix) = match kind {
        ExporterOff::SdkDisabled => (
            Severity::Error,
            format!("The SDK is disabled by {}", where_(source)),
            "With OTEL_SDK_DISABLED=true every signal is a no-op: nothing is exported and nothing is said.".to_owned(),
            format!("Unset {} or set it to false ({}).", where_(source), set_to(source, "false", "OTEL_SDK_DISABLED")),
        ),
        ExporterOff::None => (
            Severity::Error,
            format!("The traces exporter is `none` (from {})", where_(source)),
            "Spans are created and dropped: nothing is sent to any collector.".to_owned(),
            format!("Set {}.", set_to(source, "otlp", "OTEL_TRACES_EXPORTER")),
        ),
        ExporterOff::Local(name) => (
            Severity::Warning,
            format!("The traces exporter is `{name}` (from {}): spans are not sent to a collector", where_(source)),
            format!("The `{name}` exporter writes spans locally; the OTLP endpoint is never used."),
            format!("To export over OTLP, set {}.", set_to(source, "otlp", "OTEL_TRACES_EXPORTER")),
        ),
    };
    Finding::new(Cause::ExporterDisabled, severity, Some(Signal::Traces))
        .text(summary, explanation, fix)
        .evidence(json!({ "setting": source }))
}

pub fn sampler_drops_all(source: &Source, sampler: &str, sampler_setting: &Source) -> Finding {
    let ratio = sampler.contains("ratio");
    let fix = if ratio {
        format!(
            "Set the ratio above 0: {} (1.0 keeps every trace).",
            set_to(source, "1.0", "OTEL_TRACES_SAMPLER_ARG")
        )
    } else {
        format!(
            "Set {}.",
            set_to(
                sampler_setting,
                "parentbased_always_on",
                "OTEL_TRACES_SAMPLER"
            )
        )
    };
    Finding::new(Cause::SamplerDropsAll, Severity::Error, Some(Signal::Traces))
        .text(
            format!("The sampler `{sampler}` (from {}) drops every trace", where_(source)),
            "Unsampled spans are never exported: the exporter has nothing to send and no error is logged anywhere.",
            fix,
        )
        .evidence(json!({ "sampler": sampler, "setting": source }))
}

pub fn service_name_missing(source: &Source, value: &str) -> Finding {
    Finding::new(Cause::ServiceNameMissing, Severity::Warning, None)
        .text(
            if value.trim().is_empty() {
                format!("{} sets an empty service name", where_(source))
            } else {
                format!("{} sets the service name to `{value}`", where_(source))
            },
            "Without a real service.name, backends show the runner's spans as `unknown_service` (or \
             reject them: `OTLPResourceNoServiceName`), so they are hard to find. The runner's own \
             default is `runner`; this setting replaces it.",
            match source {
                Source::Env(v) if v == "OTEL_RESOURCE_ATTRIBUTES" => "Set `OTEL_SERVICE_NAME=gitlab-runner` (it takes precedence over service.name in `OTEL_RESOURCE_ATTRIBUTES`), or remove the empty `service.name=` entry from `OTEL_RESOURCE_ATTRIBUTES` to keep the default `runner`.".to_owned(),
                Source::Config(k) if k == "otel.resource_attributes" => "Set `service_name = \"gitlab-runner\"` in the `[otel]` table of the config file, or remove `service.name` from `[otel.resource_attributes]` to keep the default `runner`.".to_owned(),
                _ => format!("Set {} or remove the setting to keep the default `runner`.", set_to(source, "gitlab-runner", "OTEL_SERVICE_NAME")),
            },
        )
        .evidence(json!({ "setting": source, "value": value }))
}
