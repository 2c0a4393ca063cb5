//! `runner doctor otel --collector-config FILE`: the collector's OTLP receivers read from its
//! configuration, and the runner's export settings compared with the receiver that would take
//! them (port, protocol, scheme, path, required headers). The doctor calls `compare` once.

pub mod across;

use super::yaml::Node;
use super::{env, load, locate, read_sources, Refused};
use crate::cause::collector_text::cross as text;
use crate::cause::{Cause, Finding};
use crate::config::{Protocol, Settings, SignalSettings};
use crate::facts::collector::{Invalid, Observation};
use crate::facts::collector_cross::{Disagreement, Mismatch, OtlpListener, RunnerSide, Wire};
use std::path::PathBuf;

/// The collector's side: every OTLP receiver protocol of the configuration.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CollectorSide {
    pub listeners: Vec<OtlpListener>,
}

const SIGNALS: [&str; 3] = ["traces", "metrics", "logs"];

fn port_of(endpoint: &str) -> Option<u16> {
    let e = endpoint.rsplit('/').next().unwrap_or(endpoint);
    e.rsplit_once(':').and_then(|(_, p)| p.parse().ok())
}

/// Reads the collector configuration files; refuses (exit 2) what `doctor collector` refuses.
pub fn load_files(
    files: &[PathBuf],
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<CollectorSide, Refused> {
    let (names, sources) = read_sources(files)?;
    let mut loaded = load::load(&sources);
    for (pos, o) in &loaded.problems {
        if let Observation::Invalid(Invalid::Yaml(y) | Invalid::Embedded(y)) = o {
            return Err(Refused(super::text::refused(&locate(&names, *pos), y)));
        }
    }
    let mut side = CollectorSide::default();
    for unit in &mut loaded.units {
        let _ = env::resolve(&mut unit.root, env);
        listeners(&unit.root, unit.operator, &names, &mut side.listeners);
    }
    if side.listeners.is_empty() {
        return Err(Refused(text::no_receiver(&names.join(", "))));
    }
    Ok(side)
}

pub(crate) fn listeners(
    root: &Node,
    operator: bool,
    names: &[String],
    out: &mut Vec<OtlpListener>,
) {
    let pipelines = root.get("service").and_then(|s| s.get("pipelines"));
    let extensions = root.get("extensions");
    for (k, v) in root
        .get("receivers")
        .and_then(Node::as_map)
        .unwrap_or_default()
    {
        let Some(id) = k.as_str() else { continue };
        if id.split('/').next() != Some("otlp") {
            continue;
        }
        let signals = signals_of(pipelines, "receivers", id);
        for (pk, pv) in v
            .get("protocols")
            .and_then(Node::as_map)
            .unwrap_or_default()
        {
            let (wire, default_port) = match pk.as_str() {
                Some("grpc") => (Wire::Grpc, 4317),
                Some("http") => (Wire::Http, 4318),
                _ => continue,
            };
            let host = if operator { "0.0.0.0" } else { "localhost" };
            let endpoint = pv
                .get("endpoint")
                .and_then(Node::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{host}:{default_port}"));
            let tls = pv.get("tls").is_some_and(|t| !t.is_null());
            let paths = if wire == Wire::Http {
                SIGNALS
                    .iter()
                    .map(|s| {
                        let p = pv
                            .get(&format!("{s}_url_path"))
                            .and_then(Node::as_str)
                            .map(str::to_owned)
                            .unwrap_or_else(|| format!("/v1/{s}"));
                        ((*s).to_owned(), p)
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let auth = pv
                .get("auth")
                .and_then(|a| a.get("authenticator"))
                .and_then(Node::as_str)
                .and_then(|a| Some((a.to_owned(), required_header(extensions?.get(a)?, a)?)));
            out.push(OtlpListener {
                id: id.to_owned(),
                wire,
                port: port_of(&endpoint).unwrap_or(default_port),
                endpoint,
                tls,
                paths,
                auth,
                signals: signals.clone(),
                at: locate(names, pk.pos),
            });
        }
    }
}

/// The signals (pipeline types, each once) of the pipelines whose `role` list names `id`.
pub(crate) fn signals_of(pipelines: Option<&Node>, role: &str, id: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (name, p) in pipelines.and_then(Node::as_map).unwrap_or_default() {
        let listed = p.get(role).and_then(Node::as_seq).unwrap_or_default();
        if listed.iter().any(|r| r.as_str() == Some(id)) {
            let n = name.as_str().unwrap_or("");
            let sig = n.split('/').next().unwrap_or(n).to_owned();
            if !out.contains(&sig) {
                out.push(sig);
            }
        }
    }
    out
}

/// The header a server authenticator extension reads, where its type says.
fn required_header(ext: &Node, id: &str) -> Option<String> {
    match id.split('/').next() {
        Some("bearertokenauth") => Some(
            ext.get("header")
                .and_then(Node::as_str)
                .unwrap_or("Authorization")
                .to_owned(),
        ),
        Some("basicauth" | "oidc") => Some("Authorization".to_owned()),
        _ => None,
    }
}

fn runner_side(s: &SignalSettings) -> Option<RunnerSide> {
    let e = s.endpoint.as_ref()?;
    let path = s
        .url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
        .map(|u| u.path().to_owned())
        .unwrap_or_else(|| e.path.clone());
    Some(RunnerSide {
        signal: s.signal.as_str().to_owned(),
        endpoint: e.display.clone(),
        protocol: s.protocol.value.as_str().to_owned(),
        tls: e.tls,
        port: e.port,
        path,
        source: s.endpoint_raw.source.to_string(),
    })
}

/// Compares each signal's settings with the receiver that would take them; adds a
/// `collector_mismatch` finding per disagreement, and tells a probe's TLS finding when the
/// configuration confirms it.
pub fn compare(side: &CollectorSide, settings: &Settings, findings: &mut Vec<Finding>) {
    for s in &settings.signals {
        let Some(runner) = runner_side(s) else {
            continue;
        };
        let wire = if s.protocol.value == Protocol::Grpc {
            Wire::Grpc
        } else {
            Wire::Http
        };
        let by_port = side.listeners.iter().find(|l| l.port == runner.port);
        let receiver = by_port
            .or_else(|| side.listeners.iter().find(|l| l.wire == wire))
            .cloned();
        let mut what = Vec::new();
        if by_port.is_none() {
            what.push(Disagreement::Port {
                listening: side
                    .listeners
                    .iter()
                    .map(|l| (l.id.clone(), l.wire, l.port))
                    .collect(),
            });
        }
        let seen = |c: Cause| {
            findings
                .iter()
                .any(|f| f.cause == c && f.signal == Some(s.signal))
        };
        let mut confirms = None;
        if let Some(r) = &receiver {
            if r.wire != wire {
                what.push(Disagreement::Protocol);
            }
            if r.tls != runner.tls {
                what.push(Disagreement::Scheme);
                confirms = match (
                    runner.tls,
                    seen(Cause::TlsToPlaintext),
                    seen(Cause::PlaintextToTls),
                ) {
                    (true, true, _) => Some(Cause::TlsToPlaintext),
                    (false, _, true) => Some(Cause::PlaintextToTls),
                    _ => None,
                };
            }
            if r.wire == Wire::Http && wire == Wire::Http {
                if let Some((_, p)) = r.paths.iter().find(|(sig, _)| *sig == runner.signal) {
                    if *p != runner.path {
                        what.push(Disagreement::Path {
                            receiver: p.clone(),
                        });
                    }
                }
            }
            if let Some((_, header)) = &r.auth {
                let sent = s
                    .headers
                    .value
                    .iter()
                    .any(|h| h.name.eq_ignore_ascii_case(header));
                if !sent {
                    what.push(Disagreement::Header {
                        header: header.clone(),
                    });
                }
            }
            if !r.signals.contains(&runner.signal) {
                what.push(Disagreement::Signal);
            }
        }
        for w in what {
            let scheme = w == Disagreement::Scheme;
            let m = Mismatch {
                runner: runner.clone(),
                receiver: receiver.clone(),
                what: w,
                by_port: by_port.is_some(),
                confirms: confirms.filter(|_| scheme).map(|c| c.code().to_owned()),
            };
            if let (true, Some(c), Some(r)) = (scheme, confirms, &receiver) {
                if let Some(f) = findings
                    .iter_mut()
                    .find(|f| f.cause == c && f.signal == Some(s.signal))
                {
                    text::confirm(f, r);
                }
            }
            findings.push(text::mismatch(&m, s.signal));
        }
    }
}
