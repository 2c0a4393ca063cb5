//! The `service:` section's pipelines: components defined and used, listed once, in pipelines
//! of signals they support, processors in a working order.

use super::{type_of, Ctx, Pipeline};
use crate::collector::kb::kb;
use crate::collector::yaml::Node;
use crate::facts::collector::{
    ComponentKind, DataType, Invalid, Observation, OrderProblem, Pos, ValueProblem,
};

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

pub(super) fn service(cx: &mut Ctx, root: &Node) {
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
                                first_line: if first.line == pos.line {
                                    0
                                } else {
                                    first.line
                                },
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
