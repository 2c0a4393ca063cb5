//! `docs/configuration.md`, the settings reference, kept true: generated from the one
//! declaration of the settings (`runner::config::keys::SETTINGS`), which the loader's key checks
//! and the report's settings block read too. `UPDATE_SETTINGS=1 cargo test --test it
//! settings_reference` rewrites the file; without it the test fails when the file disagrees.
//! Every setting a fix names (`otel.KEY`) is in the declaration.

use runner::config::keys::{Setting, Table, SETTINGS};
use std::fmt::Write;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A table cell: pipes escaped, so a value such as `a | b` stays in its cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

fn row(out: &mut String, s: &Setting, name: &str) {
    let env = if s.env.is_empty() {
        "—".to_string()
    } else {
        s.env
            .iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(
        out,
        "| {name} | {} | {} | `{}` | {env} | {} |",
        cell(s.kind),
        cell(s.default),
        cell(s.example),
        cell(s.about)
    );
}

fn section(out: &mut String, title: &str, intro: &str, shadows: &str, rows: &[&Setting]) {
    let _ = writeln!(out, "## {title}\n\n{intro}\n");
    let _ = writeln!(
        out,
        "| Key | Type | Default | Example | {shadows} | What it does |\n|---|---|---|---|---|---|"
    );
    for s in rows {
        let name = match s.table {
            Some(_) => format!("`{}`", s.key),
            None => s.key.to_string(),
        };
        row(out, s, &name);
    }
    out.push('\n');
}

fn generate() -> String {
    let mut out = String::from(
        "# Configuration reference\n\n\
         Every key of `config.toml` and every environment variable the runner reads. Generated\n\
         from the one declaration of the settings (`src/config/keys.rs`), which the config\n\
         loader and the report read too: `UPDATE_SETTINGS=1 cargo test --test it\n\
         settings_reference` rewrites this page, and the test fails while it disagrees.\n\n\
         Precedence, highest first: a command-line flag, the `[otel]` table of `config.toml`, a\n\
         signal-specific variable (`OTEL_EXPORTER_OTLP_TRACES_*`), the generic variable\n\
         (`OTEL_EXPORTER_OTLP_*`), the default. A key of the config file therefore shadows the\n\
         variables listed beside it; `runner doctor otel -v` shows which source won and what it\n\
         shadowed. The config file is `-c FILE`, else `RUNNER_CONFIG`, else `./config.toml`.\n\n",
    );
    let pick =
        |t: Option<Table>| -> Vec<&Setting> { SETTINGS.iter().filter(|s| s.table == t).collect() };
    section(
        &mut out,
        "`[otel]`: telemetry",
        "The exporter (per signal: `traces_endpoint` and the `*_TRACES_*` variables apply to\n\
         traces only) and the SDK around it.",
        "Shadows",
        &pick(Some(Table::Otel)),
    );
    section(
        &mut out,
        "The top level",
        "Settings of the runner process (GitLab Runner style).",
        "Shadows",
        &pick(Some(Table::Top)),
    );
    section(
        &mut out,
        "`[[runners]]`",
        "One entry per runner, each with its coordinator.",
        "Shadows",
        &pick(Some(Table::Runners)),
    );
    section(
        &mut out,
        "Environment variables only",
        "Read from the environment; no key of `config.toml` sets them.",
        "Variables",
        &pick(None),
    );
    out
}

#[test]
fn the_configuration_reference_is_generated_from_the_declaration() {
    let path = root().join("docs/configuration.md");
    let want = generate();
    if std::env::var_os("UPDATE_SETTINGS").is_some() {
        std::fs::write(&path, &want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/configuration.md disagrees with src/config/keys.rs; run \
         `UPDATE_SETTINGS=1 cargo test --test it settings_reference` and review the diff"
    );
}

/// Every `otel.KEY` the wording names (a fix telling the user what to set) is a declared key.
#[test]
fn every_setting_a_fix_names_is_declared() {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(&root().join("src/cause"), &mut files);
    let declared: Vec<&str> = SETTINGS
        .iter()
        .filter(|s| s.table == Some(Table::Otel))
        .map(|s| s.key)
        .collect();
    let mut named = 0;
    let mut missing = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for (i, _) in text.match_indices("otel.") {
            let key: String = text[i + 5..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if key.is_empty() || key == "rs" {
                continue;
            }
            named += 1;
            if !declared.contains(&key.as_str()) {
                missing.push(format!("{}: otel.{key}", f.display()));
            }
        }
    }
    assert!(named > 5, "the wording names settings as `otel.KEY`");
    assert!(missing.is_empty(), "not declared: {missing:?}");
    let page = generate();
    for key in [
        "certificate",
        "client_certificate",
        "client_key",
        "headers",
        "timeout",
        "preflight_budget",
        "metrics_endpoint",
        "sampler_arg",
        "listen_address",
        "doctor_interval",
    ] {
        assert!(page.contains(&format!("| `{key}` |")), "{key}");
    }
}
