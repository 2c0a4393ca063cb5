//! Wording of the findings the component schemas give: unknown keys (with where they belong),
//! values the collector refuses to decode, removed keys, and client TLS settings that mislead.

use super::{v, version_clause, Parts};
use crate::cause::{Cause, Severity};
use crate::facts::collector::{
    ComponentKind, Expected, TargetVersion, TlsProblem, ValueProblem, VersionSource,
};
use serde_json::json;

fn who(kind: Option<ComponentKind>, id: &str) -> String {
    match kind {
        Some(k) => format!("{} `{id}`", k.as_str()),
        None if id.is_empty() => "this mapping".to_owned(),
        None => format!("the `{id}` section"),
    }
}

fn last(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

/// An unknown key, with "did you mean" or the level where the same component has it.
pub fn unknown_key(
    kind: Option<ComponentKind>,
    id: &str,
    under: &str,
    key: &str,
    nearest: &Option<String>,
    belongs: &Option<String>,
    doc: &str,
) -> Parts {
    let place = if under.is_empty() {
        format!("`{id}`")
    } else {
        format!("`{id}.{under}`")
    };
    let fix = match (nearest, belongs.as_deref()) {
        (Some(n), _) => format!("Did you mean `{n}`? Rename `{key}` to `{n}`; the keys are documented in {doc}."),
        (None, Some("")) => format!("`{key}` belongs directly under `{id}`, not under `{under}`: move it up one level to sit beside `{id}`'s other settings."),
        (None, Some(p)) if p.contains('*') => {
            let prefix = p.split(".*").next().unwrap_or(p);
            format!("`{key}` is a key of each entry under `{prefix}:` (for a pipeline: beside its `receivers` and `exporters`), not of {} itself: move it into the entry it belongs to.", who(kind, id))
        }
        (None, Some(p)) => format!("This belongs under `{p}:` of `{id}`: move `{key}` into that block (`{id}.{p}.{key}`)."),
        (None, None) => format!("Remove `{key}`; {doc} lists the keys `{id}` takes."),
    };
    (
        Cause::CollectorUnknownKey,
        Severity::Error,
        format!("{} has no key `{key}` under {place}", who(kind, id)),
        format!("The collector refuses to start with `'{}' has invalid keys: {key}`, without a line number.", last(under)),
        fix,
        json!({"kind": kind, "id": id, "under": under, "key": key, "nearest": nearest, "belongs": belongs, "doc": doc}),
    )
}

fn expected_name(e: Expected) -> &'static str {
    match e {
        Expected::String => "a string",
        Expected::Integer => "an integer",
        Expected::UnsignedInteger => "a non-negative integer",
        Expected::Number => "a number",
        Expected::Boolean => "a boolean (true or false)",
        Expected::Duration => "a duration such as 5s",
        Expected::List => "a list",
        Expected::Mapping => "a mapping of settings",
        Expected::Scalar => "a single value",
    }
}

fn type_fix(e: Expected, key: &str, value: &str, found: &str) -> String {
    let bare = value.trim_matches('"');
    match e {
        Expected::String => format!("Quote it: `{key}: \"{bare}\"`."),
        Expected::Integer | Expected::UnsignedInteger | Expected::Number
            if found == "string" && bare.parse::<f64>().is_ok() =>
        {
            format!("Remove the quotes: `{key}: {bare}` (a quoted number is a string to the collector).")
        }
        Expected::Integer | Expected::UnsignedInteger | Expected::Number => {
            format!("Write `{key}` as a plain number, without quotes.")
        }
        Expected::Boolean => format!("Write `{key}: true` or `{key}: false`, without quotes."),
        Expected::Duration => format!("Write `{key}` as a duration with a unit: `5s`, `200ms`, `1m30s`."),
        Expected::List => format!("Write `{key}` as a list: `- item` lines under it, or `[a, b]`."),
        Expected::Mapping => format!("Write `{key}` as a mapping of its settings (indented `name: value` lines), or remove it to keep the defaults."),
        Expected::Scalar => format!("Write `{key}` as one value, not a {found}."),
    }
}

/// A value the collector refuses (`collector_value_invalid`).
pub fn value_invalid(
    kind: Option<ComponentKind>,
    id: &str,
    path: &str,
    value: &str,
    problem: &ValueProblem,
) -> Parts {
    let whose = if id.is_empty() {
        format!("`{path}`")
    } else {
        format!("`{path}` of {}", who(kind, id))
    };
    // Quotes as written stay readable; everything else is escaped.
    let value_q = super::quote(value).replace("\\\"", "\"");
    let key = last(path);
    let refused = "The collector decodes its configuration strictly and refuses to start; it names the key but not the line.";
    let (summary, explanation, fix) = match problem {
        ValueProblem::WrongType { expected, found } => (
            format!("{whose} must be {}, not the {found} {value_q}", expected_name(*expected)),
            format!("{refused} YAML reads unquoted digits as numbers, `true`/`false` as booleans and quoted text as a string, and `{key}` takes no conversion between them."),
            type_fix(*expected, key, &value_q, found),
        ),
        ValueProblem::NotADuration => (
            format!("{whose} is not a duration: {value_q}"),
            format!("{refused} (`time: invalid duration`)."),
            format!("Write `{key}` as a number with a unit (ns, us, ms, s, m, h): `5s`, `200ms`, `1m30s`."),
        ),
        ValueProblem::Negative => (
            format!("{whose} must not be negative: {value_q}"),
            format!("{refused} (`cannot parse value as 'uint32': overflows`)."),
            format!("Give `{key}` 0 or a positive number."),
        ),
        ValueProblem::NotInEnum { valid } => (
            format!("{whose} is {value_q}, which is not one of its values"),
            format!("{refused} It takes one of: {}.", valid.join(", ")),
            format!("Use one of: {}.", valid.iter().map(|x| format!("`{x}`")).collect::<Vec<_>>().join(", ")),
        ),
        ValueProblem::DuplicateKey { first_line } => (
            format!("`{path}` is written twice in the same mapping (first on line {first_line})"),
            format!("The collector's YAML decoder refuses the file: `mapping key \"{path}\" already defined at line {first_line}`. Other YAML tools often keep the last value silently, so the file may look fine elsewhere."),
            format!("Keep one `{path}`: merge the two blocks into one, or delete the one not meant (line {first_line} or this one)."),
        ),
        ValueProblem::Repeated { pipeline, role, first_line } => (
            format!("pipeline `{pipeline}` lists `{value}` more than once in its {role}{}", if *first_line > 0 { format!(" (first on line {first_line})") } else { String::new() }),
            format!("The collector refuses to start: `service::pipelines::{pipeline}: references {} \"{value}\" multiple times`.", role.trim_end_matches('s')),
            format!("Remove the second `{value}` from the {role} of pipeline `{pipeline}`."),
        ),
        ValueProblem::Empty { vars } if !vars.is_empty() => (
            format!("{whose} is empty once {} is resolved", vars.iter().map(|x| format!("`${{env:{x}}}`")).collect::<Vec<_>>().join(", ")),
            format!("An unset variable expands to an empty string, and the collector refuses to start ({}).", if kind == Some(ComponentKind::Extension) { "`http endpoint required`" } else { "`at least one endpoint must be specified`" }),
            format!("Set {} where the collector runs, or write a default into the reference: `${{env:{}:-{}}}`.", vars.join(", "), vars[0], if kind == Some(ComponentKind::Extension) { "0.0.0.0:13133" } else { "collector:4317" }),
        ),
        ValueProblem::Missing { keys } => {
            let list = keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(" or ");
            (
                format!("{} has no {list}, which it needs to start", who(kind, id)),
                format!("The collector refuses to start: {list} must be set{}.", if keys.iter().any(|k| k == "endpoint") { " (`requires a non-empty \"endpoint\"`)" } else { " and greater than zero" }),
                if keys.iter().any(|k| k == "endpoint") {
                    format!("Add `endpoint:` under `{id}` with where it sends, as `host:port` (gRPC) or a URL (HTTP).")
                } else if keys.iter().any(|k| k == "check_interval") {
                    format!("Add `check_interval: 1s` under `{id}`.")
                } else {
                    format!("Add `limit_percentage: 80` (of the memory the collector may use) or a `limit_mib` under `{id}`.")
                },
            )
        }
        ValueProblem::Empty { .. } => (
            format!("{whose} is empty"),
            "The collector refuses to start: `at least one endpoint must be specified`.".to_owned(),
            format!("Write where {} sends, as `host:port` (gRPC) or a URL (HTTP).", who(kind, id)),
        ),
    };
    (
        Cause::CollectorValueInvalid,
        Severity::Error,
        summary,
        explanation,
        fix,
        json!({"kind": kind, "id": id, "path": path, "value": value}),
    )
}

/// A removed (or deprecated) key, judged at the target version.
pub fn removed_key(
    at: &str,
    path: &str,
    deprecated_in: Option<u32>,
    removed_in: Option<u32>,
    replacement: &Option<String>,
    version: &TargetVersion,
    doc: &str,
) -> Parts {
    let removed = removed_in.is_some_and(|r| version.minor >= r);
    let since = deprecated_in
        .map(|d| format!(" since {}", v(d)))
        .unwrap_or_default();
    let (sev, state) = match removed_in {
        Some(r) if removed => (
            Severity::Error,
            format!(
                "was removed in {}: the collector no longer starts with it",
                v(r)
            ),
        ),
        Some(r) => (
            Severity::Warning,
            format!("is deprecated{since} and removed in {}", v(r)),
        ),
        None => (Severity::Warning, format!("is deprecated{since}")),
    };
    let newest = matches!(version.source, VersionSource::Newest);
    let fix = match replacement {
        Some(r) => format!("Replace `{}` with `{r}`.", last(path)),
        None => format!("Move to the setting that replaces `{path}`, as {} describes; the collector still accepts it for now.", if doc.is_empty() { "the component's README" } else { doc }),
    };
    (
        Cause::CollectorDeprecatedComponent,
        sev,
        format!("`{path}` of `{at}` {state}"),
        if removed {
            format!(
                "Whether this stops the collector depends on its version: {}.{}",
                version_clause(version),
                if newest {
                    " Older collectors accepted it; pass the version you run to judge it as that release does."
                } else {
                    ""
                }
            )
        } else {
            format!(
                "The collector still starts with it and logs a deprecation warning; a later release removes it ({}).",
                version_clause(version)
            )
        },
        fix,
        json!({"at": at, "path": path, "deprecated_in": deprecated_in, "removed_in": removed_in, "replacement": replacement}),
    )
}

/// The TLS problems that only mislead (warnings), worded.
pub fn tls_warning(
    kind: ComponentKind,
    id: &str,
    p: &TlsProblem,
) -> Option<(String, String, String)> {
    let comp = format!("{} `{id}`", kind.as_str());
    match p {
        TlsProblem::InsecureOnHttps { endpoint } => {
            let rest = endpoint.trim_start_matches("https://");
            Some((
                format!("`tls.insecure: true` has no effect on {comp}'s `https://` endpoint"),
                "An `https://` endpoint always uses TLS; `insecure` only turns TLS off for an endpoint without a scheme or with `http://`. Toward a plaintext receiver this exporter still fails its TLS handshake.".to_owned(),
                format!("If the receiver serves plaintext, write `endpoint: http://{rest}`; if it serves TLS, remove `insecure: true`."),
            ))
        }
        TlsProblem::GrpcTlsByDefault { endpoint } => Some((
            format!("{comp} dials `{endpoint}` with TLS, the gRPC client's default, and no `tls:` block says so"),
            "Without a `tls:` block the OTLP gRPC exporter uses TLS and verifies the server's certificate, also for `http://` endpoints. A collector or Jaeger inside a cluster or compose network usually serves plaintext on 4317, and the export then fails with `authentication handshake failed` or `first record does not look like a TLS handshake`.".to_owned(),
            format!("If the receiver serves plaintext, add `tls: {{insecure: true}}` under `{id}`; if it serves TLS, add a `tls:` block with its `ca_file` so the choice is written down."),
        )),
        _ => None,
    }
}
