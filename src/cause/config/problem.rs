//! Wording of the problems met while resolving the settings (`config::Problem`).

use super::encoding::env_not_utf8;
use super::endpoint::endpoint_invalid;
use super::where_;
use crate::cause::{Cause, Finding, Severity};
use crate::config::kv::KvProblem;
use crate::config::{Problem, Signal, Source};
use serde_json::json;

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
