//! `${env:VAR}`, `${VAR}` and `${env:VAR:-default}` in scalar values, resolved as the collector
//! does (`$$` is a literal `$`); a variable that is not set is reported and becomes empty.

use super::yaml::{Kind, Node};
use crate::facts::collector::Pos;
use std::collections::HashMap;

/// Scalars whose text came from the environment, by place, with the variables they name: the
/// collector types such a value from what it expands to, so the doctor does not judge its type.
pub type Expanded = HashMap<Pos, Vec<String>>;

/// Replaces references in every scalar value (not in keys); returns unresolved names and places.
pub fn resolve(node: &mut Node, lookup: &dyn Fn(&str) -> Option<String>) -> Vec<(Pos, String)> {
    resolve_marked(node, lookup).0
}

/// As [`resolve`], also returning the scalars that held a reference.
pub fn resolve_marked(
    node: &mut Node,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> (Vec<(Pos, String)>, Expanded) {
    let mut missing = Vec::new();
    let mut expanded = Expanded::new();
    walk(node, lookup, &mut missing, &mut expanded);
    (missing, expanded)
}

fn walk(
    node: &mut Node,
    lookup: &dyn Fn(&str) -> Option<String>,
    missing: &mut Vec<(Pos, String)>,
    expanded: &mut Expanded,
) {
    let pos = node.pos;
    match &mut node.kind {
        Kind::Scalar(s, _) => {
            if s.contains('$') {
                let mut named = Vec::new();
                let (out, miss) = expand_named(s, lookup, &mut named);
                if !named.is_empty() {
                    expanded.insert(pos, named);
                }
                *s = out;
                missing.extend(miss.into_iter().map(|v| (pos, v)));
            }
        }
        Kind::Seq(items) => items
            .iter_mut()
            .for_each(|n| walk(n, lookup, missing, expanded)),
        Kind::Map(entries) => entries
            .iter_mut()
            .for_each(|(_, v)| walk(v, lookup, missing, expanded)),
    }
}

fn valid_name(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
}

/// Expands one string; returns the result and the names that were not set (without a default).
pub fn expand(s: &str, lookup: &dyn Fn(&str) -> Option<String>) -> (String, Vec<String>) {
    expand_named(s, lookup, &mut Vec::new())
}

/// As [`expand`], also collecting every variable the string names.
fn expand_named(
    s: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    named: &mut Vec<String>,
) -> (String, Vec<String>) {
    let mut out = String::with_capacity(s.len());
    let mut missing = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(a) = after.strip_prefix('$') {
            out.push('$');
            rest = a;
            continue;
        }
        let Some(body) = after.strip_prefix('{') else {
            out.push('$');
            rest = after;
            continue;
        };
        let Some(end) = body.find('}') else {
            out.push_str(&rest[i..]);
            rest = "";
            break;
        };
        let inner = &body[..end];
        let reference = inner.strip_prefix("env:").or_else(|| {
            // `${VAR}` only; other providers (`${file:...}`) are left as written.
            (!inner.contains(':') || inner.contains(":-")).then_some(inner)
        });
        match reference {
            Some(r) => {
                let (name, default) = match r.split_once(":-") {
                    Some((n, d)) => (n, Some(d)),
                    None => (r, None),
                };
                if !valid_name(name) {
                    out.push_str(&rest[i..i + 2 + end + 1]);
                } else {
                    named.push(name.to_owned());
                    match (lookup(name), default) {
                        (Some(v), _) => out.push_str(&v),
                        (None, Some(d)) => out.push_str(d),
                        (None, None) => missing.push(name.to_owned()),
                    }
                }
            }
            None => out.push_str(&rest[i..i + 2 + end + 1]),
        }
        rest = &body[end + 1..];
    }
    out.push_str(rest);
    (out, missing)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(k: &str) -> Option<String> {
        (k == "HOST").then(|| "otel".to_owned())
    }

    #[test]
    fn forms_resolve_or_are_reported() {
        assert_eq!(
            expand("${env:HOST}:4317", &env),
            ("otel:4317".into(), vec![])
        );
        assert_eq!(expand("${HOST}", &env).0, "otel");
        assert_eq!(expand("${env:PORT:-4318}", &env).0, "4318");
        assert_eq!(expand("$${env:HOST}", &env).0, "${env:HOST}");
        assert_eq!(expand("${file:/x}", &env).0, "${file:/x}");
        assert_eq!(
            expand("${env:NOPE}:1", &env),
            (":1".into(), vec!["NOPE".into()])
        );
        assert_eq!(expand("a ${unterminated", &env).0, "a ${unterminated");
    }
}
