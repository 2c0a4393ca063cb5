//! The component knowledge base (`kb.toml`), parsed once: signals, keys, ports, spellings,
//! deprecations and removals of the collector's common components.

use crate::facts::collector::{ComponentKind, DataType};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

#[derive(Debug, Deserialize)]
struct File {
    newest: u32,
    core: String,
    contrib: String,
    c: Vec<Raw>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    kind: String,
    #[serde(rename = "type")]
    ty: String,
    #[serde(default)]
    signals: Vec<String>,
    #[serde(default)]
    keys: Vec<String>,
    #[serde(default)]
    strict: bool,
    #[serde(default)]
    protocols: BTreeMap<String, u16>,
    port: Option<u16>,
    new_name: Option<String>,
    renamed_in: Option<u32>,
    alias_of: Option<String>,
    since: Option<u32>,
    deprecated_in: Option<u32>,
    removed_in: Option<u32>,
    replacement: Option<String>,
    #[serde(default)]
    deprecated_keys: BTreeMap<String, String>,
    #[serde(default)]
    sampler: bool,
    #[serde(default)]
    client: bool,
    doc: String,
}

/// One component type as the knowledge base describes it.
#[derive(Clone, Debug)]
pub struct Component {
    pub kind: ComponentKind,
    pub ty: String,
    pub signals: Vec<DataType>,
    pub keys: Vec<String>,
    pub strict: bool,
    pub protocols: BTreeMap<String, u16>,
    pub port: Option<u16>,
    pub new_name: Option<String>,
    pub renamed_in: Option<u32>,
    pub alias_of: Option<String>,
    pub since: Option<u32>,
    pub deprecated_in: Option<u32>,
    pub removed_in: Option<u32>,
    pub replacement: Option<String>,
    pub deprecated_keys: BTreeMap<String, String>,
    pub sampler: bool,
    pub client: bool,
    pub doc: String,
}

#[derive(Debug)]
pub struct Kb {
    pub newest: u32,
    pub components: Vec<Component>,
}

fn kind_of(s: &str) -> Option<ComponentKind> {
    ComponentKind::ALL.into_iter().find(|k| k.as_str() == s)
}

fn build(text: &str) -> Result<Kb, String> {
    let f: File = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut components = Vec::new();
    for r in f.c {
        let kind = kind_of(&r.kind).ok_or_else(|| format!("kind {}", r.kind))?;
        let signals = r
            .signals
            .iter()
            .map(|s| DataType::parse(s).ok_or_else(|| format!("signal {s}")))
            .collect::<Result<Vec<_>, _>>()?;
        let doc = if let Some(p) = r.doc.strip_prefix("core:") {
            format!("{}/{p}", f.core)
        } else if let Some(p) = r.doc.strip_prefix("contrib:") {
            format!("{}/{p}", f.contrib)
        } else {
            r.doc
        };
        components.push(Component {
            kind,
            ty: r.ty,
            signals,
            keys: r.keys,
            strict: r.strict,
            protocols: r.protocols,
            port: r.port,
            new_name: r.new_name,
            renamed_in: r.renamed_in,
            alias_of: r.alias_of,
            since: r.since,
            deprecated_in: r.deprecated_in,
            removed_in: r.removed_in,
            replacement: r.replacement,
            deprecated_keys: r.deprecated_keys,
            sampler: r.sampler,
            client: r.client,
            doc,
        });
    }
    Ok(Kb {
        newest: f.newest,
        components,
    })
}

/// The knowledge base compiled into the binary.
pub fn kb() -> &'static Kb {
    static KB: OnceLock<Kb> = OnceLock::new();
    KB.get_or_init(|| build(include_str!("kb.toml")).expect("kb.toml is valid (tested)"))
}

impl Kb {
    pub fn find(&self, kind: ComponentKind, ty: &str) -> Option<&Component> {
        self.components
            .iter()
            .find(|c| c.kind == kind && c.ty == ty)
    }

    /// The entry that describes a type, following a newer spelling to the original's facts.
    pub fn resolve(&self, kind: ComponentKind, ty: &str) -> Option<&Component> {
        let c = self.find(kind, ty)?;
        match &c.alias_of {
            Some(orig) => self.find(kind, orig),
            None => Some(c),
        }
    }

    /// The nearest known type of this kind, when the spelling is a near miss (a typo).
    pub fn nearest(&self, kind: ComponentKind, ty: &str) -> Option<&str> {
        let mut best: Option<(&str, f64)> = None;
        for c in self.components.iter().filter(|c| c.kind == kind) {
            let score = strsim::jaro_winkler(ty, &c.ty);
            let dist = strsim::levenshtein(ty, &c.ty);
            let close = dist <= 2 || (score > 0.92 && dist <= 3);
            if close && best.is_none_or(|(_, s)| score > s) {
                best = Some((&c.ty, score));
            }
        }
        best.map(|(t, _)| t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knowledge_base_parses_and_aliases_point_at_entries() {
        let kb = kb();
        assert!(kb.components.len() > 60);
        for c in &kb.components {
            if let Some(a) = &c.alias_of {
                assert!(kb.find(c.kind, a).is_some(), "{} aliases unknown {a}", c.ty);
            }
            assert!(c.doc.starts_with("https://"), "{}: doc", c.ty);
        }
        assert_eq!(
            kb.resolve(ComponentKind::Receiver, "file_log")
                .map(|c| c.ty.as_str()),
            Some("filelog")
        );
    }

    #[test]
    fn near_misses_name_the_nearest_and_strangers_do_not() {
        let kb = kb();
        assert_eq!(kb.nearest(ComponentKind::Receiver, "otpl"), Some("otlp"));
        assert_eq!(
            kb.nearest(ComponentKind::Exporter, "otlphtp"),
            Some("otlphttp")
        );
        assert_eq!(
            kb.nearest(ComponentKind::Exporter, "clickhousetraces"),
            None
        );
        assert_eq!(kb.nearest(ComponentKind::Extension, "jaeger_storage"), None);
    }
}
