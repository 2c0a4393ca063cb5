//! Reads the input files: plain collector configurations (merged in order, maps merge and lists
//! replace, as `otelcol --config a --config b` does) and Kubernetes manifests (ConfigMaps holding a
//! configuration, `OpenTelemetryCollector` resources, Services, workloads and their image tags).

use super::yaml::{self, Kind, Node};
use crate::facts::collector::{Invalid, Observation, Pos, ValueProblem, YamlLimit};

/// One collector configuration to check, and where it came from.
#[derive(Clone, Debug)]
pub struct Unit {
    /// `file.yaml`, `ConfigMap NAME key KEY`, or `OpenTelemetryCollector NAME`.
    pub name: String,
    pub root: Node,
    /// Deployed by the OpenTelemetry Operator (which fills in `0.0.0.0` endpoints).
    pub operator: bool,
    /// The ConfigMap's name, for matching workloads that mount it.
    pub configmap: Option<String>,
    /// Pod labels of the workloads that run this configuration (operator: its own selector).
    pub pod_labels: Vec<Vec<(String, String)>>,
    /// Image tags seen for this configuration's collector.
    pub image: Option<(String, Pos)>,
    /// Named container ports of the workloads that run it (a Service's named `targetPort`).
    pub container_ports: Vec<(String, u16)>,
}

#[derive(Clone, Debug)]
pub struct ServicePort {
    pub name: String,
    pub port: u16,
    /// `None` when the target port is named (resolved by the pod, not here).
    pub target: Option<u16>,
    /// The target port's name when it is named (`targetPort: otlp-grpc`).
    pub target_name: Option<String>,
    pub pos: Pos,
}

#[derive(Clone, Debug)]
pub struct Service {
    pub name: String,
    pub namespace: Option<String>,
    /// Where its name is written.
    pub pos: Pos,
    pub selector: Vec<(String, String)>,
    pub ports: Vec<ServicePort>,
}

#[derive(Clone, Debug)]
struct Workload {
    labels: Vec<(String, String)>,
    ports: Vec<(String, u16)>,
    configmaps: Vec<String>,
    image: Option<(String, Pos)>,
}

#[derive(Debug, Default)]
pub struct Loaded {
    pub units: Vec<Unit>,
    pub services: Vec<Service>,
    /// Refusals found while loading (YAML errors, embedded configs that are not YAML).
    pub problems: Vec<(Pos, Observation)>,
}

/// Top-level keys of a collector configuration.
pub const SECTIONS: [&str; 6] = [
    "receivers",
    "processors",
    "exporters",
    "extensions",
    "connectors",
    "service",
];

fn duplicates(out: &mut Loaded, dups: Vec<yaml::Duplicate>) {
    for d in dups {
        out.problems.push((
            d.pos,
            Observation::ValueInvalid {
                kind: None,
                id: String::new(),
                path: d.key,
                value: String::new(),
                problem: ValueProblem::DuplicateKey {
                    first_line: d.first_line,
                },
            },
        ));
    }
}

fn looks_like_config(n: &Node) -> bool {
    n.as_map().is_some_and(|m| {
        m.iter()
            .any(|(k, _)| k.as_str().is_some_and(|k| SECTIONS.contains(&k)))
    })
}

fn str_pairs(n: Option<&Node>) -> Vec<(String, String)> {
    n.and_then(Node::as_map)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// Parses a YAML text embedded in a scalar (ConfigMap data, `spec.config`), moving its positions
/// to where the text sits in the file. A literal block starts on the line after its indicator.
fn embedded(
    text: &str,
    scalar: &Node,
    source: &str,
    out: &mut Loaded,
) -> Result<Node, (Pos, YamlLimit)> {
    let block = source
        .lines()
        .nth(scalar.pos.line.saturating_sub(1) as usize)
        .and_then(|l| l.get(scalar.pos.col.saturating_sub(1) as usize..))
        .is_some_and(|rest| rest.starts_with('|') || rest.starts_with('>'));
    let (line_off, col_off) = if block {
        let first = text.lines().position(|l| !l.trim().is_empty()).unwrap_or(0);
        let src_line = scalar.pos.line as usize + first; // 0-based index of that line
        let indent = source
            .lines()
            .nth(src_line)
            .map(|l| l.len() - l.trim_start().len())
            .unwrap_or(0);
        (scalar.pos.line, indent as u32)
    } else {
        (scalar.pos.line - 1, scalar.pos.col - 1)
    };
    let (docs, mut dups) = yaml::parse_checked(text, scalar.pos.file).map_err(|e| {
        let mut p = e.pos;
        p.line += line_off;
        p.col += col_off;
        (p, e.problem)
    })?;
    for d in &mut dups {
        d.pos.line += line_off;
        d.pos.col += col_off;
        d.first_line += line_off;
    }
    duplicates(out, dups);
    let mut root = docs
        .into_iter()
        .next()
        .unwrap_or_else(|| Node::null(scalar.pos));
    root.shift(scalar.pos.file, line_off, col_off);
    Ok(root)
}

/// Deep-merges `over` into `base`: mappings merge key by key, anything else is replaced.
pub fn merge(base: &mut Node, over: Node) {
    match (&mut base.kind, over.kind) {
        (Kind::Map(b), Kind::Map(o)) => {
            for (k, v) in o {
                match b.iter_mut().find(|(bk, _)| bk.as_str() == k.as_str()) {
                    Some((_, bv)) => merge(bv, v),
                    None => b.push((k, v)),
                }
            }
        }
        (_, kind) => {
            base.kind = kind;
            base.pos = over.pos;
        }
    }
}

/// Loads every file (`sources[i]` is the text of file index `i`).
pub fn load(sources: &[String]) -> Loaded {
    let mut out = Loaded::default();
    let mut plain: Option<Node> = None;
    let mut plain_name = Vec::new();
    let mut workloads = Vec::new();
    for (i, text) in sources.iter().enumerate() {
        let file = i as u16;
        let docs = match yaml::parse_checked(text, file) {
            Ok((d, dups)) => {
                duplicates(&mut out, dups);
                d
            }
            Err(e) => {
                out.problems
                    .push((e.pos, Observation::Invalid(Invalid::Yaml(e.problem))));
                continue;
            }
        };
        for doc in docs {
            let kind = doc.get("kind").and_then(Node::as_str).map(str::to_owned);
            match kind.as_deref() {
                None if doc.is_null() => {}
                None => {
                    plain_name.push(file);
                    match &mut plain {
                        Some(b) => merge(b, doc),
                        None => plain = Some(doc),
                    }
                }
                Some("ConfigMap") => configmap(&doc, text, &mut out),
                Some("OpenTelemetryCollector") => operator(&doc, text, &mut out),
                Some("Service") => {
                    if let Some(s) = service(&doc) {
                        out.services.push(s);
                    }
                }
                Some("Deployment" | "DaemonSet" | "StatefulSet" | "Pod") => {
                    workloads.push(workload(&doc));
                }
                Some(_) => {}
            }
        }
    }
    if let Some(root) = plain {
        out.units.insert(
            0,
            Unit {
                name: String::new(),
                root,
                operator: false,
                configmap: None,
                pod_labels: Vec::new(),
                image: None,
                container_ports: Vec::new(),
            },
        );
    }
    for u in &mut out.units {
        for w in &workloads {
            if u.configmap
                .as_ref()
                .is_some_and(|c| w.configmaps.contains(c))
            {
                u.pod_labels.push(w.labels.clone());
                u.container_ports.extend(w.ports.iter().cloned());
                if u.image.is_none() {
                    u.image = w.image.clone();
                }
            }
        }
    }
    // A lone workload with a collector image and a lone configuration belong together.
    if out.units.len() == 1 && out.units[0].image.is_none() {
        out.units[0].image = workloads.iter().find_map(|w| w.image.clone());
    }
    out
}

fn configmap(doc: &Node, text: &str, out: &mut Loaded) {
    let name = doc
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Node::as_str)
        .unwrap_or("")
        .to_owned();
    let Some(data) = doc.get("data").and_then(Node::as_map) else {
        return;
    };
    for (k, v) in data {
        let Some(s) = v.as_str() else { continue };
        // Only keys that hold a collector configuration: dashboards and scripts are skipped.
        if !SECTIONS.iter().any(|sec| s.contains(&format!("{sec}:"))) {
            continue;
        }
        match embedded(s, v, text, out) {
            Ok(root) if looks_like_config(&root) => out.units.push(Unit {
                name: format!("ConfigMap {name} {}", k.as_str().unwrap_or("")),
                root,
                operator: false,
                configmap: Some(name.clone()),
                pod_labels: Vec::new(),
                image: None,
                container_ports: Vec::new(),
            }),
            Ok(_) => {}
            Err((p, e)) => out
                .problems
                .push((p, Observation::Invalid(Invalid::Embedded(e)))),
        }
    }
}

fn operator(doc: &Node, text: &str, out: &mut Loaded) {
    let name = doc
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Node::as_str)
        .unwrap_or("")
        .to_owned();
    let Some(spec) = doc.get("spec") else { return };
    let image = spec
        .get("image")
        .and_then(|i| Some((i.as_str()?.to_owned(), i.pos)));
    let root = match spec.get("config") {
        Some(c) if c.as_map().is_some() => c.clone(),
        Some(c) => match c.as_str().map(|s| embedded(s, c, text, out)) {
            Some(Ok(r)) => r,
            Some(Err((p, e))) => {
                out.problems
                    .push((p, Observation::Invalid(Invalid::Embedded(e))));
                return;
            }
            None => return,
        },
        None => return,
    };
    out.units.push(Unit {
        name: format!("OpenTelemetryCollector {name}"),
        root,
        operator: true,
        configmap: None,
        pod_labels: vec![vec![(
            "app.kubernetes.io/name".to_owned(),
            format!("{name}-collector"),
        )]],
        image,
        container_ports: Vec::new(),
    });
}

fn port_of(n: Option<&Node>) -> Option<u16> {
    n.and_then(Node::as_str).and_then(|s| s.parse().ok())
}

fn service(doc: &Node) -> Option<Service> {
    let spec = doc.get("spec")?;
    let ports = spec
        .get("ports")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|p| {
            let port = port_of(p.get("port"))?;
            let (target, target_name, pos) = match p.entry("targetPort") {
                Some((k, v)) => (
                    port_of(Some(v)),
                    v.as_str()
                        .filter(|s| s.parse::<u16>().is_err())
                        .map(str::to_owned),
                    k.pos,
                ),
                None => (Some(port), None, p.entry("port").map(|(k, _)| k.pos)?),
            };
            let name = p
                .get("name")
                .and_then(Node::as_str)
                .unwrap_or("")
                .to_owned();
            Some(ServicePort {
                name,
                port,
                target,
                target_name,
                pos,
            })
        })
        .collect();
    let meta = doc.get("metadata");
    let name_node = meta.and_then(|m| m.get("name"));
    Some(Service {
        name: name_node.and_then(Node::as_str).unwrap_or("").to_owned(),
        namespace: meta
            .and_then(|m| m.get("namespace"))
            .and_then(Node::as_str)
            .map(str::to_owned),
        pos: name_node.map(|n| n.pos).unwrap_or(doc.pos),
        selector: str_pairs(spec.get("selector")),
        ports,
    })
}

fn workload(doc: &Node) -> Workload {
    let tpl = doc.get("spec").and_then(|s| s.get("template"));
    let pod = tpl.and_then(|t| t.get("spec")).or_else(|| doc.get("spec"));
    let labels = str_pairs(
        tpl.and_then(|t| t.get("metadata"))
            .or_else(|| doc.get("metadata"))
            .and_then(|m| m.get("labels")),
    );
    let configmaps = pod
        .and_then(|p| p.get("volumes"))
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.get("configMap")?.get("name")?.as_str().map(str::to_owned))
        .collect();
    let containers = pod
        .and_then(|p| p.get("containers"))
        .and_then(Node::as_seq)
        .unwrap_or_default();
    let ports = containers
        .iter()
        .filter_map(|c| c.get("ports")?.as_seq())
        .flatten()
        .filter_map(|p| {
            let name = p.get("name")?.as_str()?.to_owned();
            Some((name, port_of(p.get("containerPort"))?))
        })
        .collect();
    let image = containers
        .iter()
        .filter_map(|c| c.get("image"))
        .find(|i| {
            i.as_str()
                .is_some_and(|s| s.contains("opentelemetry-collector") || s.contains("otelcol"))
        })
        .and_then(|i| Some((i.as_str()?.to_owned(), i.pos)));
    Workload {
        labels,
        ports,
        configmaps,
        image,
    }
}

/// The collector minor version in an image reference such as `otel/opentelemetry-collector-contrib:0.105.0`.
pub fn version_of_image(image: &str) -> Option<u32> {
    let tag = image.rsplit_once(':')?.1;
    let tag = tag.trim_start_matches('v');
    let mut parts = tag.split('.');
    if parts.next()? != "0" {
        return None;
    }
    parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_merge_and_lists_replace() {
        let a = yaml::parse("r: {a: 1, b: [x, y]}\n", 0).unwrap().remove(0);
        let b = yaml::parse("r: {c: 2, b: [z]}\n", 1).unwrap().remove(0);
        let mut m = a;
        merge(&mut m, b);
        let r = m.get("r").unwrap();
        assert_eq!(r.get("a").and_then(Node::as_str), Some("1"));
        assert_eq!(r.get("b").unwrap().as_seq().unwrap().len(), 1);
        assert_eq!(r.get("b").unwrap().pos.file, 1);
    }

    #[test]
    fn embedded_literal_blocks_keep_file_positions() {
        let text = "kind: ConfigMap\nmetadata:\n  name: c\ndata:\n  relay: |\n    receivers:\n      otlp:\n        protocols: {}\n";
        let l = load(&[text.to_owned()]);
        assert_eq!(l.units.len(), 1);
        let (k, _) = l.units[0]
            .root
            .get("receivers")
            .unwrap()
            .entry("otlp")
            .unwrap();
        assert_eq!((k.pos.line, k.pos.col), (7, 7));
    }

    #[test]
    fn image_tags_give_the_minor_version() {
        assert_eq!(
            version_of_image("otel/opentelemetry-collector-contrib:0.105.0"),
            Some(105)
        );
        assert_eq!(
            version_of_image("otel/opentelemetry-collector-contrib:latest"),
            None
        );
        assert_eq!(version_of_image("localhost:5000/otelcol"), None);
    }
}
