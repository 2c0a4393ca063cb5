//! What no schema expresses: values a component cannot start without (an exporter's endpoint,
//! also when `${env:...}` leaves it empty; the memory limiter's limits), `tls.insecure` on an
//! `https://` endpoint (no effect), and the OTLP gRPC exporter's TLS default toward a bare
//! in-cluster `host:port`.

use super::env::Expanded;
use super::kb::kb;
use super::yaml::Node;
use crate::facts::collector::{ComponentKind, Observation, Pos, TlsProblem, ValueProblem};

/// Exporter types (as the knowledge base resolves them) that refuse to start without an endpoint.
const NEEDS_ENDPOINT: [&str; 4] = ["otlp", "otlphttp", "zipkin", "prometheusremotewrite"];

/// TLS keys that show the TLS choice was made on purpose.
const DELIBERATE: [&str; 7] = [
    "insecure",
    "insecure_skip_verify",
    "ca_file",
    "ca_pem",
    "cert_file",
    "cert_pem",
    "server_name_override",
];

/// A host a Service, a compose network or the pod itself gives: no public DNS name.
fn in_cluster(host: &str) -> bool {
    let h = host.trim_matches(['[', ']']).to_ascii_lowercase();
    !h.contains('.')
        || h.ends_with(".svc")
        || h.contains(".svc.")
        || h.ends_with(".local")
        || h.ends_with(".internal")
        || h.starts_with("127.")
        || h.starts_with("10.")
        || h.starts_with("192.168.")
        || h == "::1"
}

fn is_true(n: Option<&Node>) -> bool {
    n.and_then(Node::as_str)
        .is_some_and(|s| matches!(s, "true" | "True" | "TRUE"))
}

fn empty(kind: ComponentKind, id: &str, vars: Vec<String>) -> Observation {
    Observation::ValueInvalid {
        kind: Some(kind),
        id: id.to_owned(),
        path: "endpoint".to_owned(),
        value: String::new(),
        problem: ValueProblem::Empty { vars },
    }
}

fn missing(kind: ComponentKind, id: &str, keys: &[&str]) -> Observation {
    Observation::ValueInvalid {
        kind: Some(kind),
        id: id.to_owned(),
        path: keys.join(" or "),
        value: String::new(),
        problem: ValueProblem::Missing {
            keys: keys.iter().map(|k| (*k).to_owned()).collect(),
        },
    }
}

/// Whether a setting is written with a value above zero (or any duration but zero).
fn above_zero(v: &Node, key: &str) -> bool {
    v.get(key)
        .and_then(Node::as_str)
        .is_some_and(|s| !s.trim_start_matches(['0', '.', 's', 'm', 'h']).is_empty())
}

/// Runs the checks of one component (`pos`: its key).
pub fn check(
    out: &mut Vec<(Pos, Observation)>,
    expanded: &Expanded,
    kind: ComponentKind,
    id: &str,
    pos: Pos,
    v: &Node,
) {
    let ty = id.split('/').next().unwrap_or(id);
    let base = kb().resolve(kind, ty).map(|c| c.ty.as_str()).unwrap_or(ty);
    if kind == ComponentKind::Processor && base == "memory_limiter" {
        if !above_zero(v, "check_interval") {
            out.push((pos, missing(kind, id, &["check_interval"])));
        }
        if !above_zero(v, "limit_mib") && !above_zero(v, "limit_percentage") {
            out.push((pos, missing(kind, id, &["limit_mib", "limit_percentage"])));
        }
        return;
    }
    if kind == ComponentKind::Extension && base == "health_check" {
        // Written but empty (an unset variable): `http endpoint required`. Left out, it defaults.
        if let Some((k, e)) = v.entry("endpoint") {
            if e.as_str().unwrap_or("").trim().is_empty() {
                let vars = expanded.get(&e.pos).cloned().unwrap_or_default();
                let at = if e.is_null() { k.pos } else { e.pos };
                out.push((at, empty(kind, id, vars)));
            }
        }
        return;
    }
    if kind != ComponentKind::Exporter {
        return;
    }
    let others = ["traces_endpoint", "metrics_endpoint", "logs_endpoint"]
        .iter()
        .any(|k| v.get(k).and_then(Node::as_str).is_some());
    let Some((ek, ev)) = v.entry("endpoint") else {
        if NEEDS_ENDPOINT.contains(&base) && !others {
            out.push((pos, missing(kind, id, &["endpoint"])));
        }
        return;
    };
    let endpoint = ev.as_str().unwrap_or("").trim();
    let tls = v.get("tls").filter(|t| t.as_map().is_some());
    let tls_problem = |problem| Observation::Tls {
        kind,
        id: id.to_owned(),
        problem,
    };
    if endpoint.is_empty() {
        if NEEDS_ENDPOINT.contains(&base) && !others {
            let vars = expanded.get(&ev.pos).cloned().unwrap_or_default();
            let at = if ev.is_null() { ek.pos } else { ev.pos };
            out.push((at, empty(kind, id, vars)));
        }
        return;
    }
    if endpoint.starts_with("https://") {
        if let Some((k, val)) = tls.and_then(|t| t.entry("insecure")) {
            if is_true(Some(val)) {
                let endpoint = endpoint.to_owned();
                out.push((k.pos, tls_problem(TlsProblem::InsecureOnHttps { endpoint })));
            }
        }
        return;
    }
    if base != "otlp" {
        return;
    }
    let rest = endpoint.strip_prefix("http://").unwrap_or(endpoint);
    if rest.contains("://") {
        return; // a gRPC resolver URI (dns:///, unix://): judged by its own rules
    }
    let deliberate = tls.is_some_and(|t| DELIBERATE.iter().any(|k| t.get(k).is_some()));
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().ok()),
        None => (rest, None),
    };
    if !deliberate && port != Some(443) && in_cluster(host) {
        let endpoint = endpoint.to_owned();
        out.push((
            ev.pos,
            tls_problem(TlsProblem::GrpcTlsByDefault { endpoint }),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_cluster_hosts_are_told_from_public_ones() {
        for h in [
            "otel-collector",
            "jaeger.observability.svc",
            "10.0.0.4",
            "gw.internal",
        ] {
            assert!(in_cluster(h), "{h}");
        }
        for h in ["api.honeycomb.io", "otlp.example.com"] {
            assert!(!in_cluster(h), "{h}");
        }
    }
}
