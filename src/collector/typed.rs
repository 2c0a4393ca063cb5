//! Judges one component's settings (or the `service:` section) against its schema, as the
//! collector's decoder would: unknown keys at any depth, value types, removed keys, and client TLS
//! keys in a server's `tls:` block. Everything is reported, each on its key's or value's line.

use super::env::Expanded;
use super::schema::{Field, Obj, RemovedKey, Schemas, Ty};
use super::yaml::{Kind, Node};
use crate::facts::collector::{
    ComponentKind, Expected, Observation, Pos, TargetVersion, TlsProblem, ValueProblem,
};

/// TLS keys: written beside `tls:` instead of inside it, they are reported as TLS findings.
pub const TLS_KEYS: [&str; 9] = [
    "insecure",
    "insecure_skip_verify",
    "cert_file",
    "key_file",
    "ca_file",
    "client_ca_file",
    "cert_pem",
    "key_pem",
    "min_version",
];

/// Client-only TLS keys, refused in a server's `tls:` block.
const CLIENT_TLS: [&str; 3] = ["insecure", "insecure_skip_verify", "server_name_override"];

#[derive(Debug)]
pub struct Walk<'a> {
    pub s: &'a Schemas,
    pub kind: Option<ComponentKind>,
    pub id: &'a str,
    /// `service` or `KIND/TYPE`, to find removed keys.
    pub at: String,
    pub root: &'a Ty,
    pub doc: &'a str,
    pub expanded: &'a Expanded,
    pub version: &'a TargetVersion,
    pub out: Vec<(Pos, Observation)>,
}

/// The YAML type of a scalar as the collector's YAML decoder gives it (YAML 1.2 core schema).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Yt {
    Null,
    Bool,
    Int(bool),
    Float,
    Str,
}

impl Yt {
    fn name(self) -> &'static str {
        match self {
            Yt::Null => "null",
            Yt::Bool => "boolean",
            Yt::Int(_) => "integer",
            Yt::Float => "number",
            Yt::Str => "string",
        }
    }
}

/// Types a scalar: quoted scalars are strings; plain ones may be null, booleans or numbers.
pub fn yaml_type(text: &str, plain: bool) -> Yt {
    if !plain {
        return Yt::Str;
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Yt::Null,
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" => return Yt::Bool,
        ".inf" | ".Inf" | ".INF" | "+.inf" | "-.inf" | "-.Inf" | ".nan" | ".NaN" | ".NAN" => {
            return Yt::Float
        }
        _ => {}
    }
    let t = text.replace('_', "");
    let (neg, digits) = match t.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, t.strip_prefix('+').unwrap_or(&t)),
    };
    let int = if let Some(h) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit())
    } else if let Some(o) = digits
        .strip_prefix("0o")
        .or_else(|| digits.strip_prefix("0b"))
    {
        !o.is_empty() && o.chars().all(|c| c.is_ascii_digit())
    } else {
        !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
    };
    if int {
        return Yt::Int(neg);
    }
    if is_float(digits) {
        return Yt::Float;
    }
    Yt::Str
}

fn is_float(s: &str) -> bool {
    let (mant, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (a, b) = match mant.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (mant, None),
    };
    let digits = |x: &str| x.chars().all(|c| c.is_ascii_digit());
    let mant_ok = match b {
        Some(b) => digits(a) && digits(b) && !(a.is_empty() && b.is_empty()),
        None => !a.is_empty() && digits(a),
    };
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mant_ok && exp_ok && (b.is_some() || exp.is_some())
}

/// Whether Go's `time.ParseDuration` takes this text (`300ms`, `1h30m`, `-5s`, `0`).
pub fn is_duration(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    if s == "0" {
        return true;
    }
    let mut rest = s;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let num = &rest[..n];
        if num.is_empty() || num == "." {
            return false;
        }
        rest = &rest[n..];
        let unit = ["ns", "us", "µs", "μs", "ms", "s", "m", "h"]
            .into_iter()
            .filter(|u| rest.starts_with(u))
            .max_by_key(|u| u.len());
        match unit {
            Some(u) => rest = &rest[u.len()..],
            None => return false,
        }
    }
    true
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn found_of(n: &Node) -> &'static str {
    match &n.kind {
        Kind::Map(_) => "mapping",
        Kind::Seq(_) => "list",
        Kind::Scalar(t, plain) => yaml_type(t, *plain).name(),
    }
}

fn shown(n: &Node) -> String {
    match &n.kind {
        Kind::Scalar(t, true) => t.clone(),
        Kind::Scalar(t, false) => format!("\"{t}\""),
        Kind::Map(_) => "{...}".to_owned(),
        Kind::Seq(_) => "[...]".to_owned(),
    }
}

impl Walk<'_> {
    fn value_invalid(&mut self, n: &Node, path: &str, problem: ValueProblem) {
        self.out.push((
            n.pos,
            Observation::ValueInvalid {
                kind: self.kind,
                id: self.id.to_owned(),
                path: path.to_owned(),
                value: shown(n),
                problem,
            },
        ));
    }

    fn wrong(&mut self, n: &Node, path: &str, expected: Expected) {
        let found = found_of(n);
        self.value_invalid(n, path, ValueProblem::WrongType { expected, found });
    }

    /// Checks a value against what its key takes.
    pub fn value(&mut self, n: &Node, ty: &Ty, path: &str) {
        if n.is_null() || self.expanded.contains_key(&n.pos) {
            return; // null is the zero value; an expanded value is typed by what it expands to
        }
        let server = self.s.is_server_tls(ty);
        match self.s.deref(ty) {
            Ty::Any | Ty::Ref(_) => {}
            Ty::Obj(o) => match &n.kind {
                Kind::Map(entries) => self.map(entries, o, path, server),
                _ if !o.keys.is_empty() => self.wrong(n, path, Expected::Mapping),
                _ => {}
            },
            Ty::List(item) => match &n.kind {
                Kind::Seq(items) => {
                    let object_items = matches!(self.s.deref(item), Ty::Obj(_));
                    for i in items {
                        // Items written as a string where a mapping is described: components
                        // with their own decoder take both (transform's statements).
                        if object_items && matches!(i.kind, Kind::Scalar(..)) {
                            continue;
                        }
                        self.value(i, item, path);
                    }
                }
                Kind::Map(_) => self.wrong(n, path, Expected::List),
                Kind::Scalar(..) => {} // a string splits at commas
            },
            t => self.scalar(n, t, path),
        }
    }

    fn scalar(&mut self, n: &Node, t: &Ty, path: &str) {
        let Kind::Scalar(text, plain) = &n.kind else {
            if !matches!(t, Ty::Text) {
                self.wrong(n, path, Expected::Scalar);
            }
            return;
        };
        let yt = yaml_type(text, *plain);
        let expected = match (t, yt) {
            (Ty::Str, Yt::Str) | (Ty::Text, _) => None,
            (Ty::Str, _) => Some(Expected::String),
            (Ty::Int | Ty::Float, Yt::Int(_) | Yt::Float) => None,
            (Ty::Uint, Yt::Int(false) | Yt::Float) => None,
            (Ty::Uint, Yt::Int(true)) => {
                return self.value_invalid(n, path, ValueProblem::Negative);
            }
            (Ty::Int, _) => Some(Expected::Integer),
            (Ty::Uint, _) => Some(Expected::UnsignedInteger),
            (Ty::Float, _) => Some(Expected::Number),
            (Ty::Bool, Yt::Bool) => None,
            (Ty::Bool, _) => Some(Expected::Boolean),
            (Ty::Duration, Yt::Int(_) | Yt::Float) => None,
            (Ty::Duration, Yt::Str) if is_duration(text) => None,
            (Ty::Duration, Yt::Str) => {
                return self.value_invalid(n, path, ValueProblem::NotADuration);
            }
            (Ty::Duration, _) => Some(Expected::Duration),
            (Ty::Enum(vals), Yt::Str) if vals.len() > 1 && !vals.iter().any(|v| v == text) => {
                let valid = vals.clone();
                return self.value_invalid(n, path, ValueProblem::NotInEnum { valid });
            }
            _ => None,
        };
        if let Some(e) = expected {
            self.wrong(n, path, e);
        }
    }

    fn map(&mut self, entries: &[(Node, Node)], o: &Obj, path: &str, server: bool) {
        for (k, v) in entries {
            let Some(key) = k.as_str() else { continue };
            let p = join(path, key);
            if let Some(r) = self.s.removed_key(&self.at, &p) {
                self.removed(r, k.pos);
                continue;
            }
            match self.s.field(o, key) {
                Field::Known(Ty::Deprecated(since, inner)) => {
                    self.deprecated(*since, k.pos, &p);
                    self.value(v, inner, &p)
                }
                Field::Known(t) | Field::Extra(t) => self.value(v, t, &p),
                Field::Unknown => self.unknown(k, v, key, path, o, server),
            }
        }
    }

    fn removed(&mut self, r: &RemovedKey, pos: Pos) {
        if self.version.minor < r.deprecated {
            return;
        }
        self.out.push((
            pos,
            Observation::RemovedKey {
                at: self.id.to_owned(),
                path: r.path.clone(),
                deprecated_in: Some(r.deprecated),
                removed_in: Some(r.removed),
                replacement: Some(r.replacement.clone()),
                version: self.version.clone(),
                doc: self.doc.to_owned(),
            },
        ));
    }

    /// A key the schema marks deprecated: judged from its release (unsaid: from the schemas').
    fn deprecated(&mut self, since: u32, pos: Pos, path: &str) {
        let from = if since == 0 { self.s.release } else { since };
        if self.version.minor < from {
            return;
        }
        self.out.push((
            pos,
            Observation::RemovedKey {
                at: self.id.to_owned(),
                path: path.to_owned(),
                deprecated_in: (since > 0).then_some(since),
                removed_in: None,
                replacement: None,
                version: self.version.clone(),
                doc: self.doc.to_owned(),
            },
        ));
    }

    fn unknown(&mut self, k: &Node, v: &Node, key: &str, path: &str, o: &Obj, server: bool) {
        let kind = self.kind.unwrap_or(ComponentKind::Receiver);
        let id = self.id.to_owned();
        if server && CLIENT_TLS.contains(&key) {
            let problem = TlsProblem::ClientKeyOnServer {
                key: key.to_owned(),
            };
            self.out
                .push((k.pos, Observation::Tls { kind, id, problem }));
            return;
        }
        // A TLS key beside `tls:`: the component has a `tls:` block holding it, or (a server,
        // whose `tls:` has no client keys) has a `tls:` block somewhere.
        let tls_elsewhere = || {
            let server = self.kind == Some(ComponentKind::Receiver);
            let probe = if server { "tls" } else { key };
            let places = self.s.places(self.root, probe);
            server && !places.is_empty() || places.iter().any(|p| p == "tls" || p.ends_with(".tls"))
        };
        if TLS_KEYS.contains(&key)
            && (matches!(self.s.field(o, "tls"), Field::Known(_)) || tls_elsewhere())
        {
            let problem = TlsProblem::KeyOutsideTls {
                key: key.to_owned(),
                value: shown(v),
            };
            self.out
                .push((k.pos, Observation::Tls { kind, id, problem }));
            return;
        }
        let mut names = Vec::new();
        self.s.names(o, &mut names);
        let limit = if key.len() <= 4 { 1 } else { 3 };
        // A near spelling, or a known key the written one starts with (`insecure_mode`).
        let nearest = names
            .iter()
            .map(|n| (strsim::levenshtein(n, key), *n))
            .filter(|(d, n)| *d <= limit || (n.len() >= 5 && key.starts_with(n)))
            .min()
            .map(|(_, n)| n.to_owned());
        let belongs = if nearest.is_some() {
            None
        } else {
            self.s
                .places(self.root, key)
                .into_iter()
                .find(|p| p != path)
        };
        self.out.push((
            k.pos,
            Observation::UnknownKey {
                kind: self.kind,
                id,
                under: path.to_owned(),
                key: key.to_owned(),
                nearest,
                belongs,
                doc: self.doc.to_owned(),
            },
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_are_typed_as_the_collector_types_them() {
        assert_eq!(yaml_type("8192", true), Yt::Int(false));
        assert_eq!(yaml_type("8192", false), Yt::Str);
        assert_eq!(yaml_type("-1", true), Yt::Int(true));
        assert_eq!(yaml_type("1.5e3", true), Yt::Float);
        assert_eq!(yaml_type("0x1F", true), Yt::Int(false));
        assert_eq!(yaml_type("yes", true), Yt::Str);
        assert_eq!(yaml_type("True", true), Yt::Bool);
        assert_eq!(yaml_type("~", true), Yt::Null);
        assert_eq!(yaml_type("1.2.3.4", true), Yt::Str);
        assert_eq!(yaml_type("localhost:4317", true), Yt::Str);
    }

    #[test]
    fn durations_follow_go() {
        for ok in ["5s", "1m30s", "200ms", "0", "1.5h", "-5s", "10us", "3µs"] {
            assert!(is_duration(ok), "{ok}");
        }
        for bad in ["fast", "5", "5 s", "s", "", "1d", "5sec"] {
            assert!(!is_duration(bad), "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn typing_never_panics_and_quoted_text_stays_a_string(s in ".{0,40}") {
            let _ = is_duration(&s);
            let _ = yaml_type(&s, true);
            proptest::prop_assert_eq!(yaml_type(&s, false), Yt::Str);
        }

        #[test]
        fn any_yaml_under_a_component_is_judged_without_panicking(s in "[a-z_:{}\\[\\], \n\"0-9.-]{0,120}") {
            let Ok(docs) = super::super::yaml::parse(&s, 0) else { return Ok(()) };
            let schemas = super::super::schema::schemas();
            let (otlp, _) = schemas.component(ComponentKind::Exporter, "otlp").unwrap();
            let version = TargetVersion { minor: 159, source: crate::facts::collector::VersionSource::Newest };
            let expanded = Expanded::new();
            for d in &docs {
                let mut w = Walk { s: schemas, kind: Some(ComponentKind::Exporter), id: "otlp", at: "exporter/otlp".into(), root: otlp, doc: "", expanded: &expanded, version: &version, out: Vec::new() };
                w.value(d, otlp, "");
            }
        }
    }
}
