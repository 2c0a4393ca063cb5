//! `docs/causes.md`, the cause catalogue, kept true. For users, per cause: what it means, what
//! the doctor prints (from a text snapshot), the fix, and the lines real clients and the
//! collector log for it. For developers, per cause: its wording in `src/cause/` (file:line),
//! its scenarios in both formats (read by `support::scenario`), and the tests that name it.
//! `UPDATE_CAUSES=1 cargo test --test it causes_catalogue` rewrites the file; without it the
//! test fails when the file disagrees with the tree.

use crate::support::scenario::{self, Format};
use runner::cause::{generic, Cause};
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

fn line_of(text: &str, at: usize) -> usize {
    text[..at].matches('\n').count() + 1
}

/// The pattern strings of `r("pattern", Variant, ...)` / `n(...)` rows, per variant.
fn explain_rows(text: &str) -> BTreeMap<String, Vec<String>> {
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
fn first(line: &str) -> String {
    let line = line.split("\\n").next().unwrap_or(line);
    match line.char_indices().nth(200) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line.to_string(),
    }
}

/// A code span that survives backticks in `text`.
fn code_span(text: &str) -> String {
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

fn list(items: &BTreeSet<String>) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.iter().cloned().collect::<Vec<_>>().join(", ")
    }
}

/// What one report prints for a cause: the finding's heading line and its indented lines.
struct Example {
    /// `scenario tls/unknown_ca`, or the snapshot's name.
    from: String,
    lines: Vec<String>,
}

/// The first finding block per cause code in the text snapshots (scenarios first).
fn examples() -> BTreeMap<String, Example> {
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
type Said = (String, String, String, bool);

fn corpus() -> BTreeMap<String, Vec<Said>> {
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
fn collector_lines(kb: &str) -> BTreeMap<String, Vec<String>> {
    let section = kb
        .split("// The collector's own lines")
        .nth(1)
        .and_then(|s| s.split("\n];").next())
        .unwrap_or("");
    explain_rows(section)
}

const INTRO: &str = "\
# Causes

What each finding of `runner doctor otel` and `runner doctor collector` means, what the report
prints, how to fix it, and how the SDKs and the collector say it in their own logs (paste such a
line into `runner doctor explain` to be pointed here). The report's own `Fix:` line says the fix
for your settings; the fix below is the general one. For developers, [the second
part](#for-developers) gives each cause's wording, scenarios and tests.

Generated by `tests/it/causes_catalogue.rs` from the source tree, the scenarios, the text
snapshots and the explain corpus; do not edit by hand. `UPDATE_CAUSES=1 cargo test --test it
causes_catalogue` rewrites it, and the test fails while it disagrees with the tree.
";

/// What each stage checks, for the headings.
fn stage_heading(stage: &str) -> &'static str {
    match stage {
        "config" => "the settings, before anything is sent",
        "dns" => "the endpoint's host name",
        "tcp" => "the connection to the port",
        "tls" => "the TLS handshake",
        "protocol" => "whether the port speaks the configured protocol",
        "export" => "a real export's answer",
        "canary" => "a test span sent through the runner's own pipeline",
        "backend" => "whether the test span reached the trace backend",
        "collector" => "the collector's configuration and live state (`runner doctor collector`)",
        _ => "",
    }
}

fn user_entry(out: &mut String, c: Cause, ex: Option<&Example>, said: &[Said], col: &[String]) {
    let code = c.code();
    let g = generic::text(c);
    let _ = write!(out, "\n### `{code}`\n\n{} {}\n", g.summary, g.explanation);
    if let Some(ex) = ex {
        let _ = writeln!(out, "\nWhat the report prints ({}):\n", ex.from);
        for l in &ex.lines {
            let _ = writeln!(out, "    {l}");
        }
    }
    let _ = writeln!(out, "\n**Fix:** {}", g.fix);
    if !said.is_empty() || !col.is_empty() {
        let _ = writeln!(out, "\nHow it shows in logs:\n");
        for (client, version, line, vague) in said {
            let also = if *vague {
                " (also printed for other causes)"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "- {client} ({version}): {}{also}",
                code_span(&first(line))
            );
        }
        for p in col {
            let _ = writeln!(
                out,
                "- the collector (otelcol-contrib), a line with {}",
                code_span(p)
            );
        }
    }
    let _ = writeln!(out, "\n[Developer view](#dev-{code})");
}

/// The catalogue's text, computed from the tree.
fn catalogue() -> String {
    let cause_src: Vec<(String, String)> = files("src/cause", ".rs")
        .into_iter()
        .filter(|(p, _)| p != "src/cause/mod.rs")
        .collect();
    // Integration tests, and the unit tests of `src/` (a `tests.rs` file, or what follows
    // `#[cfg(test)]`).
    let mut tests: Vec<(String, String)> = files("tests/it", ".rs")
        .into_iter()
        .filter(|(p, _)| !p.ends_with("causes_catalogue.rs"))
        .collect();
    tests.extend(files("src", ".rs").into_iter().filter_map(|(p, t)| {
        if p.ends_with("tests.rs") {
            return Some((p, t));
        }
        let at = t.find("#[cfg(test)]")?;
        Some((p, t[at..].to_string()))
    }));
    let kb: String = files("src/explain", ".rs")
        .into_iter()
        .filter(|(p, _)| p.starts_with("src/explain/kb") || p.contains("families"))
        .map(|(_, t)| t)
        .collect();
    let rows = explain_rows(&kb);
    let collector = collector_lines(&kb);
    let scenarios = scenario::load_all(&root().join("scenarios"));
    let excused = scenario::unproducible(&root().join("scenarios"));
    let examples = examples();
    let corpus = corpus();

    let mut user = String::from(INTRO);
    let mut dev = String::from(
        "\n## For developers\n\n\
         Per cause: its **wording** (every line of `src/cause/` naming its variant: the arm that\n\
         words it, and `generic.rs`, which words it for `runner doctor explain`); the severities its\n\
         scenarios assert; its **scenarios** in both formats (`scenarios/<stage>/*.toml` run by\n\
         `tests/it/scenarios.rs`, `scenarios/collector/*.yaml` with `# expect:` lines run by\n\
         `tests/it/collector.rs`; both read by `tests/it/support/scenario.rs`), with the stage they\n\
         see it at; the integration **tests** naming it; and its rows in `runner doctor explain`'s\n\
         knowledge base.\n",
    );
    let mut stage = String::new();
    for &c in Cause::ALL {
        let code = c.code();
        let variant = format!("{c:?}");
        if c.stage().to_string() != stage {
            stage = c.stage().to_string();
            let _ = write!(user, "\n## Stage `{stage}`: {}\n", stage_heading(&stage));
        }
        user_entry(
            &mut user,
            c,
            examples.get(code),
            corpus.get(code).map_or(&[], Vec::as_slice),
            collector.get(&variant).map_or(&[], Vec::as_slice),
        );

        let mut wording = Vec::new();
        for (path, text) in &cause_src {
            let lines: BTreeSet<usize> = occurrences(text, &variant)
                .into_iter()
                .map(|at| line_of(text, at))
                .collect();
            if !lines.is_empty() {
                let lines: Vec<String> = lines.iter().map(usize::to_string).collect();
                wording.push(format!("`{path}:{}`", lines.join(",")));
            }
        }

        let mut severities = BTreeSet::new();
        let mut seen = BTreeSet::new();
        let mut harnesses = BTreeSet::new();
        for f in &scenarios {
            let Ok(sc) = &f.parsed else { continue };
            for ef in sc.expect.findings.iter().filter(|ef| ef.cause == code) {
                let rel = f.path.strip_prefix(root()).unwrap().display().to_string();
                seen.insert(format!("[`{}`](../{rel}) ({})", f.name, ef.stage));
                severities.insert(format!("`{}`", ef.severity));
                harnesses.insert(match f.format {
                    Format::Otel => "`tests/it/scenarios.rs` (its scenarios)".to_string(),
                    Format::Collector => "`tests/it/collector.rs` (its scenarios)".to_string(),
                });
            }
        }
        if excused.iter().any(|e| e == code) {
            seen.insert("not producible on one machine (`scenarios/README.md`)".to_string());
        }
        let needle = format!("\"{code}\"");
        let path_ref = format!("Cause::{variant}");
        let mut named_by: BTreeSet<String> = tests
            .iter()
            .filter(|(_, t)| !occurrences(t, &path_ref).is_empty() || t.contains(&needle))
            .map(|(p, _)| format!("`{p}`"))
            .collect();
        named_by.extend(harnesses);

        let _ = write!(
            dev,
            "\n<a id=\"dev-{code}\"></a>\n### `{code}` (developer view)\n\n\
             - stage: `{stage}`; severity in scenarios: {}\n\
             - wording: {}\n\
             - scenarios: {}\n\
             - tests: {}\n\
             - explain patterns: {}\n",
            if severities.is_empty() {
                "no scenario".to_string()
            } else {
                list(&severities)
            },
            if wording.is_empty() {
                "none".to_string()
            } else {
                wording.join(", ")
            },
            list(&seen),
            list(&named_by),
            rows.get(&variant).map_or(0, Vec::len),
        );
    }
    user + &dev
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

/// Every cause with a scenario shows it, and every cause has a wording line: no "none" where
/// the tree has something.
#[test]
fn the_catalogue_names_every_scenario_and_wording() {
    let text = catalogue();
    for &c in Cause::ALL {
        let code = c.code();
        let dev = text
            .split(&format!("<a id=\"dev-{code}\"></a>"))
            .nth(1)
            .unwrap_or_else(|| panic!("no developer view of {code}"));
        let entry = dev.split("<a id=").next().unwrap_or("");
        assert!(!entry.contains("- wording: none"), "{code}: {entry}");
        assert!(!entry.contains("- scenarios: none"), "{code}: {entry}");
        assert!(!entry.contains("- tests: none"), "{code}: {entry}");
    }
}
