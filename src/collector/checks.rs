//! Static checks of one collector configuration against the knowledge base: components defined,
//! used and known, keys, signals, TLS placement, bind addresses, processor order, Service ports.

use super::env::Expanded;
use super::kb::{kb, Component};
use super::load::{Service, Unit, SECTIONS};
use super::schema::schemas;
use super::typed::{Walk, TLS_KEYS};
use super::yaml::Node;
use crate::facts::collector::{
    ComponentKind, DataType, Invalid, Observation, OrderProblem, Pos, TargetVersion, TlsProblem,
    ValueProblem, VersionSource,
};

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
            super::exporters::client(&mut cx.out.findings, cx.expanded, kind, id, v);
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
                super::exporters::client(&mut cx.out.findings, cx.expanded, kind, id, v);
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

/// The effective listen addresses of a receiver; endpoints left out bind the version's default.
fn receiver(cx: &mut Ctx, id: &str, v: &Node, e: &Component) -> Detail {
    if e.protocols.is_empty() {
        return listener(cx, id, v, e);
    }
    let mut l = Vec::new();
    for (pk, pv) in v
        .get("protocols")
        .and_then(Node::as_map)
        .unwrap_or_default()
    {
        let Some(proto) = pk.as_str() else { continue };
        let Some(port) = e.protocols.get(proto) else {
            continue;
        };
        let ep = pv.get("endpoint").and_then(|n| Some((n.as_str()?, n.pos)));
        l.push((proto.to_owned(), bind(cx, id, proto, ep, *port, pk.pos)));
    }
    Detail::Listens(l)
}

fn listener(cx: &mut Ctx, id: &str, v: &Node, e: &Component) -> Detail {
    let Some(port) = e.port else {
        return generic_detail(v);
    };
    let ep = v.get("endpoint").and_then(|n| Some((n.as_str()?, n.pos)));
    let _ = cx;
    let effective = match ep {
        Some((s, _)) => s.to_owned(),
        None => format!("{}:{port}", default_host(cx)),
    };
    let _ = id;
    Detail::Listens(vec![(String::new(), effective)])
}

fn default_host(cx: &Ctx) -> &'static str {
    if cx.operator || cx.version.minor < 104 {
        "0.0.0.0"
    } else {
        "localhost"
    }
}

/// Judges one receiver listen address; returns it as effective.
fn bind(
    cx: &mut Ctx,
    id: &str,
    proto: &str,
    ep: Option<(&str, Pos)>,
    port: u16,
    at: Pos,
) -> String {
    match ep {
        None if cx.operator => {
            cx.push(
                at,
                Observation::OperatorDefault {
                    id: id.to_owned(),
                    protocol: proto.to_owned(),
                    port,
                },
            );
            format!("0.0.0.0:{port}")
        }
        None => {
            if cx.version.minor >= 104 {
                cx.push(
                    at,
                    Observation::LocalhostOnly {
                        id: id.to_owned(),
                        protocol: proto.to_owned(),
                        endpoint: None,
                        port,
                        version: cx.version.clone(),
                    },
                );
            }
            format!("{}:{port}", default_host(cx))
        }
        Some((s, pos)) => {
            if is_loopback(&host_port(s).0) {
                cx.push(
                    pos,
                    Observation::LocalhostOnly {
                        id: id.to_owned(),
                        protocol: proto.to_owned(),
                        endpoint: Some(s.to_owned()),
                        port: host_port(s).1.unwrap_or(port),
                        version: cx.version.clone(),
                    },
                );
            }
            s.to_owned()
        }
    }
}

fn ids(n: Option<&Node>) -> Vec<(String, Pos)> {
    n.and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|x| Some((x.as_str()?.to_owned(), x.pos)))
        .collect()
}

fn defined(root: &Node, kind: ComponentKind, id: &str) -> bool {
    root.get(kind.section()).and_then(|s| s.get(id)).is_some()
}

fn service(cx: &mut Ctx, root: &Node) {
    let svc = root.get("service");
    for (id, pos) in ids(svc.and_then(|s| s.get("extensions"))) {
        if !defined(root, ComponentKind::Extension, &id) {
            let pipeline = String::new();
            let kind = ComponentKind::Extension;
            cx.push(pos, Observation::Undefined { kind, id, pipeline });
        }
    }
    let pipelines = svc.and_then(|s| s.get("pipelines"));
    let Some(pmap) = pipelines.and_then(Node::as_map).filter(|m| !m.is_empty()) else {
        let at = pipelines.or(svc).map(|n| n.pos).unwrap_or(root.pos);
        cx.push(at, Observation::Invalid(Invalid::NoPipelines));
        return;
    };
    let mut used: Vec<(ComponentKind, String)> = Vec::new();
    for (pk, pv) in pmap {
        let Some(name) = pk.as_str() else { continue };
        let data = DataType::parse(type_of(name));
        if data.is_none() {
            cx.push(
                pk.pos,
                Observation::Invalid(Invalid::BadPipelineType {
                    pipeline: name.to_owned(),
                }),
            );
        }
        let mut p = Pipeline {
            name: name.to_owned(),
            data,
            pos: pk.pos,
            components: Vec::new(),
        };
        for (role, kind) in [
            ("receivers", ComponentKind::Receiver),
            ("processors", ComponentKind::Processor),
            ("exporters", ComponentKind::Exporter),
        ] {
            let list = ids(pv.get(role));
            if list.is_empty() && role != "processors" {
                cx.push(
                    pk.pos,
                    Observation::Invalid(Invalid::PipelineIncomplete {
                        pipeline: name.to_owned(),
                        missing: role,
                    }),
                );
            }
            let mut seen: Vec<(&str, Pos)> = Vec::new();
            // Only a repeated processor stops the collector; `validate` (0.135, 0.165) accepts a
            // receiver or exporter listed twice.
            for (id, pos) in list.iter().filter(|_| role == "processors") {
                match seen.iter().find(|(s, _)| s == id) {
                    Some((_, first)) => cx.push(
                        *pos,
                        Observation::ValueInvalid {
                            kind: None,
                            id: "service".to_owned(),
                            path: format!("pipelines.{name}.{role}"),
                            value: id.clone(),
                            problem: ValueProblem::Repeated {
                                pipeline: name.to_owned(),
                                role,
                                first_line: first.line,
                            },
                        },
                    ),
                    None => seen.push((id, *pos)),
                }
            }
            for (id, pos) in list {
                let as_connector = kind != ComponentKind::Processor
                    && defined(root, ComponentKind::Connector, &id);
                let real = if as_connector {
                    ComponentKind::Connector
                } else {
                    kind
                };
                if !as_connector && !defined(root, kind, &id) {
                    let pipeline = name.to_owned();
                    cx.push(
                        pos,
                        Observation::Undefined {
                            kind,
                            id: id.clone(),
                            pipeline,
                        },
                    );
                } else if let (Some(dt), false) = (data, as_connector) {
                    signal(cx, kind, &id, dt, name, pos);
                }
                used.push((real, id.clone()));
                p.components.push((real, id, pos));
            }
        }
        order(cx, &p);
        cx.out.pipelines.push(p);
    }
    let ext_used = ids(svc.and_then(|s| s.get("extensions")));
    for kind in ComponentKind::ALL {
        for (k, _) in root
            .get(kind.section())
            .and_then(Node::as_map)
            .unwrap_or_default()
        {
            let Some(id) = k.as_str() else { continue };
            let is_used = if kind == ComponentKind::Extension {
                ext_used.iter().any(|(e, _)| e == id)
            } else {
                used.iter().any(|(uk, u)| *uk == kind && u == id)
            };
            if !is_used {
                let id = id.to_owned();
                cx.push(k.pos, Observation::Unused { kind, id });
            }
        }
    }
}

fn signal(cx: &mut Ctx, kind: ComponentKind, id: &str, dt: DataType, pipeline: &str, pos: Pos) {
    let Some(e) = kb().resolve(kind, type_of(id)) else {
        return;
    };
    if !e.signals.is_empty() && !e.signals.contains(&dt) {
        cx.push(
            pos,
            Observation::SignalUnsupported {
                kind,
                id: id.to_owned(),
                signal: dt,
                pipeline: pipeline.to_owned(),
                supported: e.signals.clone(),
            },
        );
    }
}

fn order(cx: &mut Ctx, p: &Pipeline) {
    let procs: Vec<&(ComponentKind, String, Pos)> = p
        .components
        .iter()
        .filter(|c| c.0 == ComponentKind::Processor)
        .collect();
    for (i, (_, id, pos)) in procs.iter().enumerate() {
        if type_of(id) == "memory_limiter" && i > 0 {
            cx.push(
                *pos,
                Observation::ProcessorOrder {
                    pipeline: p.name.clone(),
                    processor: id.clone(),
                    problem: OrderProblem::MemoryLimiterNotFirst { index: i },
                },
            );
        }
        if type_of(id) == "batch" {
            let sampler = procs[i + 1..].iter().find(|(_, s, _)| {
                kb().resolve(ComponentKind::Processor, type_of(s))
                    .is_some_and(|e| e.sampler)
            });
            if let Some((_, s, _)) = sampler {
                cx.push(
                    *pos,
                    Observation::ProcessorOrder {
                        pipeline: p.name.clone(),
                        processor: id.clone(),
                        problem: OrderProblem::BatchBeforeSampling { sampler: s.clone() },
                    },
                );
            }
        }
    }
}

/// The collector's own telemetry port (8888 unless configured otherwise).
fn telemetry_port(root: &Node) -> Option<u16> {
    let m = root.get("service")?.get("telemetry")?.get("metrics")?;
    if let Some(a) = m.get("address").and_then(Node::as_str) {
        return host_port(a).1;
    }
    let readers = m.get("readers").and_then(Node::as_seq)?;
    readers.iter().find_map(|r| {
        r.get("pull")?
            .get("exporter")?
            .get("prometheus")?
            .get("port")?
            .as_str()?
            .parse()
            .ok()
    })
}

/// Ports that carry telemetry by convention: OTLP, Jaeger, Zipkin, OpenCensus.
const OTLP_PORTS: [u16; 8] = [4317, 4318, 14250, 14268, 9411, 55678, 6831, 6832];

fn selects(svc: &Service, unit: &Unit) -> bool {
    !svc.selector.is_empty()
        && unit
            .pod_labels
            .iter()
            .any(|labels| svc.selector.iter().all(|s| labels.contains(s)))
}

fn ports(cx: &mut Ctx, unit: &Unit, services: &[Service]) {
    let mut listening = cx.out.listening.clone();
    listening.push(telemetry_port(&unit.root).unwrap_or(8888));
    listening.sort_unstable();
    listening.dedup();
    cx.out.listening = listening.clone();
    let linked: Vec<&Service> = if unit.pod_labels.is_empty() && unit.configmap.is_some() {
        // No workload in these files says which Service fronts this ConfigMap: all of them may.
        services.iter().collect()
    } else if unit.configmap.is_none() && !unit.operator {
        Vec::new()
    } else {
        services.iter().filter(|s| selects(s, unit)).collect()
    };
    for s in linked {
        for p in &s.ports {
            let Some(t) = p.target else { continue };
            if !listening.contains(&t) {
                cx.push(
                    p.pos,
                    Observation::PortMismatch {
                        service: s.name.clone(),
                        port: p.port,
                        target_port: t,
                        listening: listening.clone(),
                        otlp: p.name.contains("otlp")
                            || OTLP_PORTS.contains(&t)
                            || OTLP_PORTS.contains(&p.port),
                    },
                );
            }
        }
    }
}
