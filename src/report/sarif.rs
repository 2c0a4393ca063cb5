//! `runner doctor collector --output sarif`: the findings as SARIF 2.1.0 for code scanning
//! (GitHub, GitLab): one rule per cause code, one result per finding on its file, line and column.

use super::collector::{fingerprints, place, repo_path, CollectorReport};
use crate::cause::{Finding, Severity};
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use serde_json::{json, Value};

/// Characters a relative URI reference cannot carry as they are.
const URI: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A file name as given, as a URI reference: relative paths stay relative (code scanning
/// resolves them from the repository's root), absolute ones become `file://` URIs.
fn uri(file: &str) -> String {
    let p = repo_path(file);
    let enc = utf8_percent_encode(&p, URI).to_string();
    if p.starts_with('/') {
        format!("file://{enc}")
    } else {
        enc
    }
}

/// The result's message: what is wrong, why, and the fix.
fn message(f: &Finding) -> String {
    let mut m = f.summary.clone();
    let mut add = |label: &str, part: &str| {
        if !part.is_empty() {
            m.push_str(if m.ends_with('.') { " " } else { ". " });
            m.push_str(label);
            m.push_str(part);
        }
    };
    add("", &f.explanation);
    add("Fix: ", &f.fix);
    m
}

pub fn render(r: &CollectorReport) -> String {
    let mut rules: Vec<&'static str> = Vec::new();
    for f in &r.findings {
        if !rules.contains(&f.cause.code()) {
            rules.push(f.cause.code());
        }
    }
    let prints = fingerprints(r);
    let results: Vec<Value> = r
        .findings
        .iter()
        .zip(&prints)
        .map(|(f, print)| {
            let mut res = json!({
                "ruleId": f.cause.code(),
                "ruleIndex": rules.iter().position(|c| *c == f.cause.code()).unwrap_or(0),
                "level": level(f.severity),
                "message": {"text": message(f)},
                "partialFingerprints": {"runnerFinding/v1": print},
            });
            if let Some(p) = place(f) {
                res["locations"] = json!([{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&p.file)},
                        "region": {"startLine": p.line, "startColumn": p.column},
                    }
                }]);
            }
            res
        })
        .collect();
    let rules: Vec<Value> = rules
        .iter()
        .map(|code| {
            json!({
                "id": code,
                "name": code,
                "shortDescription": {"text": code.replace('_', " ")},
                "properties": {"tags": ["opentelemetry", "collector"]},
            })
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "runner doctor collector",
                "version": r.version,
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).expect("SARIF serializes");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri("./deploy/otel col.yaml"), "deploy/otel%20col.yaml");
        assert_eq!(
            uri("/etc/otelcol/config.yaml"),
            "file:///etc/otelcol/config.yaml"
        );
        assert_eq!(uri("a\\b#1.yaml"), "a/b%231.yaml");
    }
}
