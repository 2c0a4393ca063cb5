//! Across documents and collectors: every OTLP exporter aimed at a receiver of the same files
//! (its own configuration over loopback, a Kubernetes Service, the Service the Operator makes for
//! an `OpenTelemetryCollector`) or at the gateway given with `--gateway` must match what that
//! receiver takes: port, protocol, scheme and TLS, path, auth header, signal.

use super::super::load::{Service, Unit};
use super::super::locate;
use super::super::yaml::Node;
use crate::facts::collector_cross::{
    Aim, Aimed, Disagreement, OtlpListener, Reach, Sender, TlsBasis, Wire,
};

/// One configuration's exporters and receivers.
struct Side {
    senders: Vec<Sender>,
    listeners: Vec<OtlpListener>,
    /// `X-collector` for an `OpenTelemetryCollector` named X.
    generated: Option<String>,
}

fn wire_of(ty: &str) -> Option<Wire> {
    match ty {
        "otlp" | "otlp_grpc" => Some(Wire::Grpc),
        "otlphttp" | "otlp_http" => Some(Wire::Http),
        _ => None,
    }
}

/// `(host, port, path)` of an endpoint with or without a scheme.
fn split(endpoint: &str, default_port: u16) -> Option<(String, u16, String)> {
    let rest = endpoint
        .split_once("://")
        .map(|(_, r)| r)
        .unwrap_or(endpoint);
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
        None => (rest, ""),
    };
    // `user:password@host`: the host is what follows the userinfo.
    let hostport = hostport.rsplit_once('@').map_or(hostport, |(_, h)| h);
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(':') || h.starts_with('[') => (h, p.parse().ok()?),
        _ => (hostport, default_port),
    };
    let host = host.trim_matches(['[', ']']).to_ascii_lowercase();
    (!host.is_empty()).then(|| (host, port, path.to_owned()))
}

fn senders(root: &Node, config: &str, names: &[String]) -> Vec<Sender> {
    let pipelines = root.get("service").and_then(|s| s.get("pipelines"));
    let mut out = Vec::new();
    for (k, v) in root
        .get("exporters")
        .and_then(Node::as_map)
        .unwrap_or_default()
    {
        let Some(id) = k.as_str() else { continue };
        let Some(wire) = wire_of(id.split('/').next().unwrap_or(id)) else {
            continue;
        };
        let Some(ep) = v.get("endpoint").filter(|e| e.as_str().is_some()) else {
            continue;
        };
        let endpoint = ep.as_str().unwrap_or("").trim().to_owned();
        let scheme = endpoint
            .split_once("://")
            .map(|(s, _)| s.to_ascii_lowercase());
        let insecure = v
            .get("tls")
            .and_then(|t| t.get("insecure"))
            .and_then(Node::as_str)
            == Some("true");
        let (tls, tls_by) = match (scheme.as_deref(), wire) {
            (Some("https"), _) => (true, TlsBasis::Scheme),
            (Some(_), _) | (None, Wire::Http) => (false, TlsBasis::Scheme),
            (None, Wire::Grpc) if insecure => (false, TlsBasis::Insecure),
            (None, Wire::Grpc) => (true, TlsBasis::GrpcDefault),
        };
        let default_port = match (wire, tls) {
            (Wire::Grpc, _) => 4317,
            (Wire::Http, true) => 443,
            (Wire::Http, false) => 80,
        };
        let Some((host, port, path)) = split(&endpoint, default_port) else {
            continue;
        };
        let signals = super::signals_of(pipelines, "exporters", id);
        if signals.is_empty() {
            continue; // never started: nothing is sent
        }
        out.push(Sender {
            id: id.to_owned(),
            config: config.to_owned(),
            wire,
            // Quoted in findings: a password in it never leaves.
            endpoint: crate::redact::redact_url(&endpoint),
            host,
            port,
            tls,
            tls_by,
            path: if wire == Wire::Http {
                path
            } else {
                String::new()
            },
            headers: v
                .get("headers")
                .and_then(Node::as_map)
                .unwrap_or_default()
                .iter()
                .filter_map(|(h, _)| h.as_str().map(str::to_owned))
                .collect(),
            authenticator: v
                .get("auth")
                .and_then(|a| a.get("authenticator"))
                .and_then(Node::as_str)
                .map(str::to_owned),
            signals,
            at: locate(names, ep.pos),
        });
    }
    out
}

fn side(unit: &Unit, names: &[String]) -> Side {
    let mut listeners = Vec::new();
    super::listeners(&unit.root, unit.operator, names, &mut listeners);
    Side {
        senders: senders(&unit.root, &unit.name, names),
        listeners,
        generated: unit
            .name
            .strip_prefix("OpenTelemetryCollector ")
            .filter(|_| unit.operator)
            .map(|n| format!("{n}-collector")),
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.starts_with("127.") || host == "::1" || host == "0.0.0.0"
}

/// Whether `host` names Service `name` (in `namespace` when known): `svc`, `svc.ns`,
/// `svc.ns.svc`, `svc.ns.svc.cluster.local`.
fn names_service(host: &str, name: &str, namespace: Option<&str>) -> bool {
    let mut labels = host.split('.');
    if labels.next() != Some(name) {
        return false;
    }
    let rest: Vec<&str> = labels.collect();
    match rest.as_slice() {
        [] => true,
        [ns, tail @ ..] => {
            namespace.is_none_or(|n| n == *ns)
                && matches!(tail, [] | ["svc"] | ["svc", "cluster", "local"])
        }
    }
}

fn listening(side: &[&OtlpListener]) -> Vec<(String, Wire, u16)> {
    side.iter()
        .map(|l| (l.id.clone(), l.wire, l.port))
        .collect()
}

/// Every disagreement between an exporter and the receiver protocol that takes its port.
fn compare(s: &Sender, r: &OtlpListener) -> Vec<Disagreement> {
    let mut out = Vec::new();
    if s.wire != r.wire {
        out.push(Disagreement::Protocol);
        return out; // nothing else can be judged across the wrong protocol
    }
    if s.tls != r.tls {
        out.push(Disagreement::Scheme);
    }
    if s.wire == Wire::Http {
        for sig in &s.signals {
            let sent = format!("{}/v1/{sig}", s.path);
            if let Some((_, want)) = r.paths.iter().find(|(x, _)| x == sig) {
                if *want != sent {
                    out.push(Disagreement::Path {
                        receiver: want.clone(),
                    });
                    break;
                }
            }
        }
    }
    if let Some((_, header)) = &r.auth {
        let sent = s.headers.iter().any(|h| h.eq_ignore_ascii_case(header));
        if !sent && s.authenticator.is_none() {
            out.push(Disagreement::Header {
                header: header.clone(),
            });
        }
    }
    if s.signals.iter().any(|sig| !r.signals.contains(sig)) {
        out.push(Disagreement::Signal);
    }
    out
}

fn push_all(out: &mut Vec<Aim>, s: &Sender, r: &OtlpListener, reach: Reach, via: Option<&str>) {
    for what in compare(s, r) {
        out.push(Aim {
            sender: s.clone(),
            reach,
            problem: Aimed::Receiver {
                receiver: r.clone(),
                what,
                via: via.map(str::to_owned),
            },
            certain: true,
        });
    }
}

/// A Service's target port as a number: numeric, or named and found among the container ports
/// of the workloads it selects (for an Operator Service, the port names it gives receivers).
fn target_of(svc_target: Option<u16>, name: Option<&str>, units: &[(&Unit, &Side)]) -> Option<u16> {
    svc_target.or_else(|| {
        let n = name?;
        units
            .iter()
            .find_map(|(u, _)| u.container_ports.iter().find(|(p, _)| p == n).map(|x| x.1))
    })
}

/// Checks one exporter aimed at a Service of the files.
fn via_service(
    out: &mut Vec<Aim>,
    s: &Sender,
    svc: &Service,
    behind: &[(&Unit, &Side)],
    names: &[String],
    reach: Reach,
) {
    let Some(p) = svc.ports.iter().find(|p| p.port == s.port) else {
        out.push(Aim {
            sender: s.clone(),
            reach,
            problem: Aimed::ServicePort {
                service: svc.name.clone(),
                ports: svc.ports.iter().map(|p| p.port).collect(),
                generated: false,
                at: locate(names, svc.pos),
            },
            certain: true,
        });
        return;
    };
    let Some(target) = target_of(p.target, p.target_name.as_deref(), behind) else {
        return;
    };
    let all: Vec<&OtlpListener> = behind.iter().flat_map(|(_, sd)| &sd.listeners).collect();
    match all.iter().find(|l| l.port == target) {
        Some(r) => push_all(out, s, r, reach, Some(&svc.name)),
        // A numeric targetPort nothing listens on is reported on the Service by the checks.
        None if p.target.is_none() && !all.is_empty() => out.push(Aim {
            sender: s.clone(),
            reach,
            problem: Aimed::ServiceTarget {
                service: svc.name.clone(),
                port: p.port,
                target: p.target_name.clone().unwrap_or_default(),
                resolved: target,
                listening: listening(&all),
                at: locate(names, p.pos),
            },
            certain: true,
        }),
        None => {}
    }
}

fn selects(svc: &Service, unit: &Unit) -> bool {
    if svc.selector.is_empty() {
        return false;
    }
    let labelled = unit
        .pod_labels
        .iter()
        .any(|labels| svc.selector.iter().all(|s| labels.contains(s)));
    // A ConfigMap with no workload in the files: any Service may front it.
    labelled || (unit.pod_labels.is_empty() && unit.configmap.is_some())
}

/// Every exporter of `agents` checked against the receivers it reaches among `targets` (the
/// same units outside a chain) and `services`. `chain`: `targets` is the gateway.
fn check(
    agents: &[(&Unit, &Side)],
    targets: &[(&Unit, &Side)],
    services: &[Service],
    names: &[String],
    chain: bool,
) -> Vec<Aim> {
    let mut out = Vec::new();
    let reach = if chain { Reach::Gateway } else { Reach::Files };
    let mut unmatched = Vec::new();
    for (ai, (_, a)) in agents.iter().enumerate() {
        for s in &a.senders {
            if is_loopback(&s.host) {
                if let Some(r) = a.listeners.iter().find(|l| l.port == s.port) {
                    push_all(&mut out, s, r, Reach::Own, None);
                }
                continue;
            }
            let others: Vec<(&Unit, &Side)> = targets
                .iter()
                .enumerate()
                .filter(|(ti, _)| chain || *ti != ai)
                .map(|(_, t)| *t)
                .collect();
            if let Some(svc) = services
                .iter()
                .find(|v| names_service(&s.host, &v.name, v.namespace.as_deref()))
            {
                let behind: Vec<(&Unit, &Side)> = others
                    .iter()
                    .copied()
                    .filter(|(u, _)| selects(svc, u))
                    .collect();
                via_service(&mut out, s, svc, &behind, names, reach);
                continue;
            }
            let generated = others.iter().find(|(_, t)| {
                t.generated
                    .as_deref()
                    .is_some_and(|g| names_service(&s.host, g, None))
            });
            if let Some((_, t)) = generated {
                match t.listeners.iter().find(|l| l.port == s.port) {
                    Some(r) => push_all(&mut out, s, r, reach, t.generated.as_deref()),
                    None => out.push(Aim {
                        sender: s.clone(),
                        reach,
                        problem: Aimed::ServicePort {
                            service: t.generated.clone().unwrap_or_default(),
                            ports: t.listeners.iter().map(|l| l.port).collect(),
                            generated: true,
                            at: t
                                .listeners
                                .first()
                                .map(|l| l.at.clone())
                                .unwrap_or_default(),
                        },
                        certain: true,
                    }),
                }
                continue;
            }
            if chain {
                let all: Vec<&OtlpListener> =
                    others.iter().flat_map(|(_, t)| &t.listeners).collect();
                match all.iter().find(|l| l.port == s.port) {
                    Some(r) => push_all(&mut out, s, r, reach, None),
                    None if !all.is_empty() => unmatched.push((s, listening(&all))),
                    None => {}
                }
            }
        }
    }
    // No port matched: the exporters that can only mean the gateway (no public host name).
    let in_cluster = |h: &str| {
        !h.contains('.')
            || h.parse::<std::net::IpAddr>().is_ok()
            || h.ends_with(".svc")
            || h.ends_with(".cluster.local")
    };
    let guesses: Vec<_> = unmatched
        .into_iter()
        .filter(|(s, _)| in_cluster(&s.host))
        .collect();
    let certain = guesses.len() == 1;
    for (s, listening) in guesses {
        out.push(Aim {
            sender: s.clone(),
            reach,
            problem: Aimed::NoReceiver { listening },
            certain,
        });
    }
    out
}

/// The cross-checks of one run: `units[..gateway_from]` are the configurations given (the
/// agent), `units[gateway_from..]` the gateway's; `None` without `--gateway`.
pub fn across(
    units: &[Unit],
    services: &[Service],
    gateway_from: Option<usize>,
    names: &[String],
) -> Vec<Aim> {
    let sides: Vec<Side> = units.iter().map(|u| side(u, names)).collect();
    let pairs: Vec<(&Unit, &Side)> = units.iter().zip(&sides).collect();
    match gateway_from {
        None => check(&pairs, &pairs, services, names, false),
        Some(k) => {
            let k = k.min(pairs.len());
            let (agent, gateway) = pairs.split_at(k);
            let mut out = check(agent, agent, services, names, false);
            out.extend(check(agent, gateway, services, names, true));
            out.extend(check(gateway, gateway, services, names, false));
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_names_in_every_spelling() {
        for h in ["gw", "gw.obs", "gw.obs.svc", "gw.obs.svc.cluster.local"] {
            assert!(names_service(h, "gw", Some("obs")), "{h}");
        }
        assert!(!names_service("gw.other", "gw", Some("obs")));
        assert!(!names_service("gw.example.com", "gw", None));
        assert!(!names_service("gateway", "gw", None));
    }

    #[test]
    fn an_endpoint_with_userinfo_splits_on_its_host() {
        assert_eq!(
            split("https://user:pw@gw.example:4318/otlp", 443),
            Some(("gw.example".into(), 4318, "/otlp".into()))
        );
    }

    #[test]
    fn endpoints_split_with_and_without_scheme() {
        assert_eq!(
            split("gw:4317", 4317),
            Some(("gw".into(), 4317, String::new()))
        );
        assert_eq!(
            split("https://gw.obs:4318/otlp/", 443),
            Some(("gw.obs".into(), 4318, "/otlp".into()))
        );
        assert_eq!(
            split("http://gw", 80),
            Some(("gw".into(), 80, String::new()))
        );
        assert_eq!(
            split("[::1]:4317", 4317),
            Some(("::1".into(), 4317, String::new()))
        );
        assert_eq!(split(":4317", 4317), None);
    }
}
