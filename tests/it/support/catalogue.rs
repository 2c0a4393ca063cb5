//! What the cause catalogue (`tests/it/causes_catalogue.rs`) reads from the tree: source and
//! test files, the explain knowledge base's rows, the finding blocks of the text snapshots and
//! the lines real clients logged (`tests/data/explain-corpus.tsv`).

use runner::cause::Cause;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file under `dir` ending in `ext`, as (path relative to the crate root, text), sorted.
pub fn files(dir: &str, ext: &str) -> Vec<(String, String)> {
    fn walk(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, ext, out);
            } else if p.to_string_lossy().ends_with(ext) {
                out.push(p);
            }
        }
    }
    let mut paths = Vec::new();
    walk(&root().join(dir), ext, &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let rel = p
                .strip_prefix(root())
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (rel, text)
        })
        .collect()
}

/// Byte offsets where `word` occurs as a whole identifier-ish word.
pub fn occurrences(text: &str, word: &str) -> Vec<usize> {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(word)
        .filter(|(i, _)| {
            let before = text[..*i].chars().next_back();
            let after = text[i + word.len()..].chars().next();
            !before.is_some_and(ident) && !after.is_some_and(ident)
        })
        .map(|(i, _)| i)
        .collect()
}

pub fn line_of(text: &str, at: usize) -> usize {
    text[..at].matches('\n').count() + 1
}

/// The pattern strings of `r("pattern", Variant, ...)` / `n(...)` rows, per variant.
pub fn explain_rows(text: &str) -> BTreeMap<String, Vec<String>> {
    let mut rows: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for start in ["r(\"", "n(\""] {
        for (i, _) in text.match_indices(start) {
            // The pattern string (escapes included), then the variant after `,`.
            let rest = &text[i + start.len()..];
            let mut escaped = false;
            let Some(end) = rest.find(|c: char| {
                let close = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                close
            }) else {
                continue;
            };
            let Some(after) = rest[end + 1..].trim_start().strip_prefix(',') else {
                continue;
            };
            let variant: String = after
                .trim_start()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            let pattern = rest[..end].replace("\\\"", "\"").replace("\\\\", "\\");
            rows.entry(variant).or_default().push(pattern);
        }
    }
    rows
}

/// The first line of a recorded error (a stack trace's is enough), at most 200 characters.
pub fn first(line: &str) -> String {
    let line = line.split("\\n").next().unwrap_or(line);
    match line.char_indices().nth(200) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line.to_string(),
    }
}

/// A code span that survives backticks in `text`.
pub fn code_span(text: &str) -> String {
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

/// What one report prints for a cause: the finding's heading line and its indented lines.
pub struct Example {
    /// `scenario tls/unknown_ca`, or the snapshot's name.
    pub from: String,
    pub lines: Vec<String>,
}

/// The first finding block per cause code in the text snapshots (scenarios first).
pub fn examples() -> BTreeMap<String, Example> {
    let mut snaps = files("tests/it/snapshots", ".snap");
    snaps.sort_by_key(|(p, _)| !p.contains("__scenarios__"));
    let mut out = BTreeMap::new();
    for (path, text) in &snaps {
        let name = path
            .rsplit('/')
            .next()
            .unwrap_or(path)
            .trim_end_matches(".snap");
        let from = match name.strip_prefix("it__scenarios__") {
            Some(s) => format!("scenario `{}`", s.replace("__", "/")),
            None => format!("snapshot `{name}`"),
        };
        let lines: Vec<&str> = text.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            let Some((severity, rest)) = l.split_once(" [") else {
                continue;
            };
            if !["error", "warning", "info"].contains(&severity) {
                continue;
            }
            let code: String = rest
                .chars()
                .take_while(|c| *c != ' ' && *c != ']')
                .collect();
            if Cause::from_code(&code).is_none() || out.contains_key(&code) {
                continue;
            }
            let body = lines[i + 1..].iter().take_while(|b| b.starts_with("    "));
            let block = std::iter::once(*l).chain(body.copied()).map(str::to_owned);
            out.insert(
                code,
                Example {
                    from: from.clone(),
                    lines: block.collect(),
                },
            );
        }
    }
    out
}

/// `(client, version, line, vague)` per cause from the explain corpus: lines recorded from real
/// clients on loopback (`tests/data/explain-corpus.tsv`).
pub type Said = (String, String, String, bool);

pub fn corpus() -> BTreeMap<String, Vec<Said>> {
    let text = std::fs::read_to_string(root().join("tests/data/explain-corpus.tsv")).unwrap();
    let mut out: BTreeMap<String, Vec<Said>> = BTreeMap::new();
    for l in text.lines().filter(|l| !l.starts_with('#')) {
        let cols: Vec<&str> = l.splitn(4, '\t').collect();
        let [client, version, cause, line] = cols[..] else {
            continue;
        };
        let (cause, vague) = match cause.strip_prefix("vague:") {
            Some(c) => (c, true),
            None => (cause, false),
        };
        out.entry(cause.to_owned()).or_default().push((
            client.to_owned(),
            version.to_owned(),
            line.to_owned(),
            vague,
        ));
    }
    out
}

/// The knowledge base's rows for the collector's own log lines (after the comment that opens
/// them in `src/explain/kb.rs`), per variant.
pub fn collector_lines(kb: &str) -> BTreeMap<String, Vec<String>> {
    let section = kb
        .split("// The collector's own lines")
        .nth(1)
        .and_then(|s| s.split("\n];").next())
        .unwrap_or("");
    explain_rows(section)
}
