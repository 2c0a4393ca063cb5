//! Wording of `collector_mismatch` (`runner doctor otel --collector-config`): both sides quoted,
//! the receiver with its file:line, and the sentence that tells a probe's finding the
//! collector's configuration confirms it.

use super::quote;
use crate::cause::{Cause, Finding, Severity};
use crate::config::Signal;
use crate::facts::collector::Location;
use crate::facts::collector_cross::{
    Aim, Aimed, Disagreement, Mismatch, OtlpListener, Reach, Sender, TlsBasis, Wire,
};
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

/// The message when `--gateway` files hold no collector configuration (exit 2).
pub fn no_gateway(files: &str) -> String {
    format!("--gateway {files}: no collector configuration in these files (valid: the gateway's config.yaml, a ConfigMap holding it, or an OpenTelemetryCollector resource)")
}

fn loc(l: &Location) -> String {
    format!("{}:{}:{}", l.file, l.line, l.column)
}

fn wire(w: Wire) -> &'static str {
    match w {
        Wire::Grpc => "gRPC",
        Wire::Http => "OTLP/HTTP",
    }
}

/// The exporter's side, quoted with its place.
fn sender(s: &Sender) -> String {
    let tls = match s.tls_by {
        TlsBasis::Scheme => scheme(s.tls).to_owned(),
        TlsBasis::GrpcDefault => {
            "TLS by default: no `http://` and no `tls: {insecure: true}`".to_owned()
        }
        TlsBasis::Insecure => "plaintext: `tls: {insecure: true}`".to_owned(),
    };
    format!(
        "exporter `{}` ({}) sends {} to {} ({}, {tls})",
        s.id,
        loc(&s.at),
        s.signals.join(", "),
        quote(&s.endpoint),
        wire(s.wire)
    )
}

fn ports(l: &[(String, Wire, u16)]) -> String {
    l.iter()
        .map(|(id, w, p)| format!("{id} {} :{p}", w.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn whose(reach: Reach) -> &'static str {
    match reach {
        Reach::Own => "its own configuration's",
        Reach::Files => "the",
        Reach::Gateway => "the gateway's",
    }
}

/// The finding of an exporter aimed at a receiver or Service that does not take what it sends;
/// placed on the exporter's endpoint, the other side quoted with its own place.
pub fn aimed(a: &Aim) -> Finding {
    let s = &a.sender;
    let me = sender(s);
    let (cause, summary, explanation, fix) = match &a.problem {
        Aimed::ServicePort { service, ports: p, generated, at } => {
            let list: Vec<String> = p.iter().map(u16::to_string).collect();
            let what = if *generated {
                format!("Service `{service}` (made by the Operator for the OpenTelemetryCollector, with its receivers' ports, from {})", loc(at))
            } else {
                format!("Service `{service}` ({})", loc(at))
            };
            (
                Cause::CollectorPortMismatch,
                format!("exporter `{}` sends to port {} of Service `{service}`, which does not expose it", s.id, s.port),
                format!("{me}; {what} exposes port {} only: the connection is refused or times out.", list.join(", ")),
                format!("Send to one of the Service's ports ({}), or add port {} to Service `{service}`.", list.join(", "), s.port),
            )
        }
        Aimed::ServiceTarget { service, port, target, resolved, listening, at } => (
            Cause::CollectorPortMismatch,
            format!("Service `{service}` sends port {port} to targetPort `{target}` ({resolved}), where no receiver listens"),
            format!("{me}; Service `{service}` ({}) forwards port {port} to the container port named `{target}`, {resolved}, but the receivers behind it listen on {}.", loc(at), ports(listening)),
            format!("Point `targetPort` at the receiver's port (or name that port `{target}` in the workload), or move the receiver to {resolved}."),
        ),
        Aimed::NoReceiver { listening } => (
            Cause::CollectorPortMismatch,
            format!("no receiver of the gateway listens on port {}, where exporter `{}` sends", s.port, s.id),
            format!("{me}; the gateway listens on {}. Unless a Service or load balancer maps port {} to one of them, the connection is refused.", ports(listening), s.port),
            format!("Send to the gateway receiver's port (one of {}), or add a receiver on {} to the gateway.", ports(listening), s.port),
        ),
        Aimed::Receiver { receiver: r, what, via } => {
            let through = via.as_ref().map(|v| format!(" (reached through Service `{v}`)")).unwrap_or_default();
            let other = format!("{} {}{through}", whose(a.reach), receiver(r));
            match what {
                Disagreement::Protocol => (
                    Cause::CollectorPortMismatch,
                    format!("exporter `{}` speaks {} to port {}, the {} receiver `{}`", s.id, wire(s.wire), s.port, wire(r.wire), r.id),
                    format!("{me}; {other}. gRPC and OTLP/HTTP do not understand each other: every export fails."),
                    match r.wire {
                        Wire::Grpc => format!("Use an `otlp` (gRPC) exporter for port {}, or send `{}` to the HTTP receiver's port (4318 by default).", s.port, s.id),
                        Wire::Http => format!("Use an `otlphttp` exporter with `endpoint: http://…:{}`, or send `{}` to the gRPC receiver's port (4317 by default).", s.port, s.id),
                    },
                ),
                Disagreement::Scheme => (
                    Cause::CollectorTlsMisconfigured,
                    format!("exporter `{}` uses {} but {} receiver `{}` serves {}", s.id, scheme(s.tls), whose(a.reach), r.id, scheme(r.tls)),
                    format!("{me}; {other}. The handshake fails: {}.", if s.tls { "a TLS client reading a plaintext answer reports `first record does not look like a TLS handshake`" } else { "the receiver reads plaintext as a broken TLS handshake and closes the connection" }),
                    match (s.tls, s.wire) {
                        (true, Wire::Grpc) => format!("Add `tls: {{insecure: true}}` to exporter `{}` (or write `http://` before the endpoint), or give receiver `{}` a `tls:` block with cert_file and key_file.", s.id, r.id),
                        (true, Wire::Http) => format!("Write the endpoint as `http://…` in exporter `{}`, or give receiver `{}` a `tls:` block.", s.id, r.id),
                        (false, _) => format!("Make exporter `{}` use TLS (`https://`, or remove `insecure: true`, with `ca_file` for a private CA), or remove the receiver's `tls:` block.", s.id),
                    },
                ),
                Disagreement::Path { receiver: p } => (
                    Cause::CollectorMismatch,
                    format!("exporter `{}` posts to {}/v1/… but receiver `{}` takes them at {}", s.id, quote(&s.path), r.id, quote(p)),
                    format!("{me}; {other}. The exporter appends `/v1/<signal>` to its endpoint's path; any other path answers 404."),
                    format!("Remove the path from exporter `{}`'s endpoint, or make the receiver's `*_url_path` match.", s.id),
                ),
                Disagreement::Header { header } => (
                    Cause::CollectorMismatch,
                    format!("receiver `{}` requires the `{header}` header, which exporter `{}` does not send", r.id, s.id),
                    format!("{me}; {other}, with `auth: {{authenticator: {}}}`: every export is refused (HTTP 401, gRPC UNAUTHENTICATED).", r.auth.as_ref().map(|x| x.0.as_str()).unwrap_or("")),
                    format!("Give exporter `{}` `auth: {{authenticator: …}}` with a client authenticator extension (bearertokenauth, basicauth, oauth2client), or `headers: {{{header}: …}}`.", s.id),
                ),
                Disagreement::Signal => {
                    let missing: Vec<&str> = s.signals.iter().filter(|x| !r.signals.contains(x)).map(String::as_str).collect();
                    (
                        Cause::CollectorMismatch,
                        format!("exporter `{}` sends {} but receiver `{}` is in no {} pipeline", s.id, missing.join(", "), r.id, missing.join(" or ")),
                        format!("{me}; {other}, used by pipelines of {} only: {} exports are refused as unimplemented or dropped.", if r.signals.is_empty() { "no signal".to_owned() } else { r.signals.join(", ") }, missing.join(", ")),
                        format!("Add `{}` to the receivers of a {} pipeline of the receiving collector, or remove `{}` from the sender's {} pipeline.", r.id, missing.join(" and a "), s.id, missing.join(" and ")),
                    )
                }
                Disagreement::Port { listening } => (
                    Cause::CollectorPortMismatch,
                    format!("no receiver listens on port {}, where exporter `{}` sends", s.port, s.id),
                    format!("{me}; receivers listen on {}.", ports(listening)),
                    "Send to a receiver's port.".to_owned(),
                ),
            }
        }
    };
    let sev = if a.certain {
        Severity::Error
    } else {
        Severity::Warning
    };
    let mut ev = json!({"exporter": s.id, "sender": s, "reach": a.reach, "aimed": a.problem, "location": a.at(), "exporter_location": s.at});
    if let (Aimed::Receiver { receiver: r, .. }, Some(o)) = (&a.problem, ev.as_object_mut()) {
        o.insert("receiver_location".into(), json!(r.at));
    }
    Finding::new(cause, sev, None)
        .at_stage(crate::cause::Stage::Collector)
        .text(summary, explanation, fix)
        .evidence(ev)
}
