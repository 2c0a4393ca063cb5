//! Wording of the config stage: one match over its diagnosis (`facts::diagnosis::Config`)
//! picks the cause and words it; `where_`/`set_to` name settings for every stage's fixes.
//!
//! Every fix names the exact variable, config key or flag to change and the value to set.
//! No function here receives a secret: header problems carry names, URLs come redacted.

mod encoding;
mod endpoint;
mod problem;
mod tls;

use super::{Cause, Finding, Severity};
use crate::config::{Shadowed, Signal, Source};
use crate::facts::diagnosis::config::{Diagnosis, ExporterOff};
use serde_json::json;

/// The finding for one problem the config stage found.
pub fn finding(d: &Diagnosis) -> Finding {
    match d {
        Diagnosis::Problem(p) => problem::problem(p),
        Diagnosis::EndpointMissingScheme {
            signal,
            source,
            display,
            protocol,
            tls,
        } => endpoint::endpoint_missing_scheme(*signal, source, display, *protocol, *tls),
        Diagnosis::GrpcEndpointHasPath {
            signal,
            source,
            display,
            path,
        } => endpoint::grpc_endpoint_has_path(*signal, source, display, path),
        Diagnosis::SignalPathMissing {
            signal,
            source,
            display,
            path,
        } => endpoint::signal_path_missing(*signal, source, display, path),
        Diagnosis::SignalPathDuplicated {
            signal,
            source,
            display,
            url,
        } => endpoint::signal_path_duplicated(*signal, source, display, url),
        Diagnosis::ProtocolPortMismatch {
            signal,
            protocol,
            protocol_source,
            port,
            endpoint_source,
        } => endpoint::protocol_port_mismatch(
            *signal,
            *protocol,
            protocol_source,
            *port,
            endpoint_source,
        ),
        Diagnosis::InsecureConflict {
            signal,
            kind,
            insecure_source,
            display,
        } => tls::insecure_conflict(*signal, *kind, insecure_source, display),
        Diagnosis::TlsFilesInvalid {
            signal,
            source,
            path,
            error,
        } => tls::tls_files_invalid(*signal, source, path, error),
        Diagnosis::EnvUnknownVariable { name, nearest } => {
            env_unknown_variable(name, nearest.as_deref())
        }
        Diagnosis::EnvOverridden(sh) => env_overridden(sh),
        Diagnosis::ExporterDisabled { off, source } => exporter_disabled(off, source),
        Diagnosis::SamplerDropsAll {
            arg_source,
            sampler,
            sampler_source,
        } => sampler_drops_all(arg_source, sampler, sampler_source),
        Diagnosis::ServiceNameMissing { source, value } => service_name_missing(source, value),
    }
}

/// The config stage's findings, one per problem: a generic setting shared by several signals
/// yields identical findings per signal; keep one, marked as not signal-specific.
pub fn findings(ds: &[Diagnosis]) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    for f in ds.iter().map(finding) {
        match out
            .iter_mut()
            .find(|o| o.cause == f.cause && o.summary == f.summary && o.fix == f.fix)
        {
            Some(o) => {
                if o.signal != f.signal {
                    o.signal = None;
                }
            }
            None => out.push(f),
        }
    }
    out
}

/// The config check's line for `errors` and `warnings`; `signals` names what the settings
/// were resolved for (shown when there is nothing to report).
pub fn summary(errors: usize, warnings: usize, signals: &str) -> String {
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    match (errors, warnings) {
        (0, 0) => format!("settings resolved for {signals}"),
        (0, w) => format!("{w} warning{} in the settings", plural(w)),
        (e, w) => format!(
            "{e} error{}, {w} warning{} in the settings",
            plural(e),
            plural(w)
        ),
    }
}

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
