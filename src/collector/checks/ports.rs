//! Kubernetes Services in front of the collector: each `targetPort` must be a port the
//! configuration listens on (its receivers, extensions and its own telemetry).

use super::{host_port, Ctx};
use crate::collector::load::{Service, Unit};
use crate::collector::yaml::Node;
use crate::facts::collector::Observation;

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

pub(super) fn ports(cx: &mut Ctx, unit: &Unit, services: &[Service]) {
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
