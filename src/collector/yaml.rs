//! A positioned YAML tree built from saphyr-parser's events, with caps on size, depth and alias
//! expansion so that hostile input (alias bombs, deep nesting, huge files) fails fast and small.

use crate::facts::collector::{Pos, YamlLimit};
use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use std::collections::HashMap;
use std::rc::Rc;

/// Largest configuration file read (a rendered Helm chart of the demo is ~0.4 MB).
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;
/// Deepest nesting of mappings and sequences (real configurations stay under 15).
pub const MAX_DEPTH: usize = 128;
/// Most nodes one file may expand to, aliases included (the billion-laughs bound).
pub const MAX_NODES: usize = 2_000_000;

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// A scalar's text and whether it was written plain (so `null`, `~` and empty are null).
    Scalar(String, bool),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub kind: Kind,
    pub pos: Pos,
}

impl Node {
    pub fn null(pos: Pos) -> Node {
        Node {
            kind: Kind::Scalar(String::new(), true),
            pos,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(&self.kind, Kind::Scalar(s, true) if s.is_empty() || s == "~" || s == "null" || s == "Null" || s == "NULL")
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar(s, _) if !self.is_null() => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            Kind::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The value under a string key of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key node and value under a string key (the key carries the key's position).
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.as_map()?
            .iter()
            .rev()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(k, v)| (k, v))
    }

    fn size(&self) -> usize {
        match &self.kind {
            Kind::Scalar(..) => 1,
            Kind::Seq(s) => 1 + s.iter().map(Node::size).sum::<usize>(),
            Kind::Map(m) => 1 + m.iter().map(|(k, v)| k.size() + v.size()).sum::<usize>(),
        }
    }

    /// Moves every position of this tree by the place an embedded document starts in its file.
    pub fn shift(&mut self, file: u16, line_offset: u32, col_offset: u32) {
        self.pos.file = file;
        self.pos.line += line_offset;
        self.pos.col += col_offset;
        match &mut self.kind {
            Kind::Scalar(..) => {}
            Kind::Seq(s) => s
                .iter_mut()
                .for_each(|n| n.shift(file, line_offset, col_offset)),
            Kind::Map(m) => m.iter_mut().for_each(|(k, v)| {
                k.shift(file, line_offset, col_offset);
                v.shift(file, line_offset, col_offset);
            }),
        }
    }
}

/// Why a YAML text could not become a tree.
#[derive(Clone, Debug, PartialEq)]
pub struct YamlError {
    pub pos: Pos,
    pub problem: YamlLimit,
}

fn pos_of(file: u16, span: &Span) -> Pos {
    Pos {
        file,
        line: span.start.line() as u32,
        col: span.start.col() as u32 + 1,
    }
}

enum Open {
    Seq(Vec<Node>, Pos, usize),
    Map(Vec<(Node, Node)>, Option<Node>, Pos, usize),
}

/// A key written twice in one mapping: the second one's place, and the first one's line.
#[derive(Clone, Debug, PartialEq)]
pub struct Duplicate {
    pub key: String,
    pub pos: Pos,
    pub first_line: u32,
}

/// Parses every document of `text` (multi-document streams give several).
pub fn parse(text: &str, file: u16) -> Result<Vec<Node>, YamlError> {
    parse_checked(text, file).map(|(docs, _)| docs)
}

/// Parses every document, also returning the keys written twice in a mapping (the collector's
/// YAML decoder refuses them: `mapping key "x" already defined at line N`).
pub fn parse_checked(text: &str, file: u16) -> Result<(Vec<Node>, Vec<Duplicate>), YamlError> {
    let mut dups = Vec::new();
    let start = Pos {
        file,
        line: 1,
        col: 1,
    };
    if text.len() > MAX_FILE_BYTES {
        return Err(YamlError {
            pos: start,
            problem: YamlLimit::TooLarge {
                bytes: text.len() as u64,
                max: MAX_FILE_BYTES as u64,
            },
        });
    }
    let mut docs = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut anchors: HashMap<usize, Rc<Node>> = HashMap::new();
    let mut nodes = 0usize;
    let mut root: Option<Node> = None;
    for ev in Parser::new_from_str(text) {
        let (ev, span) = ev.map_err(|e| YamlError {
            pos: Pos {
                file,
                line: e.marker().line() as u32,
                col: e.marker().col() as u32 + 1,
            },
            problem: YamlLimit::Syntax(e.info().to_owned()),
        })?;
        let pos = pos_of(file, &span);
        let done: Option<(Node, usize)> = match ev {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => None,
            Event::DocumentStart(_) => {
                anchors.clear();
                None
            }
            Event::DocumentEnd => {
                docs.push(root.take().unwrap_or_else(|| Node::null(pos)));
                None
            }
            Event::Scalar(v, style, anchor, _) => {
                let plain = style == ScalarStyle::Plain;
                Some((
                    Node {
                        kind: Kind::Scalar(v.into_owned(), plain),
                        pos,
                    },
                    anchor,
                ))
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some(n) => {
                    nodes = nodes.saturating_add(n.size());
                    if nodes > MAX_NODES {
                        return Err(YamlError {
                            pos,
                            problem: YamlLimit::AliasExpansion {
                                max: MAX_NODES as u64,
                            },
                        });
                    }
                    let mut n = (**n).clone();
                    n.pos = pos;
                    Some((n, 0))
                }
                None => Some((Node::null(pos), 0)),
            },
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(YamlError {
                        pos,
                        problem: YamlLimit::TooDeep {
                            max: MAX_DEPTH as u64,
                        },
                    });
                }
                if matches!(ev, Event::SequenceStart(..)) {
                    stack.push(Open::Seq(Vec::new(), pos, anchor));
                } else {
                    stack.push(Open::Map(Vec::new(), None, pos, anchor));
                }
                None
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Open::Seq(items, p, a)) => Some((
                    Node {
                        kind: Kind::Seq(items),
                        pos: p,
                    },
                    a,
                )),
                Some(Open::Map(entries, _, p, a)) => Some((
                    Node {
                        kind: Kind::Map(merge_keys(entries)),
                        pos: p,
                    },
                    a,
                )),
                None => None,
            },
        };
        let Some((node, anchor)) = done else { continue };
        nodes += 1;
        if nodes > MAX_NODES {
            return Err(YamlError {
                pos,
                problem: YamlLimit::AliasExpansion {
                    max: MAX_NODES as u64,
                },
            });
        }
        if anchor != 0 {
            anchors.insert(anchor, Rc::new(node.clone()));
        }
        match stack.last_mut() {
            Some(Open::Seq(items, ..)) => items.push(node),
            Some(Open::Map(entries, key, ..)) => match key.take() {
                Some(k) => {
                    if let Some(name) = k.as_str().filter(|n| *n != "<<") {
                        if let Some((first, _)) =
                            entries.iter().find(|(e, _)| e.as_str() == Some(name))
                        {
                            dups.push(Duplicate {
                                key: name.to_owned(),
                                pos: k.pos,
                                first_line: first.pos.line,
                            });
                        }
                    }
                    entries.push((k, node));
                }
                None => *key = Some(node),
            },
            None => root = Some(node),
        }
    }
    if let Some(r) = root.take() {
        docs.push(r);
    }
    Ok((docs, dups))
}

/// YAML merge keys (`<<: *base`), which the collector's loader honours: entries already in the
/// mapping win over merged ones.
fn merge_keys(entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    if !entries.iter().any(|(k, _)| k.as_str() == Some("<<")) {
        return entries;
    }
    let mut own = Vec::new();
    let mut merged: Vec<(Node, Node)> = Vec::new();
    for (k, v) in entries {
        if k.as_str() == Some("<<") {
            let sources: Vec<Node> = match v.kind {
                Kind::Seq(s) => s,
                _ => vec![v],
            };
            for s in sources {
                if let Kind::Map(m) = s.kind {
                    merged.extend(m);
                }
            }
        } else {
            own.push((k, v));
        }
    }
    for (k, v) in merged {
        if !own.iter().any(|(o, _)| o.as_str() == k.as_str()) {
            own.push((k, v));
        }
    }
    own
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_lines_and_columns() {
        let docs = parse("a:\n  b: 1\n  c: [x, y]\n", 0).unwrap();
        let b = docs[0].get("a").unwrap().entry("b").unwrap();
        assert_eq!((b.0.pos.line, b.0.pos.col), (2, 3));
        let c = docs[0]
            .get("a")
            .unwrap()
            .get("c")
            .unwrap()
            .as_seq()
            .unwrap();
        assert_eq!((c[1].pos.line, c[1].pos.col), (3, 10));
    }

    #[test]
    fn duplicate_keys_are_found_with_both_lines() {
        let (_, d) = parse_checked(
            "a:\n  t: 1s\n  t: 2s\nb: &x {k: 1}\nc:\n  <<: *x\n  k: 2\n",
            0,
        )
        .unwrap();
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            (d[0].key.as_str(), d[0].pos.line, d[0].first_line),
            ("t", 3, 2)
        );
    }

    #[test]
    fn multi_document_streams_give_each_document() {
        let docs = parse("a: 1\n---\nb: 2\n", 0).unwrap();
        assert_eq!(docs.len(), 2);
        assert!(docs[1].get("b").is_some());
    }

    #[test]
    fn merge_keys_merge_without_overriding() {
        let docs = parse("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n", 0).unwrap();
        let m = docs[0].get("m").unwrap();
        assert_eq!(m.get("x").and_then(Node::as_str), Some("1"));
        assert_eq!(m.get("y").and_then(Node::as_str), Some("3"));
    }

    #[test]
    fn alias_bomb_is_stopped() {
        let mut s = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for c in "bcdefghijk".chars() {
            s.push_str(&format!(
                "{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
            prev = c;
        }
        let e = parse(&s, 0).unwrap_err();
        assert!(matches!(e.problem, YamlLimit::AliasExpansion { .. }));
        assert!(e.pos.line > 1);
    }

    #[test]
    fn deep_nesting_is_stopped() {
        let s = "[".repeat(10_000);
        let e = parse(&s, 0).unwrap_err();
        assert!(matches!(
            e.problem,
            YamlLimit::TooDeep { .. } | YamlLimit::Syntax(_)
        ));
        let mut s = String::new();
        for i in 0..300 {
            s.push_str(&" ".repeat(i));
            s.push_str("k:\n");
        }
        let e = parse(&s, 0).unwrap_err();
        assert!(matches!(e.problem, YamlLimit::TooDeep { .. }));
    }

    #[test]
    fn syntax_errors_keep_their_line() {
        let e = parse("a: 1\nb: [1, 2\nc: 3\n", 0).unwrap_err();
        assert!(matches!(e.problem, YamlLimit::Syntax(_)));
        assert!(e.pos.line >= 2);
    }
}
