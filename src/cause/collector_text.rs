//! Wording of `runner doctor collector`: findings from typed collector facts, one-line summaries
//! of components and live checks, and the messages of refused input.

pub mod cross;
pub mod live;
pub mod schema;

use super::{Cause, Finding, Severity};
use crate::facts::collector::{
    ComponentKind, DataType, Fact, Invalid, Location, Observation, OrderProblem, TargetVersion,
    TlsProblem, VersionSource, YamlLimit,
};
use serde_json::json;

/// A finding's parts: cause, severity, summary, explanation, fix, evidence.
pub(crate) type Parts = (Cause, Severity, String, String, String, serde_json::Value);

fn v(minor: u32) -> String {
    format!("v0.{minor}")
}

/// How the version a finding depends on was chosen, as a clause.
pub fn version_clause(t: &TargetVersion) -> String {
    match &t.source {
        VersionSource::Flag => format!("the target collector is {} (--collector-version)", v(t.minor)),
        VersionSource::ImageTag(i) => format!("the target collector is {} (image {i})", v(t.minor)),
        VersionSource::Newest => format!(
            "no version was given, so this assumes the newest known ({}); pass --collector-version to judge an older one",
            v(t.minor)
        ),
    }
}

fn list<T: AsRef<str>>(items: &[T]) -> String {
    items
        .iter()
        .map(|s| s.as_ref())
        .collect::<Vec<_>>()
        .join(", ")
}

fn signals(s: &[DataType]) -> String {
    list(&s.iter().map(|d| d.as_str()).collect::<Vec<_>>())
}

/// The message of input the doctor refuses to read (exit 2).
pub fn refused(loc: &Location, problem: &YamlLimit) -> String {
    let at = format!("{}:{}:{}", loc.file, loc.line, loc.column);
    match problem {
        YamlLimit::Syntax(m) => format!("{at}: not valid YAML: {}", quote(m)),
        YamlLimit::TooLarge { bytes, max } => {
            format!("{at}: the file is {bytes} bytes; the doctor reads collector configurations up to {max} bytes")
        }
        YamlLimit::TooDeep { max } => format!(
            "{at}: the YAML nests deeper than {max} levels; a collector configuration needs far fewer (valid: a mapping of receivers, processors, exporters, extensions, connectors, service)"
        ),
        YamlLimit::AliasExpansion { max } => format!(
            "{at}: the YAML's aliases expand to more than {max} nodes (an alias bomb); the doctor stops here"
        ),
    }
}

/// The message of a file that cannot be read (exit 2).
pub fn unreadable(file: &str, kind: std::io::ErrorKind) -> String {
    match kind {
        std::io::ErrorKind::NotFound => format!(
            "{file}: no such file (give the collector's configuration file, e.g. config.yaml)"
        ),
        std::io::ErrorKind::PermissionDenied => format!("{file}: permission denied"),
        std::io::ErrorKind::InvalidData => {
            format!("{file}: not UTF-8 text (a collector configuration is YAML)")
        }
        _ => format!("{file}: could not be read"),
    }
}

/// The message for a `--collector-version` the doctor cannot read (exit 2).
pub fn bad_version(given: &str) -> String {
    format!(
        "--collector-version {}: not a collector version (valid: 0.135, 0.135.0, v0.104.1)",
        quote(given)
    )
}

/// Server or parser bytes quoted for a report: escaped and capped.
pub fn quote(s: &str) -> String {
    let mut out: String = s.chars().take(200).flat_map(char::escape_default).collect();
    if s.chars().count() > 200 {
        out.push('…');
    }
    out
}

fn comp(kind: ComponentKind, id: &str) -> String {
    format!("{} `{id}`", kind.as_str())
}

/// The finding of one fact; `None` for facts that are only shown on the component's line.
pub fn finding(fact: &Fact) -> Option<Finding> {
    use Observation as O;
    let (cause, sev, summary, explanation, fix, ev) = match &fact.what {
        O::Live(l) => return live::finding(l),
        O::Invalid(i) => {
            let (s, e, f) = invalid(i);
            (Cause::CollectorConfigInvalid, Severity::Error, s, e, f, json!({}))
        }
        O::UnknownComponent { kind, id, nearest: Some(n) } => (
            Cause::CollectorUnknownComponent,
            Severity::Error,
            format!("{} is not a known {} type; did you mean `{n}`?", comp(*kind, id), kind.as_str()),
            format!("The collector refuses an unknown type at start (`unknown type: \"{}\"`); `{n}` is the nearest known name.", id.split('/').next().unwrap_or(id)),
            format!("Rename `{id}` to `{n}` here and wherever a pipeline names it."),
            json!({"kind": kind, "id": id, "nearest": n}),
        ),
        O::UnknownComponent { kind, id, nearest: None } => (
            Cause::CollectorUnknownComponent,
            Severity::Warning,
            format!("{} is not in the doctor's knowledge base", comp(*kind, id)),
            "It may come from a custom distribution (Jaeger v2, SigNoz, a vendor build), which is fine if that build includes it; the doctor cannot check its keys or signals.".to_owned(),
            format!("Make sure the collector you run includes a `{}` {}; `otelcol components` lists them.", id.split('/').next().unwrap_or(id), kind.as_str()),
            json!({"kind": kind, "id": id}),
        ),
        O::Undefined { kind, id, pipeline } => {
            let (where_, fix) = if pipeline.is_empty() {
                ("service.extensions".to_owned(), format!("Define `{id}` under `extensions:` or remove it from service.extensions."))
            } else {
                (format!("pipeline `{pipeline}`"), format!("Define `{id}` under `{}:` or remove it from pipeline `{pipeline}`.", kind.section()))
            };
            (
                Cause::CollectorComponentUndefined,
                Severity::Error,
                format!("{where_} names {} which is not defined", comp(*kind, id)),
                format!("The collector refuses to start: `references {} \"{id}\" which is not configured`, and names no line.", kind.as_str()),
                fix,
                json!({"kind": kind, "id": id, "pipeline": pipeline}),
            )
        }
        O::Unused { kind, id } => {
            let (what, fix) = if *kind == ComponentKind::Extension {
                ("service.extensions does not list it, so it never starts".to_owned(), format!("Add `{id}` to service.extensions, or delete its definition."))
            } else {
                ("no pipeline uses it, so the collector never starts it".to_owned(), format!("Add `{id}` to the pipeline that should use it, or delete its definition."))
            };
            (
                Cause::CollectorComponentUnused,
                Severity::Warning,
                format!("{} is defined but unused", comp(*kind, id)),
                format!("The collector accepts this silently: {what}{}.", if *kind == ComponentKind::Receiver { ", and its port does not listen" } else { "" }),
                fix,
                json!({"kind": kind, "id": id}),
            )
        }
        O::UnknownKey { kind, id, under, key, nearest, belongs, doc } => {
            schema::unknown_key(*kind, id, under, key, nearest, belongs, doc)
        }
        O::ValueInvalid { kind, id, path, value, problem } => {
            schema::value_invalid(*kind, id, path, value, problem)
        }
        O::RemovedKey { at, path, deprecated_in, removed_in, replacement, version, doc } => {
            schema::removed_key(at, path, *deprecated_in, *removed_in, replacement, version, doc)
        }
        O::LocalhostOnly { id, protocol, endpoint: None, port, version } => (
            Cause::CollectorReceiverLocalhostOnly,
            Severity::Warning,
            format!("receiver `{id}` ({protocol}) has no endpoint, so it listens on localhost only"),
            format!("Since v0.104 a receiver without an endpoint binds `localhost`: from another container, pod or through a Service the connection is accepted and closed, which clients report as `authentication handshake failed: EOF`. Harmless when the senders run in the same network namespace; {}.", version_clause(version)),
            format!("Set `endpoint: 0.0.0.0:{port}` (or `${{env:MY_POD_IP}}:{port}`) under receivers → {id} → protocols → {protocol}."),
            json!({"id": id, "protocol": protocol, "version": format!("0.{}", version.minor)}),
        ),
        O::LocalhostOnly { id, protocol, endpoint: Some(ep), port, .. } => (
            Cause::CollectorReceiverLocalhostOnly,
            Severity::Info,
            format!("receiver `{id}` ({protocol}) listens on {ep}, reachable only from the same host or pod"),
            "A loopback endpoint is right when every sender runs beside the collector (an agent or sidecar), and wrong behind a Service or port mapping.".to_owned(),
            format!("If other hosts send to it, change the endpoint to `0.0.0.0:{port}`."),
            json!({"id": id, "protocol": protocol, "endpoint": ep}),
        ),
        O::OperatorDefault { id, protocol, port } => (
            Cause::CollectorReceiverLocalhostOnly,
            Severity::Info,
            format!("receiver `{id}` ({protocol}) has no endpoint: fine under the OpenTelemetry Operator, localhost-only elsewhere"),
            "The Operator (0.110 and later) fills in `0.0.0.0` for an OpenTelemetryCollector resource; the same block in a plain container, a Helm chart or a docker compose file binds `localhost` since v0.104, unreachable through a Service (`authentication handshake failed: EOF`).".to_owned(),
            format!("To make the configuration portable, write the endpoint: `endpoint: 0.0.0.0:{port}`."),
            json!({"id": id, "protocol": protocol, "operator": true}),
        ),
        O::Deprecated { kind, id, key: Some(key), replacement, .. } => (
            Cause::CollectorDeprecatedComponent,
            Severity::Warning,
            format!("`{key}` of {} is deprecated; use `{replacement}`", comp(*kind, id)),
            format!("`{key}` was replaced by `{replacement}`; newer collectors reject it."),
            format!("Replace `{key}` with `{replacement}` (for the logging exporter's `loglevel: debug`, `verbosity: detailed`)."),
            json!({"kind": kind, "id": id, "key": key, "replacement": replacement}),
        ),
        O::Deprecated { kind, id, key: None, replacement, deprecated_in: None, removed_in: Some(since), version, doc } => (
            Cause::CollectorDeprecatedComponent,
            Severity::Error,
            format!("{} uses a spelling introduced in {}, unknown to this collector", comp(*kind, id), v(*since)),
            format!("`{}` is the newer name of `{replacement}`; {} rejects it as an unknown type ({}). See {doc}.", id.split('/').next().unwrap_or(id), v(version.minor), version_clause(version)),
            format!("Write `{replacement}` instead, or run a collector of {} or later.", v(*since)),
            json!({"kind": kind, "id": id, "replacement": replacement, "since": since}),
        ),
        O::Deprecated { kind, id, key: None, replacement, deprecated_in, removed_in, version, doc } => {
            let removed = removed_in.is_some_and(|r| version.minor >= r);
            // Removed at the judged version (the newest known when none is given): it cannot start.
            let sev = if removed { Severity::Error } else { Severity::Warning };
            let state = match (removed_in, deprecated_in) {
                (Some(r), _) if removed => format!("was removed in {}: the collector no longer starts with it", v(*r)),
                (Some(r), Some(d)) => format!("is deprecated since {} and removed in {}", v(*d), v(*r)),
                (None, Some(d)) => format!("is deprecated since {}", v(*d)),
                _ => "is deprecated".to_owned(),
            };
            let ty = id.split('/').next().unwrap_or(id);
            let fix = match ty {
                "jaeger" => "Jaeger accepts OTLP natively: replace the `jaeger` exporter with an `otlp` exporter to Jaeger's port 4317 (e.g. `endpoint: jaeger-collector:4317`).".to_owned(),
                _ => format!("Replace `{ty}` with `{replacement}` here and in every pipeline that names it."),
            };
            (
                Cause::CollectorDeprecatedComponent,
                sev,
                format!("{} {state}", comp(*kind, id)),
                format!("Whether this stops the collector depends on its version: {}. See {doc}.", version_clause(version)),
                fix,
                json!({"kind": kind, "id": id, "replacement": replacement, "deprecated_in": deprecated_in, "removed_in": removed_in}),
            )
        }
        O::SignalUnsupported { kind, id, signal, pipeline, supported } => (
            Cause::CollectorSignalUnsupported,
            Severity::Error,
            format!("{} does not support {} but is in pipeline `{pipeline}`", comp(*kind, id), signal.as_str()),
            format!("It handles {} only; the collector refuses to start: `failed to create \"{id}\" {} for data type \"{}\": telemetry type is not supported`.", signals(supported), kind.as_str(), signal.as_str()),
            format!("Remove `{id}` from pipeline `{pipeline}`, or move it to a pipeline of {}.", signals(supported)),
            json!({"kind": kind, "id": id, "signal": signal, "pipeline": pipeline, "supported": supported}),
        ),
        O::Tls { kind, id, problem } => {
            let ((s, e, f), sev) = match schema::tls_warning(*kind, id, problem) {
                Some(w) => (w, Severity::Warning),
                None => (tls(*kind, id, problem), Severity::Error),
            };
            (Cause::CollectorTlsMisconfigured, sev, s, e, f, json!({"kind": kind, "id": id}))
        }
        O::PortMismatch { service, port, target_port, listening, otlp } => (
            Cause::CollectorPortMismatch,
            if *otlp { Severity::Error } else { Severity::Warning },
            format!("Service `{service}` sends port {port} to targetPort {target_port}, where nothing of the collector listens"),
            format!("The collector's configuration listens on {}; connections to targetPort {target_port} are refused inside the pod, and through a load balancer look like an accepted-then-closed connection.", list(&listening.iter().map(u16::to_string).collect::<Vec<_>>())),
            format!("Set `targetPort` to the receiver's port (one of {}), or move the receiver's endpoint to {target_port}.", list(&listening.iter().map(u16::to_string).collect::<Vec<_>>())),
            json!({"service": service, "port": port, "target_port": target_port, "listening": listening}),
        ),
        O::EnvUnresolved { var } => (
            Cause::CollectorEnvUnresolved,
            Severity::Warning,
            format!("`{var}` is not set in this environment"),
            format!("The collector replaces an unset `${{env:{var}}}` with an empty string. If the collector's own environment sets it (a Deployment's env, a compose file), this is fine; the doctor checked the value as empty."),
            format!("Set {var} where the collector runs, or give the reference a default value after `:-` inside its braces."),
            json!({"variable": var}),
        ),
        O::ProcessorOrder { pipeline, processor, problem } => {
            let (s, e, f) = match problem {
                OrderProblem::MemoryLimiterNotFirst { index } => (
                    format!("`{processor}` is processor {} of pipeline `{pipeline}`, not the first", index + 1),
                    "The memory limiter can refuse data only before other processors have spent memory on it; placed later, it protects nothing.".to_owned(),
                    format!("Move `{processor}` to the front of pipeline `{pipeline}`'s processors."),
                ),
                OrderProblem::BatchBeforeSampling { sampler } => (
                    format!("`{processor}` runs before `{sampler}` in pipeline `{pipeline}`"),
                    "Batching first makes the sampler see batches instead of traces and wastes memory on data it then drops.".to_owned(),
                    format!("Put `{processor}` after `{sampler}`."),
                ),
            };
            (Cause::CollectorProcessorOrder, Severity::Warning, s, e, f, json!({"pipeline": pipeline, "processor": processor}))
        }
    };
    let mut evidence = ev;
    if let (Some(at), Some(m)) = (&fact.at, evidence.as_object_mut()) {
        m.insert("location".into(), json!(at));
    }
    Some(
        Finding::new(cause, sev, None)
            .text(summary, explanation, fix)
            .evidence(evidence),
    )
}

fn invalid(i: &Invalid) -> (String, String, String) {
    let refused = "The collector stops at the first such problem and names no line.".to_owned();
    match i {
        Invalid::Yaml(y) | Invalid::Embedded(y) => (
            "the configuration is not valid YAML".to_owned(),
            format!("The YAML parser stopped here: {}. {refused}", match y { YamlLimit::Syntax(m) => quote(m), _ => "a limit was exceeded".to_owned() }),
            "Fix the indentation or quoting at this line (YAML indents with spaces only).".to_owned(),
        ),
        Invalid::Unreadable(_) => ("the file could not be read".to_owned(), refused, "Give a readable file.".to_owned()),
        Invalid::WrongType { path, expected } => (
            format!("`{}` must be a {expected}", if path.is_empty() { "the configuration" } else { path }),
            refused,
            format!("Write `{path}` as a {expected} of component ids to their settings."),
        ),
        Invalid::NoPipelines => (
            "service.pipelines is missing or empty".to_owned(),
            "A collector without pipelines refuses to start (`service must have at least one pipeline`).".to_owned(),
            "Add a pipeline under service.pipelines, e.g. `traces: {receivers: [otlp], exporters: [debug]}`.".to_owned(),
        ),
        Invalid::PipelineIncomplete { pipeline, missing } => (
            format!("pipeline `{pipeline}` has no {missing}"),
            format!("Every pipeline needs at least one receiver and one exporter (`must have at least one {}`).", missing.trim_end_matches('s')),
            format!("Add the {missing} pipeline `{pipeline}` should use."),
        ),
        Invalid::BadPipelineType { pipeline } => (
            format!("pipeline `{pipeline}` is not of a known signal"),
            "A pipeline's name is `SIGNAL` or `SIGNAL/NAME`, with SIGNAL one of traces, metrics, logs, profiles.".to_owned(),
            format!("Start the name with its signal: `traces/{pipeline}`, `metrics/{pipeline}`, `logs/{pipeline}` or `profiles/{pipeline}`."),
        ),
        Invalid::UnknownSection { key, nearest } => (
            format!("`{key}` is not a section of a collector configuration"),
            format!("The collector refuses unknown top-level keys (`'' has invalid keys: {key}`). {refused}"),
            match nearest {
                Some(n) => format!("Did you mean `{n}`?"),
                None => "Valid sections: receivers, processors, exporters, extensions, connectors, service.".to_owned(),
            },
        ),
        Invalid::NoConfig => (
            "no collector configuration was found in these files".to_owned(),
            "Neither a plain configuration, a ConfigMap holding one, nor an OpenTelemetryCollector resource.".to_owned(),
            "Give the collector's configuration file, or the manifest that holds it.".to_owned(),
        ),
    }
}

fn tls(kind: ComponentKind, id: &str, p: &TlsProblem) -> (String, String, String) {
    match p {
        TlsProblem::KeyOutsideTls { key, .. } if kind == ComponentKind::Receiver => (
            format!("`{key}` is directly under receiver `{id}`, where the collector does not accept it"),
            format!("The collector refuses to start: `'' has invalid keys: {key}`. A receiver's TLS settings live under each protocol's `tls:` block, and a receiver has no `insecure` at all: without a `tls:` block it is plaintext already."),
            format!("Remove `{key}`; to serve TLS, add a `tls:` block with `cert_file` and `key_file` (PEM paths) under the protocol (receivers → {id} → protocols → grpc → tls)."),
        ),
        TlsProblem::KeyOutsideTls { key, value } => (
            format!("`{key}` is directly under {}, not under its `tls:` block", comp(kind, id)),
            format!("The collector refuses to start: `'' has invalid keys: {key}`."),
            format!("Move it into the `tls:` block of `{id}`: `tls: {{{key}: {}}}`.", if value.is_empty() { "true" } else { value }),
        ),
        TlsProblem::CertWithoutKey => (
            format!("{}'s `tls:` has a certificate but no key", comp(kind, id)),
            "`validate` accepts this, but the collector fails when it starts the component and loads the pair.".to_owned(),
            "Add `key_file` beside `cert_file` (both PEM).".to_owned(),
        ),
        TlsProblem::KeyWithoutCert => (
            format!("{}'s `tls:` has a key but no certificate", comp(kind, id)),
            "The collector fails when it loads the key pair.".to_owned(),
            "Add `cert_file` beside `key_file` (both PEM).".to_owned(),
        ),
        TlsProblem::ClientKeyOnServer { key } => (
            format!("`{key}` is a client setting, but it is in {}'s server `tls:` block", comp(kind, id)),
            format!("This {} serves connections, so its `tls:` is server TLS (cert_file, key_file, client_ca_file); `{key}` belongs to clients such as exporters, and the collector rejects it here as an invalid key (`'tls' has invalid keys: {key}`).", kind.as_str()),
            format!("Remove `{key}`; to serve plaintext, remove the whole `tls:` block."),
        ),
        TlsProblem::InsecureOnHttps { .. } | TlsProblem::GrpcTlsByDefault { .. } => (
            String::new(),
            String::new(),
            String::new(),
        ),
    }
}

/// One line for a component in a pipeline's list of checks.
pub fn component_line(
    kind: ComponentKind,
    id: &str,
    listens: &[(String, String)],
    sends: Option<&str>,
) -> String {
    let mut s = format!("{:<9} {id}", kind.as_str());
    if !listens.is_empty() {
        let l: Vec<String> = listens
            .iter()
            .map(|(p, e)| {
                if p.is_empty() {
                    e.clone()
                } else {
                    format!("{p} {e}")
                }
            })
            .collect();
        s.push_str(&format!(": listens on {}", l.join(", ")));
    } else if let Some(e) = sends {
        s.push_str(&format!(": sends to {e}"));
    }
    s
}

/// The settings block of the report: files, version and its source.
pub fn version_line(t: &TargetVersion) -> String {
    match &t.source {
        VersionSource::Flag => format!("{} (--collector-version)", v(t.minor)),
        VersionSource::ImageTag(i) => format!("{} (image {i})", v(t.minor)),
        VersionSource::Newest => format!(
            "{} (newest known; --collector-version to change)",
            v(t.minor)
        ),
    }
}
