//! Fixes must work as written: every `runner ...` command and `--flag` in a fix parses with the
//! real command line, every `OTEL_*=value` names a variable the runner reads, and a fix the
//! doctor calls verified, applied as written, makes its finding go away.

use clap::Parser;
use serde_json::Value;

/// One actionable piece of a fix sentence.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    /// `runner doctor otel --insecure` (argv without the program name).
    Command(Vec<String>),
    /// `--timeout 6s`: a flag of `runner doctor otel`.
    Flag(Vec<String>),
    /// `OTEL_EXPORTER_OTLP_ENDPOINT=http://...`.
    Assign(String, String),
}

/// The backticked pieces of `fix` that are commands, flags or assignments. Pieces holding a
/// placeholder (`<token>`) are templates for the user to fill, not runnable as written.
pub fn pieces(fix: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    for (i, part) in fix.split('`').enumerate() {
        if i % 2 == 0 || part.contains('<') {
            continue;
        }
        let words: Vec<String> = part.split_whitespace().map(str::to_owned).collect();
        let is_flag = |w: &String| {
            w.starts_with("--") && w[2..].starts_with(|c: char| c.is_ascii_lowercase())
        };
        if words.first().is_some_and(|w| w == "runner") && words.len() > 1 {
            out.push(Piece::Command(words[1..].to_vec()));
        } else if words.first().is_some_and(is_flag) {
            out.push(Piece::Flag(words));
        } else if let Some((k, v)) = part.split_once('=') {
            let is_var = !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
            if is_var && !v.contains(' ') {
                out.push(Piece::Assign(k.to_owned(), v.to_owned()));
            }
        }
    }
    out
}

/// Problems with the fixes of `report` that need no server: commands and flags that do not
/// parse, variables the runner does not read.
pub fn static_problems(report: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for f in findings(report) {
        let cause = f["cause"].as_str().unwrap_or_default();
        for p in pieces(f["fix"].as_str().unwrap_or_default()) {
            let argv: Option<Vec<String>> = match &p {
                Piece::Command(a) => Some(a.clone()),
                Piece::Flag(a) => Some(
                    ["doctor", "otel"]
                        .iter()
                        .map(|s| s.to_string())
                        .chain(a.iter().cloned())
                        .collect(),
                ),
                Piece::Assign(k, _) => {
                    if k.starts_with("OTEL_")
                        && !runner::config::env::KNOWN_OTEL_VARS.contains(&k.as_str())
                    {
                        problems.push(format!("fix of {cause} sets unknown variable {k}"));
                    }
                    None
                }
            };
            if let Some(argv) = argv {
                let full = std::iter::once("runner".to_string()).chain(argv.iter().cloned());
                let mention = matches!(&p, Piece::Flag(a) if a.len() == 1);
                match runner::cli::Cli::try_parse_from(full) {
                    // A lone flag that takes a value is named, not suggested as written.
                    Err(e) if mention && e.kind() == clap::error::ErrorKind::InvalidValue => {}
                    Ok(_) => {}
                    Err(e) => {
                        let first = e.to_string();
                        let first = first.lines().next().unwrap_or_default().to_owned();
                        problems.push(format!(
                            "fix of {cause} suggests `{}`, which the command line rejects: {first}",
                            argv.join(" ")
                        ));
                    }
                }
            }
        }
    }
    problems
}

/// Verified fixes as assignments to apply one at a time: (cause, signal, variable, value).
pub fn verified_assignments(report: &Value) -> Vec<(String, String, String, String)> {
    let mut out = Vec::new();
    for f in findings(report) {
        if f["fix_verified"] != Value::Bool(true) {
            continue;
        }
        for p in pieces(f["fix"].as_str().unwrap_or_default()) {
            if let Piece::Assign(k, v) = p {
                out.push((
                    f["cause"].as_str().unwrap_or_default().to_owned(),
                    f["signal"].as_str().unwrap_or_default().to_owned(),
                    k,
                    v,
                ));
            }
        }
    }
    out
}

/// True when `report` still names `cause` for `signal`.
pub fn still_reported(report: &Value, cause: &str, signal: &str) -> bool {
    findings(report)
        .iter()
        .any(|f| f["cause"] == cause && (signal.is_empty() || f["signal"] == signal))
}

fn findings(report: &Value) -> Vec<Value> {
    report["findings"].as_array().cloned().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_of_a_fix() {
        let fix = "Set `OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4317` (plaintext), or drop \
                   the `--insecure` flag; run `runner doctor otel --no-canary`; set \
                   `authorization=Bearer <token>`.";
        assert_eq!(
            pieces(fix),
            vec![
                Piece::Assign(
                    "OTEL_EXPORTER_OTLP_ENDPOINT".into(),
                    "http://127.0.0.1:4317".into()
                ),
                Piece::Flag(vec!["--insecure".into()]),
                Piece::Command(vec!["doctor".into(), "otel".into(), "--no-canary".into()]),
            ]
        );
        let report = serde_json::json!({ "findings": [
            { "cause": "insecure_conflict", "fix": "remove it (`--insecure false`)" },
            { "cause": "x", "fix": "`OTEL_EXPORTER_OTLP_INSECURES=true`" }
        ]});
        assert_eq!(static_problems(&report).len(), 2);
    }
}
