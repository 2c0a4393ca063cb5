//! `docs/causes.md`, the cause catalogue, kept true: for every cause code, its stage, the
//! severities its scenarios assert, where it is detected, its wording, its explain patterns,
//! its scenarios and the tests naming it, computed from the source tree's text.
//! `UPDATE_CAUSES=1 cargo test --test it causes_catalogue` rewrites the file; without it the
//! test fails when the file disagrees with the tree.

use runner::cause::Cause;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file under `dir` ending in `ext`, as (path relative to the crate root, text), sorted.
fn files(dir: &str, ext: &str) -> Vec<(String, String)> {
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
fn occurrences(text: &str, word: &str) -> Vec<usize> {
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

/// The name of the function whose body contains byte `at` (the nearest `fn NAME` before it).
fn enclosing_fn(text: &str, at: usize) -> Option<String> {
    let head = &text[..at];
    let i = occurrences(head, "fn").into_iter().next_back()?;
    let name: String = head[i + 2..]
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// Rows of the explain knowledge base per variant: `r("pattern", Variant, ...)` / `n(...)`.
fn explain_rows(kb: &[(String, String)]) -> BTreeMap<String, usize> {
    let mut rows = BTreeMap::new();
    for (_, text) in kb {
        for start in ["r(\"", "n(\""] {
            for (i, _) in text.match_indices(start) {
                // Skip the pattern string (escapes included), then read the variant after `,`.
                let rest = &text[i + start.len()..];
                let mut escaped = false;
                let Some(end) = rest.find(|c: char| {
                    let close = c == '"' && !escaped;
                    escaped = c == '\\' && !escaped;
                    close
                }) else {
                    continue;
                };
                let after = rest[end + 1..].trim_start();
                let Some(after) = after.strip_prefix(',') else {
                    continue;
                };
                let variant: String = after
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect();
                *rows.entry(variant).or_default() += 1;
            }
        }
    }
    rows
}

/// Cause codes `scenarios/README.md` excuses as not producible on one machine.
fn unproducible() -> BTreeSet<String> {
    let readme = std::fs::read_to_string(root().join("scenarios/README.md")).unwrap();
    let section = readme
        .split("## Not producible on one machine")
        .nth(1)
        .unwrap_or("");
    let section = section.split("\n## ").next().unwrap_or("");
    section
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_string)
        .collect()
}

fn list(items: &BTreeSet<String>) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items
            .iter()
            .map(|i| format!("`{i}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The catalogue's text, computed from the tree.
fn catalogue() -> String {
    let src = files("src", ".rs");
    let tests: Vec<(String, String)> = files("tests", ".rs")
        .into_iter()
        .filter(|(p, _)| !p.ends_with("causes_catalogue.rs"))
        .collect();
    let scenarios = files("scenarios", ".toml");
    let kb: Vec<(String, String)> = src
        .iter()
        .filter(|(p, _)| p.starts_with("src/explain/kb"))
        .cloned()
        .collect();
    let rows = explain_rows(&kb);
    let excused = unproducible();

    let mut out = String::from(
        "# Cause catalogue\n\n\
         Generated by `tests/it/causes_catalogue.rs` from the source tree; do not edit by hand.\n\
         `UPDATE_CAUSES=1 cargo test --test it causes_catalogue` rewrites it, and the test fails\n\
         while it disagrees with the code or the scenarios.\n\n\
         For every cause code of the contract (§7): the stage it belongs to (`src/cause`'s\n\
         registry); the severities its scenarios assert; where it is **detected** (files outside\n\
         `src/cause/` and `src/explain/` naming its variant); its **wording** (functions under\n\
         `src/cause/` naming it); its rows in `runner doctor explain`'s knowledge base; the\n\
         scenarios reporting it (`cause = \"...\"`, with the stage they see it at); and the\n\
         integration tests naming it.\n",
    );
    let mut stage = String::new();
    for &c in Cause::ALL {
        let code = c.code();
        let variant = format!("{c:?}");
        let path_ref = format!("Cause::{variant}");
        if c.stage().to_string() != stage {
            stage = c.stage().to_string();
            let _ = write!(out, "\n## Stage `{stage}`\n");
        }

        let mut detected = BTreeSet::new();
        let mut wording = BTreeSet::new();
        for (path, text) in &src {
            let hits = occurrences(text, &path_ref);
            if hits.is_empty() || path.starts_with("src/explain/") {
                continue;
            }
            if path.starts_with("src/cause/") {
                for at in hits {
                    let f = enclosing_fn(text, at).unwrap_or_default();
                    wording.insert(format!("{}::{f}", path.trim_start_matches("src/")));
                }
            } else {
                detected.insert(path.clone());
            }
        }

        let needle = format!("\"{code}\"");
        let mut severities = BTreeSet::new();
        let mut seen = BTreeSet::new();
        for (path, text) in &scenarios {
            let Ok(doc) = toml::from_str::<toml::Value>(text) else {
                continue;
            };
            let findings = doc
                .get("expect")
                .and_then(|e| e.get("findings"))
                .and_then(|f| f.as_array())
                .cloned()
                .unwrap_or_default();
            for f in findings
                .iter()
                .filter(|f| f["cause"].as_str() == Some(code))
            {
                let at = f.get("stage").and_then(|s| s.as_str()).unwrap_or("?");
                let name = path
                    .trim_start_matches("scenarios/")
                    .trim_end_matches(".toml");
                seen.insert(format!("{name} ({at})"));
                if let Some(s) = f.get("severity").and_then(|s| s.as_str()) {
                    severities.insert(s.to_string());
                }
            }
        }
        if excused.contains(code) {
            seen.insert("not producible on one machine (scenarios/README.md)".to_string());
        }

        let named_by: BTreeSet<String> = tests
            .iter()
            .filter(|(_, t)| !occurrences(t, &path_ref).is_empty() || t.contains(&needle))
            .map(|(p, _)| p.clone())
            .collect();

        let _ = write!(
            out,
            "\n### `{code}`\n\n\
             - stage: `{stage}`; severity in scenarios: {}\n\
             - detected in: {}\n\
             - wording: {}\n\
             - explain patterns: {}\n\
             - scenarios: {}\n\
             - tests: {}\n",
            list(&severities),
            list(&detected),
            list(&wording),
            rows.get(&variant).copied().unwrap_or(0),
            list(&seen),
            list(&named_by),
        );
    }
    out
}

#[test]
fn causes_catalogue() {
    let path = root().join("docs/causes.md");
    let want = catalogue();
    if std::env::var_os("UPDATE_CAUSES").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    if have != want {
        let first = have
            .lines()
            .zip(want.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| have.lines().count().min(want.lines().count()));
        panic!(
            "docs/causes.md disagrees with the code or the scenarios (first at line {}: {:?}, \
             computed {:?}); run `UPDATE_CAUSES=1 cargo test --test it causes_catalogue` and \
             review the diff",
            first + 1,
            have.lines().nth(first).unwrap_or(""),
            want.lines().nth(first).unwrap_or(""),
        );
    }
}
