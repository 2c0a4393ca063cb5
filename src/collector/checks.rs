//! Static checks of one collector configuration against the knowledge base: components defined,
//! used and known, keys, signals, TLS placement, bind addresses, processor order, Service ports.

use super::env::Expanded;
use super::kb::{kb, Component};
use super::load::{Service, Unit, SECTIONS};
use super::schema::schemas;
use super::typed::{Walk, TLS_KEYS};
use super::yaml::Node;
use crate::facts::collector::{
    ComponentKind, DataType, Invalid, Observation, Pos, TargetVersion, TlsProblem, VersionSource,
};
use listen::{listener, receiver};
use pipelines::service;
use ports::ports;

mod listen;
mod pipelines;
mod ports;

/// One pipeline as written: its data type and its components in order, with their places.
#[derive(Clone, Debug)]
pub struct Pipeline {
    pub name: String,
    pub data: Option<DataType>,
    pub pos: Pos,
    pub components: Vec<(ComponentKind, String, Pos)>,
}

/// What a component listens on or sends to, for the report's one line per component.
#[derive(Clone, Debug, PartialEq)]
pub enum Detail {
    /// `(protocol, endpoint as effective)` for receivers and extensions with listeners.
    Listens(Vec<(String, String)>),
    Sends(String),
    None,
}

#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<(Pos, Observation)>,
    pub pipelines: Vec<Pipeline>,
    /// Every defined component: kind, id, place of its key, and what it listens on or sends to.
    pub components: Vec<(ComponentKind, String, Pos, Detail)>,
    /// Ports this configuration listens on (for Service cross-checks and `doctor otel`).
    pub listening: Vec<u16>,
}

struct Ctx<'a> {
    version: &'a TargetVersion,
    operator: bool,
    expanded: &'a Expanded,
    out: Outcome,
}

impl Ctx<'_> {
    fn push(&mut self, pos: Pos, o: Observation) {
        self.out.findings.push((pos, o));
    }

    fn known_version(&self) -> bool {
        !matches!(self.version.source, VersionSource::Newest)
    }
}

fn type_of(id: &str) -> &str {
    id.split('/').next().unwrap_or(id)
}

fn host_port(endpoint: &str) -> (String, Option<u16>) {
    let e = endpoint
        .trim_start_matches("http://")
        .trim_start_matches("https://");
    let e = e.split('/').next().unwrap_or(e);
    match e.rsplit_once(':') {
        Some((h, p)) => (h.trim_matches(['[', ']']).to_owned(), p.parse().ok()),
        None => (e.to_owned(), None),
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.starts_with("127.") || host == "::1"
}

/// Runs every static check on one configuration.
pub fn check(
    unit: &Unit,
    services: &[Service],
    version: &TargetVersion,
    expanded: &Expanded,
) -> Outcome {
    let mut cx = Ctx {
        version,
        operator: unit.operator,
        expanded,
        out: Outcome::default(),
    };
    let root = &unit.root;
    let Some(map) = root.as_map() else {
        cx.push(
            root.pos,
            Observation::Invalid(Invalid::WrongType {
                path: String::new(),
                expected: "mapping",
            }),
        );
        return cx.out;
    };
    for (k, v) in map {
        let Some(key) = k.as_str() else { continue };
        if !SECTIONS.contains(&key) {
            let nearest = SECTIONS
                .iter()
                .find(|s| strsim::levenshtein(s, key) <= 2)
                .map(|s| (*s).to_owned());
            cx.push(
                k.pos,
                Observation::Invalid(Invalid::UnknownSection {
                    key: key.to_owned(),
                    nearest,
                }),
            );
        } else if !v.is_null() && v.as_map().is_none() {
            cx.push(
                v.pos,
                Observation::Invalid(Invalid::WrongType {
                    path: key.to_owned(),
                    expected: "mapping",
                }),
            );
        }
    }
    for kind in ComponentKind::ALL {
        if let Some(sec) = root.get(kind.section()).and_then(Node::as_map) {
            for (k, v) in sec {
                if let Some(id) = k.as_str() {
                    component(&mut cx, kind, id, k.pos, v);
                }
            }
        }
    }
    if let Some(svc) = root.get("service") {
        let s = schemas();
        let mut w = walk(&cx, None, "service", "service".to_owned(), &s.service, "");
        w.value(svc, &s.service, "");
        cx.out.findings.append(&mut w.out);
    }
    service(&mut cx, root);
    ports(&mut cx, unit, services);
    cx.out
}

fn walk<'a>(
    cx: &Ctx<'a>,
    kind: Option<ComponentKind>,
    id: &'a str,
    at: String,
    root: &'a super::schema::Ty,
    doc: &'a str,
) -> Walk<'a> {
    Walk {
        s: schemas(),
        kind,
        id,
        at,
        root,
        doc,
        expanded: cx.expanded,
        version: cx.version,
        out: Vec::new(),
    }
}

/// Checks a component's settings against its schema; false when there is none.
fn settings(cx: &mut Ctx, kind: ComponentKind, id: &str, v: &Node, doc: &str) -> bool {
    let ty = type_of(id);
    let Some((schema, source)) = schemas().component(kind, ty) else {
        return false;
    };
    let doc = if doc.is_empty() {
        super::schema::doc_url(source)
    } else {
        doc.to_owned()
    };
    let at = format!("{}/{ty}", kind.as_str());
    let mut w = walk(cx, Some(kind), id, at, schema, &doc);
    w.value(v, schema, "");
    cx.out.findings.append(&mut w.out);
    true
}

fn component(cx: &mut Ctx, kind: ComponentKind, id: &str, pos: Pos, v: &Node) {
    let ty = type_of(id);
    let kb = kb();
    let entry = kb.find(kind, ty);
    let detail = match entry {
        None if settings(cx, kind, id, v, "") => {
            super::required::check(&mut cx.out.findings, cx.expanded, kind, id, pos, v);
            generic_detail(v)
        }
        None => {
            let nearest = kb.nearest(kind, ty).map(str::to_owned);
            cx.push(
                pos,
                Observation::UnknownComponent {
                    kind,
                    id: id.to_owned(),
                    nearest,
                },
            );
            generic_detail(v)
        }
        Some(e) => {
            spelling(cx, kind, id, pos, e);
            let base = kb.resolve(kind, ty).unwrap_or(e);
            // A removed component is replaced first: its keys are judged on its successor.
            let gone = [e, base]
                .iter()
                .any(|c| c.removed_in.is_some_and(|r| cx.version.minor >= r));
            if !gone {
                let schema = settings(cx, kind, id, v, &base.doc);
                if !schema {
                    keys(cx, kind, id, v, base);
                }
                tls(cx, kind, id, v, base, schema);
                super::required::check(&mut cx.out.findings, cx.expanded, kind, id, pos, v);
            } else {
                renamed_keys(cx, kind, id, v, base);
            }
            match kind {
                ComponentKind::Receiver => receiver(cx, id, v, base),
                ComponentKind::Extension => listener(cx, id, v, base),
                ComponentKind::Exporter => match v.get("endpoint").and_then(Node::as_str) {
                    Some(ep) => Detail::Sends(ep.to_owned()),
                    None => listener(cx, id, v, base),
                },
                _ => Detail::None,
            }
        }
    };
    if let Detail::Listens(l) = &detail {
        for (_, ep) in l {
            if let (_, Some(p)) = host_port(ep) {
                cx.out.listening.push(p);
            }
        }
    }
    cx.out.components.push((kind, id.to_owned(), pos, detail));
}

fn generic_detail(v: &Node) -> Detail {
    match v.get("endpoint").and_then(Node::as_str) {
        Some(ep) => Detail::Listens(vec![(String::new(), ep.to_owned())]),
        None => Detail::None,
    }
}

/// Old and new spellings, deprecations and removals, judged against the target version.
fn spelling(cx: &mut Ctx, kind: ComponentKind, id: &str, pos: Pos, e: &Component) {
    let v = cx.version.minor;
    if let (Some(since), Some(orig)) = (e.since, &e.alias_of) {
        if v < since && cx.known_version() {
            cx.push(
                pos,
                Observation::Deprecated {
                    kind,
                    id: id.to_owned(),
                    key: None,
                    replacement: orig.clone(),
                    deprecated_in: None,
                    removed_in: Some(since),
                    version: cx.version.clone(),
                    doc: e.doc.clone(),
                },
            );
        }
        return;
    }
    if e.removed_in.is_some() || e.deprecated_in.is_some() {
        let due = e.deprecated_in.is_none_or(|d| v >= d);
        if due {
            cx.push(
                pos,
                Observation::Deprecated {
                    kind,
                    id: id.to_owned(),
                    key: None,
                    replacement: e.replacement.clone().unwrap_or_default(),
                    deprecated_in: e.deprecated_in,
                    removed_in: e.removed_in,
                    version: cx.version.clone(),
                    doc: e.doc.clone(),
                },
            );
        }
    }
}

/// The keys a removed component's successor names differently (`loglevel` → `verbosity`).
fn renamed_keys(cx: &mut Ctx, kind: ComponentKind, id: &str, v: &Node, e: &Component) {
    for (k, _) in v.as_map().unwrap_or_default() {
        let Some(key) = k.as_str() else { continue };
        if let Some(new) = e.deprecated_keys.get(key) {
            cx.push(
                k.pos,
                Observation::Deprecated {
                    kind,
                    id: id.to_owned(),
                    key: Some(key.to_owned()),
                    replacement: new.clone(),
                    deprecated_in: e.deprecated_in,
                    removed_in: None,
                    version: cx.version.clone(),
                    doc: e.doc.clone(),
                },
            );
        }
    }
}

/// The knowledge base's own key list, for components without a schema (`logging` before v0.111).
fn keys(cx: &mut Ctx, kind: ComponentKind, id: &str, v: &Node, e: &Component) {
    renamed_keys(cx, kind, id, v, e);
    for (k, _) in v.as_map().unwrap_or_default() {
        let Some(key) = k.as_str() else { continue };
        if e.deprecated_keys.contains_key(key) || TLS_KEYS.contains(&key) {
            continue; // reported as renamed, or by the TLS check, which names the right place
        }
        if e.strict && !e.keys.iter().any(|x| x == key) {
            unknown_key(cx, kind, id, "", key, k.pos, &e.keys, &e.doc);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn unknown_key(
    cx: &mut Ctx,
    kind: ComponentKind,
    id: &str,
    under: &str,
    key: &str,
    pos: Pos,
    valid: &[String],
    doc: &str,
) {
    let nearest = valid
        .iter()
        .filter(|x| strsim::levenshtein(x, key) <= 3)
        .min_by_key(|x| strsim::levenshtein(x, key))
        .cloned();
    cx.push(
        pos,
        Observation::UnknownKey {
            kind: Some(kind),
            id: id.to_owned(),
            under: under.to_owned(),
            key: key.to_owned(),
            nearest,
            belongs: None,
            doc: doc.to_owned(),
        },
    );
}

/// TLS keys beside `tls:`, certificates without keys, client keys on servers. With a schema, the
/// schema walk already reported misplaced keys; only the certificate pairs are left here.
fn tls(cx: &mut Ctx, kind: ComponentKind, id: &str, v: &Node, e: &Component, schema: bool) {
    // Scraping receivers (postgresql, redis) are TLS clients; only listeners serve TLS.
    let server = (kind == ComponentKind::Receiver || kind == ComponentKind::Extension)
        && (!e.protocols.is_empty() || e.port.is_some());
    // TLS keys written beside `tls:` instead of inside it: the component, or each protocol.
    let mut levels = vec![v];
    if let Some(pm) = v.get("protocols").and_then(Node::as_map) {
        levels.extend(pm.iter().map(|(_, p)| p));
    }
    let strictish = !schema && (e.strict || e.client || !e.protocols.is_empty());
    for lvl in levels {
        for (k, _) in lvl.as_map().unwrap_or_default() {
            if let Some(key) = k.as_str().filter(|k| TLS_KEYS.contains(k)) {
                if strictish {
                    let value = lvl.get(key).and_then(Node::as_str).unwrap_or("").to_owned();
                    let problem = TlsProblem::KeyOutsideTls {
                        key: key.to_owned(),
                        value,
                    };
                    let id = id.to_owned();
                    cx.push(k.pos, Observation::Tls { kind, id, problem });
                }
            }
        }
        let Some(t) = lvl.get("tls").filter(|t| t.as_map().is_some()) else {
            continue;
        };
        let has = |k: &str| t.get(k).is_some_and(|v| !v.is_null());
        let (cert, key) = (
            has("cert_file") || has("cert_pem"),
            has("key_file") || has("key_pem"),
        );
        let problem = if cert && !key {
            Some(TlsProblem::CertWithoutKey)
        } else if key && !cert {
            Some(TlsProblem::KeyWithoutCert)
        } else {
            None
        };
        if let Some(problem) = problem {
            let id = id.to_owned();
            cx.push(t.pos, Observation::Tls { kind, id, problem });
        }
        if server && !schema {
            for bad in ["insecure", "insecure_skip_verify"] {
                if let Some((k, _)) = t.entry(bad) {
                    let problem = TlsProblem::ClientKeyOnServer {
                        key: bad.to_owned(),
                    };
                    let id = id.to_owned();
                    cx.push(k.pos, Observation::Tls { kind, id, problem });
                }
            }
        }
    }
}
