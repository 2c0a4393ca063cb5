//! The report's settings block: every setting with its source (`-v`), or only the settings a
//! finding depends on (by default), so the answer fits on one screen.

use super::text::Paint;
use crate::cause::{Finding, Stage};
use crate::config::keys::{self, Shown};
use crate::facts::peer_text::visible;
use serde_json::Value;
use std::fmt::Write;

/// Which settings to show.
pub(super) enum Only<'a> {
    All,
    /// Those the findings depend on: by their stage, and those their words name.
    Behind(&'a [Finding]),
}

impl Only<'_> {
    fn wants(&self, signal: Option<&str>, key: &str) -> bool {
        match self {
            Only::All => true,
            Only::Behind(findings) => findings.iter().any(|f| {
                let same_signal = match (signal, f.signal) {
                    (Some(s), Some(fs)) => s == fs.as_str(),
                    _ => true,
                };
                same_signal && (by_stage(f.stage).contains(&key) || named(f, key))
            }),
        }
    }
}

/// The settings a stage's outcome depends on.
fn by_stage(stage: Stage) -> &'static [&'static str] {
    match stage {
        Stage::Dns | Stage::Tcp => &["endpoint", "https_proxy", "http_proxy", "no_proxy"],
        Stage::Tls => &[
            "endpoint",
            "insecure",
            "certificate",
            "client_certificate",
            "client_key",
        ],
        Stage::Protocol => &["endpoint", "protocol", "https_proxy", "http_proxy"],
        Stage::Export => &[
            "endpoint",
            "url",
            "protocol",
            "headers",
            "compression",
            "timeout",
        ],
        Stage::Canary => &["endpoint", "protocol", "sampler", "traces_exporter"],
        Stage::Config | Stage::Backend | Stage::Collector => &[],
    }
}

/// Whether the finding's words name the setting (`` `key` ``, `key =` or its variable's suffix).
fn named(f: &Finding, key: &str) -> bool {
    let upper = format!("_{}", key.to_ascii_uppercase());
    [&f.summary, &f.explanation, &f.fix].iter().any(|t| {
        t.contains(&format!("`{key}")) || t.contains(&format!("{key} =")) || t.contains(&upper)
    })
}

fn show_value(v: &Value) -> String {
    match v {
        Value::String(s) => visible(s).replace('\n', "\\n"),
        Value::Object(m) if m.is_empty() => "(none)".to_owned(),
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| format!("{}={}", visible(k), show_value(v)))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Null => "(none)".to_owned(),
        other => other.to_string(),
    }
}

fn setting_line(out: &mut String, p: &Paint, key: &str, entry: &Value) {
    let value = show_value(&entry["value"]);
    let source = visible(entry["source"].as_str().unwrap_or("")).into_owned();
    let _ = writeln!(
        out,
        "  {key:<20} {value}  {}",
        p.dim(&format!("({source})"))
    );
}

/// Writes the settings block; nothing when no setting is wanted.
pub(super) fn settings(out: &mut String, p: &Paint, s: &Value, only: &Only<'_>) {
    let mut body = String::new();
    let all = matches!(only, Only::All);
    if let Some(f) = s["config_file"].as_str().filter(|_| all) {
        let _ = writeln!(body, "  {:<20} {}", "config file", visible(f));
    }
    for signal in ["traces", "metrics", "logs"] {
        let Some(sig) = s.get(signal).filter(|v| v.is_object()) else {
            continue;
        };
        let mut lines = String::new();
        for key in keys::shown(Shown::Signal) {
            // The URL is worth a line only when the /v1/<signal> rule changed the endpoint.
            if key == "url"
                && sig.get("url").map(|u| &u["value"]) == sig.get("endpoint").map(|e| &e["value"])
            {
                continue;
            }
            if let Some(e) = sig.get(key).filter(|_| only.wants(Some(signal), key)) {
                setting_line(&mut lines, p, key, e);
            }
        }
        if !lines.is_empty() {
            let _ = writeln!(body, " {}", p.bold(signal));
            body.push_str(&lines);
        }
    }
    let mut lines = String::new();
    for key in keys::shown(Shown::Global) {
        if let Some(e) = s.get(key).filter(|_| only.wants(None, key)) {
            setting_line(&mut lines, p, key, e);
        }
    }
    if !lines.is_empty() {
        let _ = writeln!(body, " {}", p.bold("global"));
        body.push_str(&lines);
    }
    shadowed(&mut body, p, s, only);
    if body.is_empty() {
        return;
    }
    let heading = if all {
        "Settings"
    } else {
        "Settings behind the findings (every setting with -v)"
    };
    let _ = writeln!(out, "{}", p.bold(heading));
    out.push_str(&body);
}

fn shadowed(out: &mut String, p: &Paint, s: &Value, only: &Only<'_>) {
    let Some(sh) = s["shadowed"].as_array().filter(|a| !a.is_empty()) else {
        return;
    };
    let sh: Vec<&Value> = sh
        .iter()
        .filter(|e| {
            let key = e["setting"].as_str().unwrap_or("");
            only.wants(e["signal"].as_str().filter(|s| !s.is_empty()), key)
        })
        .collect();
    if sh.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        " {}",
        p.bold("shadowed (ignored because a higher source wins)")
    );
    // The same generic value shadowed for several signals is one line naming them all.
    let mut lines: Vec<(Vec<String>, &Value)> = Vec::new();
    for e in sh {
        let same = |o: &Value| {
            ["setting", "value", "source", "winner", "winner_value"]
                .iter()
                .all(|k| o[*k] == e[*k])
        };
        let signal = e["signal"].as_str().unwrap_or("").to_owned();
        match lines.iter_mut().find(|(_, o)| same(o)) {
            Some((signals, _)) => signals.push(signal),
            None => lines.push((vec![signal], e)),
        }
    }
    for (signals, e) in lines {
        let signals: Vec<String> = signals.into_iter().filter(|s| !s.is_empty()).collect();
        let signal = if signals.is_empty() {
            String::new()
        } else {
            format!(" [{}]", signals.join(", "))
        };
        let _ = writeln!(
            out,
            "  {}{signal} = {}  {}",
            visible(e["setting"].as_str().unwrap_or("")),
            show_value(&e["value"]),
            p.dim(&format!(
                "({}, lost to {})",
                visible(e["source"].as_str().unwrap_or("")),
                visible(e["winner"].as_str().unwrap_or(""))
            ))
        );
    }
}
