//! `runner doctor collector --output codequality`: the findings as GitLab Code Quality JSON (the
//! Code Climate subset GitLab's merge-request widget reads), each with a stable fingerprint.

use super::collector::{fingerprints, place, repo_path, CollectorReport};
use crate::cause::Severity;
use serde_json::{json, Value};

fn severity(s: Severity) -> &'static str {
    match s {
        // The collector refuses to start, or telemetry stops: nothing else outranks that.
        Severity::Error => "critical",
        Severity::Warning => "minor",
        Severity::Info => "info",
    }
}

pub fn render(r: &CollectorReport) -> String {
    let prints = fingerprints(r);
    // Findings about the running collector have no line; they are shown on the first file.
    let first = r
        .settings
        .get("files")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(Value::as_str)
        .map(str::to_owned);
    let issues: Vec<Value> = r
        .findings
        .iter()
        .zip(&prints)
        .filter_map(|(f, print)| {
            let (path, line) = match place(f) {
                Some(p) => (p.file, p.line),
                None => (first.clone()?, 1),
            };
            let mut description = f.summary.clone();
            if !f.fix.is_empty() {
                description.push_str(if description.ends_with('.') {
                    " "
                } else {
                    ". "
                });
                description.push_str("Fix: ");
                description.push_str(&f.fix);
            }
            Some(json!({
                "type": "issue",
                "check_name": f.cause.code(),
                "description": description,
                "content": {"body": f.explanation},
                "categories": ["Bug Risk"],
                "fingerprint": print,
                "severity": severity(f.severity),
                "location": {"path": repo_path(&path), "lines": {"begin": line}},
            }))
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&issues).expect("Code Quality serializes");
    s.push('\n');
    s
}
