//! Where receivers and extensions listen: the endpoint as written, or the version's default bind
//! address (`0.0.0.0` before v0.104 and under the Operator, `localhost` since).

use super::{generic_detail, host_port, is_loopback, Ctx, Detail};
use crate::collector::kb::Component;
use crate::collector::yaml::Node;
use crate::facts::collector::{Observation, Pos};

/// The effective listen addresses of a receiver; endpoints left out bind the version's default.
pub(super) fn receiver(cx: &mut Ctx, id: &str, v: &Node, e: &Component) -> Detail {
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

pub(super) fn listener(cx: &mut Ctx, id: &str, v: &Node, e: &Component) -> Detail {
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
