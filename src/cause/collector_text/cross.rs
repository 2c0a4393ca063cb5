//! Wording of `collector_mismatch` (`runner doctor otel --collector-config`): both sides quoted,
//! the receiver with its file:line, and the sentence that tells a probe's finding the
//! collector's configuration confirms it.

use super::quote;
use crate::cause::{Cause, Finding, Severity};
use crate::config::Signal;
use crate::facts::collector_cross::{Disagreement, Mismatch, OtlpListener, Wire};
use serde_json::json;

/// The message when a configuration has no OTLP receiver to compare with (exit 2).
pub fn no_receiver(files: &str) -> String {
    format!("--collector-config {files}: no OTLP receiver (`otlp` with protocols grpc or http) in this configuration; nothing to compare the runner's settings with")
}

fn at(r: &OtlpListener) -> String {
    format!("{}:{}:{}", r.at.file, r.at.line, r.at.column)
}

fn receiver(r: &OtlpListener) -> String {
    format!(
        "receiver `{}` protocol {} ({}) listens on {} {}",
        r.id,
        r.wire.as_str(),
        at(r),
        quote(&r.endpoint),
        if r.tls {
            "with TLS"
        } else {
            "in plaintext (no `tls:` block)"
        }
    )
}

fn scheme(tls: bool) -> &'static str {
    if tls {
        "TLS"
    } else {
        "plaintext"
    }
}

/// The finding of one disagreement.
pub fn mismatch(m: &Mismatch, signal: Signal) -> Finding {
    let ru = &m.runner;
    let runner = format!(
        "the runner sends {} to {} ({}, {}; from {})",
        ru.signal,
        quote(&ru.endpoint),
        ru.protocol,
        scheme(ru.tls),
        ru.source
    );
    let r = m.receiver.as_ref();
    let other = r
        .map(receiver)
        .unwrap_or_else(|| "no OTLP receiver".to_owned());
    let (summary, explanation, fix) = match (&m.what, r) {
        (Disagreement::Port { listening }, _) => {
            let list: Vec<String> = listening
                .iter()
                .map(|(id, w, p)| format!("{id} {} :{p}", w.as_str()))
                .collect();
            (
                format!("no receiver of the collector's configuration listens on port {}", ru.port),
                format!("{runner}; the configuration listens on {}. Unless a Service, load balancer or port mapping sends port {} to one of them, the connection is refused.", list.join(", "), ru.port),
                match r {
                    Some(r) => format!("Send to port {} (the {} receiver at {}), or map port {} to it.", r.port, r.wire.as_str(), at(r), ru.port),
                    None => "Add an `otlp` receiver to the collector, or point the runner at the collector that has one.".to_owned(),
                },
            )
        }
        (Disagreement::Protocol, Some(r)) => (
            format!("the runner speaks {} but port {} is the collector's OTLP/{} receiver", ru.protocol, ru.port, r.wire.as_str().to_uppercase()),
            format!("{runner}; {other}. gRPC and OTLP/HTTP do not understand each other: the export fails."),
            match r.wire {
                Wire::Grpc => "Set the runner's protocol to grpc (OTEL_EXPORTER_OTLP_PROTOCOL=grpc or `protocol = \"grpc\"` in [otel]), or send to the http receiver's port.".to_owned(),
                Wire::Http => "Set the runner's protocol to http/protobuf, or send to the grpc receiver's port.".to_owned(),
            },
        ),
        (Disagreement::Scheme, Some(r)) => (
            format!("the runner uses {} but receiver `{}` serves {}", scheme(ru.tls), r.id, scheme(r.tls)),
            format!(
                "{runner}; {other}.{}",
                match &m.confirms {
                    Some(c) => format!(" The doctor's own probe saw `{c}` on the wire: the collector's configuration confirms it."),
                    None => String::new(),
                }
            ),
            if r.tls {
                format!("Use an `https://` endpoint for the runner (the receiver at {} requires TLS), with `--ca-file` if its certificate is private.", at(r))
            } else {
                format!("Use an `http://` endpoint for the runner, or add a `tls:` block (cert_file, key_file) to the receiver at {}.", at(r))
            },
        ),
        (Disagreement::Path { receiver: p }, Some(r)) => (
            format!("the runner posts {} to {} but receiver `{}` takes them at {}", ru.signal, quote(&ru.path), r.id, quote(p)),
            format!("{runner}; {other}, with `{}_url_path` {}. Any other path answers 404.", ru.signal, quote(p)),
            format!("Make the runner's endpoint end in {} (a signal-specific endpoint is used as written), or change `{}_url_path` at {}.", quote(p), ru.signal, at(r)),
        ),
        (Disagreement::Header { header }, Some(r)) => (
            format!("receiver `{}` requires the `{header}` header, which the runner does not send", r.id),
            format!("{runner}; {other}, with `auth: {{authenticator: {}}}`: a request without `{header}` is refused (HTTP 401, gRPC UNAUTHENTICATED).", r.auth.as_ref().map(|a| a.0.as_str()).unwrap_or("")),
            format!("Give the runner the header: `--header {header}=…` or OTEL_EXPORTER_OTLP_HEADERS=\"{header}=…\" (the value from the collector's authenticator)."),
        ),
        (Disagreement::Signal, Some(r)) => (
            format!("receiver `{}` is in no {} pipeline of the collector", r.id, ru.signal),
            format!("{runner}; {other}, used by pipelines of {} only: the collector answers {} exports as unimplemented or drops them.", if r.signals.is_empty() { "no signal".to_owned() } else { r.signals.join(", ") }, ru.signal),
            format!("Add `{}` to the receivers of a {} pipeline in the collector's service.pipelines.", r.id, ru.signal),
        ),
        (_, None) => (
            "the collector's configuration has no receiver to compare with".to_owned(),
            runner.clone(),
            "Add an `otlp` receiver to the collector.".to_owned(),
        ),
    };
    let sev = if m.by_port && !matches!(m.what, Disagreement::Port { .. }) {
        Severity::Error
    } else {
        Severity::Warning
    };
    let mut ev = json!({"runner": ru, "what": m.what, "by_port": m.by_port});
    if let (Some(r), Some(o)) = (r, ev.as_object_mut()) {
        o.insert("receiver".into(), json!(r));
        o.insert("location".into(), json!(r.at));
    }
    if let (Some(c), Some(o)) = (&m.confirms, ev.as_object_mut()) {
        o.insert("confirms".into(), json!(c));
    }
    Finding::new(Cause::CollectorMismatch, sev, Some(signal))
        .text(summary, explanation, fix)
        .evidence(ev)
}

/// Tells a probe's finding (e.g. `tls_to_plaintext`) that the collector's configuration agrees.
pub fn confirm(f: &mut Finding, r: &OtlpListener) {
    f.explanation.push_str(&format!(
        " The collector's configuration confirms it: {}.",
        receiver(r)
    ));
    if let Some(o) = f.evidence.as_object_mut() {
        o.insert("collector_config".into(), json!(r));
    }
}
