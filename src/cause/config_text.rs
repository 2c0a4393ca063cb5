//! Wording of configuration findings: built from typed facts by the config stage.
//!
//! Every fix names the exact variable, config key or flag to change and the value to set.
//! No function here receives a secret: header problems carry names, URLs come redacted.

mod encoding;
mod endpoint;
mod tls;

pub use encoding::*;
pub use endpoint::*;
pub use tls::*;

use super::{Cause, Finding, Severity};
use crate::config::kv::KvProblem;
use crate::config::{Problem, Shadowed, Signal, Source};
use serde_json::json;

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

/// The finding for a problem noticed while resolving the settings.
pub fn problem(p: &Problem) -> Finding {
    match p {
        Problem::Invalid {
            signal,
            source,
            value,
            expected,
            ignored: false,
        } => config_invalid(*signal, source, value, expected),
        Problem::Invalid {
            signal,
            source,
            value,
            expected,
            ignored: true,
        } => config_invalid_ignored(*signal, source, value, expected),
        Problem::Endpoint {
            signal,
            source,
            display,
            error,
        } => endpoint_invalid(*signal, source, display, error),
        Problem::Headers {
            signal,
            source,
            problem,
        } => headers_invalid(*signal, source, problem),
        Problem::ResourceAttributes { source, problem } => {
            resource_attributes_invalid(source, problem)
        }
        Problem::NotUtf8 { variable, shown } => env_not_utf8(variable, shown),
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
        KvProblem::TooMany { limit } => (Severity::Error, format!("more than {limit} entries; only the first {limit} were read")),
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
        KvProblem::TooMany { limit } => {
            format!("more than {limit} entries; only the first {limit} were read")
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

/// The config line when nothing at all is configured (no file, no flag, no variable): said
/// first, so a newcomer knows what the doctor is checking.
pub fn nothing_configured(url: &str, protocol: crate::config::Protocol) -> String {
    let family = match protocol {
        crate::config::Protocol::Grpc => "OTLP/gRPC",
        crate::config::Protocol::HttpProtobuf => "OTLP/HTTP",
        crate::config::Protocol::HttpJson => "OTLP/HTTP, JSON",
    };
    format!("nothing is configured: checking the default {url} ({family})")
}

/// Added to the fix when nothing is configured and nothing listens at the default.
pub const HOW_TO_CONFIGURE: &str = "Nothing is configured, so the doctor checked the default. To \
     point the runner at your collector, set `OTEL_EXPORTER_OTLP_ENDPOINT=http://collector.example:4318` \
     (and `OTEL_EXPORTER_OTLP_PROTOCOL=grpc` with port 4317 for gRPC), or `endpoint` and `protocol` \
     in the `[otel]` table of `config.toml`, or try one with \
     `runner doctor otel --endpoint http://collector.example:4318`.";
