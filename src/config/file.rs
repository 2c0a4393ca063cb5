//! The runner's `config.toml` (GitLab Runner style) and its `[otel]` table.

use crate::redact::Secret;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use toml::de::DeTable;

/// Why the configuration could not be loaded: the exit-2 cases of `docs/exit-codes.md`.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {path}: {message}")]
    Unreadable { path: PathBuf, message: String },
    #[error("config file {path}, line {line}, column {column}: {message}")]
    Syntax {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("config file {path}: {field}: {message}")]
    Field {
        path: PathBuf,
        field: String,
        message: String,
    },
    #[error("{flag}: {message}")]
    Flag { flag: String, message: String },
    /// A value of the right type that cannot work (`listen_address = "9252"`).
    #[error("config file {path}, line {line}, column {column}: {field}: {message}")]
    Value {
        path: PathBuf,
        line: usize,
        column: usize,
        field: String,
        message: String,
    },
    #[error(
        "config file {path}, line {line}, column {column}: unknown key `{key}` in {table}{}",
        suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default()
    )]
    UnknownKey {
        path: PathBuf,
        line: usize,
        column: usize,
        key: String,
        /// `the top level`, `[otel]` or `[[runners]]`.
        table: String,
        /// The nearest valid key, when one is close enough to be a typo.
        suggestion: Option<String>,
    },
}

/// The whole `config.toml`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunnerConfig {
    /// How many jobs run at once, over all runners.
    #[serde(default = "default_concurrent")]
    pub concurrent: usize,
    /// Seconds between job requests.
    #[serde(default = "default_check_interval")]
    pub check_interval: u64,
    /// Seconds running jobs get to finish after SIGTERM.
    #[serde(default = "default_shutdown_timeout")]
    pub shutdown_timeout: u64,
    /// The runner's own log file, whose tail goes into support bundles.
    #[serde(default)]
    pub log_file: Option<PathBuf>,
    /// `HOST:PORT` where `runner run` serves `/metrics` and `/healthz`; unset: no server.
    #[serde(default)]
    pub listen_address: Option<String>,
    #[serde(default)]
    pub runners: Vec<RunnerEntry>,
    #[serde(default)]
    pub otel: OtelTable,
}

fn default_concurrent() -> usize {
    1
}
fn default_check_interval() -> u64 {
    3
}
fn default_shutdown_timeout() -> u64 {
    30
}

/// One `[[runners]]` entry.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunnerEntry {
    pub name: String,
    /// The coordinator's base URL, e.g. `https://gitlab.example.com/`.
    pub url: String,
    pub token: Secret,
    /// Only `shell` is supported.
    pub executor: String,
    #[serde(default)]
    pub builds_dir: Option<PathBuf>,
}

/// The `[otel]` table: every exporter setting of `docs/settings.md`. Unknown keys are reported with
/// the nearest valid key by the loader (not by serde, whose message cannot suggest).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OtelTable {
    pub endpoint: Option<String>,
    pub traces_endpoint: Option<String>,
    pub metrics_endpoint: Option<String>,
    pub logs_endpoint: Option<String>,
    pub protocol: Option<String>,
    pub headers: Option<toml::Table>,
    pub insecure: Option<bool>,
    pub certificate: Option<PathBuf>,
    pub client_certificate: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    pub compression: Option<String>,
    /// Milliseconds, or a duration string such as `10s`.
    pub timeout: Option<toml::Value>,
    pub service_name: Option<String>,
    pub resource_attributes: Option<toml::Table>,
    /// `otlp`, `console`, `file`, `none`.
    pub exporter: Option<String>,
    /// Path for the `file` exporter.
    pub exporter_path: Option<PathBuf>,
    pub sampler: Option<String>,
    pub sampler_arg: Option<String>,
    /// Which signals to export: `["traces"]` by default.
    pub signals: Option<Vec<String>>,
    /// `off`, `warn` (default), `strict`.
    pub preflight: Option<String>,
    /// Pre-flight budget, e.g. `2s`.
    pub preflight_budget: Option<String>,
    /// How often a still-broken export is diagnosed again at run time, e.g. `15m`.
    pub doctor_interval: Option<String>,
}

/// Valid keys at the top level of `config.toml`.
pub const TOP_KEYS: &[&str] = &[
    "concurrent",
    "check_interval",
    "shutdown_timeout",
    "log_file",
    "listen_address",
    "runners",
    "otel",
];

/// Valid keys of a `[[runners]]` entry.
pub const RUNNER_KEYS: &[&str] = &["name", "url", "token", "executor", "builds_dir"];

/// Valid keys of the `[otel]` table.
pub const OTEL_KEYS: &[&str] = &[
    "endpoint",
    "traces_endpoint",
    "metrics_endpoint",
    "logs_endpoint",
    "protocol",
    "headers",
    "insecure",
    "certificate",
    "client_certificate",
    "client_key",
    "compression",
    "timeout",
    "service_name",
    "resource_attributes",
    "exporter",
    "exporter_path",
    "sampler",
    "sampler_arg",
    "signals",
    "preflight",
    "preflight_budget",
    "doctor_interval",
];

/// Reads and parses a config file. Syntax errors, wrong types and unknown keys are errors
/// naming the file, line and column (the exit-2 cases of `docs/exit-codes.md`).
pub fn read(path: &Path) -> Result<RunnerConfig, ConfigError> {
    let text = read_text(path)?;
    parse(path, &text)
}

/// The largest config file read (a real one is a few KiB).
pub const MAX_SIZE: u64 = 1024 * 1024;
/// The deepest nesting of arrays, inline tables and dotted keys accepted.
pub const MAX_DEPTH: usize = 64;
/// The most entries of `[otel.headers]` (as `kv::MAX_ENTRIES` for the variables).
pub const MAX_HEADERS: usize = super::kv::MAX_ENTRIES;

/// Reads at most `MAX_SIZE` bytes of UTF-8 text; a larger file or invalid UTF-8 is an error
/// naming the file (and the line of the first bad byte).
pub fn read_text(path: &Path) -> Result<String, ConfigError> {
    use std::io::Read;
    let unreadable = |message: String| ConfigError::Unreadable {
        path: path.to_owned(),
        message,
    };
    let file = std::fs::File::open(path).map_err(|e| {
        unreadable(match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_owned(),
            _ => e.to_string(),
        })
    })?;
    let mut bytes = Vec::new();
    file.take(MAX_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| unreadable(e.to_string()))?;
    if bytes.len() as u64 > MAX_SIZE {
        return Err(unreadable(format!(
            "larger than the limit of {} bytes (1 MiB); a runner config is a few KiB",
            MAX_SIZE
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        let good = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = bytes[..good].iter().filter(|b| **b == b'\n').count() + 1;
        let column = good
            - bytes[..good]
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |i| i + 1)
            + 1;
        ConfigError::Syntax {
            path: path.to_owned(),
            line,
            column,
            message: format!(
                "not valid UTF-8 (byte 0x{:02x}); save the file as UTF-8",
                bytes[good]
            ),
        }
    })
}

/// The first place where arrays, inline tables or dotted keys nest deeper than `MAX_DEPTH`
/// (checked before parsing, whose recursion would cost memory first).
fn too_deep(text: &str) -> Option<usize> {
    let (mut depth, mut dots) = (0usize, 0usize);
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut comment = false;
    for (i, c) in text.char_indices() {
        if comment {
            if c == '\n' {
                comment = false;
                dots = 0;
            }
            continue;
        }
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' && q == '"' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '#' => comment = true,
            '[' | '{' => depth += 1,
            ']' | '}' => depth = depth.saturating_sub(1),
            '.' => dots += 1,
            '=' | ',' | '\n' => dots = 0,
            _ => {}
        }
        if depth > MAX_DEPTH || dots > MAX_DEPTH {
            return Some(i);
        }
    }
    None
}

/// Parses config text; `path` is only used in error messages.
pub fn parse(path: &Path, text: &str) -> Result<RunnerConfig, ConfigError> {
    let syntax = |e: toml::de::Error| {
        let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
        ConfigError::Syntax {
            path: path.to_owned(),
            line,
            column,
            message: e.message().trim().to_owned(),
        }
    };
    if let Some(at) = too_deep(text) {
        let (line, column) = line_col(text, at);
        return Err(ConfigError::Syntax {
            path: path.to_owned(),
            line,
            column,
            message: format!("nested deeper than the limit of {MAX_DEPTH} levels"),
        });
    }
    let doc = DeTable::parse(text).map_err(syntax)?;
    check_keys(path, text, doc.get_ref())?;
    check_headers(path, text, doc.get_ref())?;
    check_values(path, text, doc.get_ref())?;
    toml::from_str(text).map_err(|e| match syntax(e) {
        // Type errors quote the value (`invalid type: integer `1234`, expected a string`), which
        // may be a token: keep the types, drop the value.
        ConfigError::Syntax {
            path,
            line,
            column,
            message,
        } => ConfigError::Syntax {
            path,
            line,
            column,
            message: without_quoted(&message),
        },
        other => other,
    })
}

/// Removes `"..."` and `` `...` `` segments (and the space before them) from a message.
fn without_quoted(message: &str) -> String {
    let mut out = String::new();
    let mut closing: Option<char> = None;
    for c in message.chars() {
        match closing {
            Some(q) if c == q => closing = None,
            Some(_) => {}
            None if c == '"' || c == '`' => {
                closing = Some(c);
                if out.ends_with(' ') {
                    out.pop();
                }
            }
            None => out.push(c),
        }
    }
    out
}

/// `[otel.headers]` holds at most `MAX_HEADERS` strings: another type is a wrong type (exit 2,
/// as every wrong type is), not a finding.
fn check_headers(path: &Path, text: &str, doc: &DeTable<'_>) -> Result<(), ConfigError> {
    let Some(headers) = doc
        .get("otel")
        .and_then(|v| v.get_ref().as_table())
        .and_then(|o| o.get("headers"))
    else {
        return Ok(());
    };
    let at = |offset: usize, message: String| {
        let (line, column) = line_col(text, offset);
        ConfigError::Syntax {
            path: path.to_owned(),
            line,
            column,
            message,
        }
    };
    let Some(table) = headers.get_ref().as_table() else {
        return Err(at(
            headers.span().start,
            "otel.headers: invalid type, expected a table of strings".into(),
        ));
    };
    if table.len() > MAX_HEADERS {
        return Err(at(
            headers.span().start,
            format!("otel.headers: more than the limit of {MAX_HEADERS} headers"),
        ));
    }
    for (name, value) in table {
        if value.get_ref().as_str().is_none() {
            return Err(at(
                value.span().start,
                format!(
                    "otel.headers.{}: invalid type, expected a string",
                    name.get_ref()
                ),
            ));
        }
    }
    Ok(())
}

/// Rejects unknown keys before serde does, so the message can name the nearest valid key.
fn check_keys(path: &Path, text: &str, doc: &DeTable<'_>) -> Result<(), ConfigError> {
    check_table(path, text, doc, TOP_KEYS, "the top level")?;
    if let Some(otel) = doc.get("otel").and_then(|v| v.get_ref().as_table()) {
        check_table(path, text, otel, OTEL_KEYS, "[otel]")?;
    }
    if let Some(runners) = doc.get("runners").and_then(|v| v.get_ref().as_array()) {
        for entry in runners {
            if let Some(t) = entry.get_ref().as_table() {
                check_table(path, text, t, RUNNER_KEYS, "[[runners]]")?;
            }
        }
    }
    Ok(())
}

/// Values the runner cannot work with, named with their line (string values only: a wrong type
/// is serde's error below).
fn check_values(path: &Path, text: &str, doc: &DeTable<'_>) -> Result<(), ConfigError> {
    type Check = fn(&str) -> Result<(), String>;
    let listen: Check = |s| super::listen::parse_listen_address(s).map(drop);
    let interval: Check = |s| super::listen::parse_doctor_interval(s).map(drop);
    let otel = doc.get("otel").and_then(|v| v.get_ref().as_table());
    let checks = [
        (doc.get("listen_address"), "listen_address", listen),
        (
            otel.and_then(|t| t.get("doctor_interval")),
            "otel.doctor_interval",
            interval,
        ),
    ];
    for (value, field, check) in checks {
        let Some(value) = value else { continue };
        let Some(s) = value.get_ref().as_str() else {
            continue;
        };
        if let Err(message) = check(s) {
            let (line, column) = line_col(text, value.span().start);
            return Err(ConfigError::Value {
                path: path.to_owned(),
                line,
                column,
                field: field.to_owned(),
                message,
            });
        }
    }
    Ok(())
}

fn check_table(
    path: &Path,
    text: &str,
    table: &DeTable<'_>,
    valid: &[&str],
    name: &str,
) -> Result<(), ConfigError> {
    for key in table.keys() {
        if !valid.contains(&key.get_ref().as_ref()) {
            let (line, column) = line_col(text, key.span().start);
            return Err(ConfigError::UnknownKey {
                path: path.to_owned(),
                line,
                column,
                key: key.get_ref().to_string(),
                table: name.to_owned(),
                suggestion: nearest(key.get_ref(), valid).map(str::to_owned),
            });
        }
    }
    Ok(())
}

/// The candidate nearest to `word`, when it is close enough to be a typo of it.
pub fn nearest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let word_l = word.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(&word_l, &c.to_ascii_lowercase()), *c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, column)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse(Path::new("c.toml"), text).unwrap_err().to_string()
    }

    #[test]
    fn every_otel_key_is_accepted() {
        let body: String = OTEL_KEYS
            .iter()
            .map(|k| match *k {
                "headers" | "resource_attributes" => format!("{k} = {{}}\n"),
                "insecure" => format!("{k} = true\n"),
                "signals" => format!("{k} = [\"traces\"]\n"),
                "timeout" => format!("{k} = 10\n"),
                "doctor_interval" => format!("{k} = \"15m\"\n"),
                _ => format!("{k} = \"x\"\n"),
            })
            .collect();
        parse(Path::new("c.toml"), &format!("[otel]\n{body}")).unwrap();
    }

    #[test]
    fn syntax_error_names_line_and_column() {
        let e = err("concurrent = 1\n[otel]\nendpoint = \"http://x\n");
        assert!(e.contains("c.toml, line 3, column"), "{e}");
    }

    #[test]
    fn unknown_otel_key_suggests_nearest() {
        let e = err("[otel]\nendpont = \"http://x\"\n");
        assert!(e.contains("unknown key `endpont` in [otel]"), "{e}");
        assert!(e.contains("did you mean `endpoint`?"), "{e}");
        assert!(e.contains("line 2, column 1"), "{e}");
    }

    #[test]
    fn unknown_runner_and_top_keys() {
        let e = err("[[runners]]\nname = \"a\"\nurl = \"u\"\ntokn = \"t\"\nexecutor = \"shell\"\n");
        assert!(
            e.contains("`tokn` in [[runners]]") && e.contains("`token`"),
            "{e}"
        );
        let e = err("concurrency = 2\n");
        assert!(
            e.contains("`concurrency` in the top level") && e.contains("`concurrent`"),
            "{e}"
        );
    }

    #[test]
    fn wrong_type_names_line_but_not_the_value() {
        let e = err("[otel]\ninsecure = \"yes\"\n");
        assert!(e.contains("line 2") && e.contains("boolean"), "{e}");
        let e = err(
            "[[runners]]\nname = \"a\"\nurl = \"u\"\ntoken = 987654321\nexecutor = \"shell\"\n",
        );
        assert!(e.contains("line 4") && !e.contains("987654321"), "{e}");
    }

    #[test]
    fn listen_address_and_doctor_interval_are_checked_with_their_line() {
        let ok = parse(
            Path::new("c.toml"),
            "listen_address = \"127.0.0.1:9252\"\n[otel]\ndoctor_interval = \"5m\"\n",
        )
        .unwrap();
        assert_eq!(ok.listen_address.as_deref(), Some("127.0.0.1:9252"));
        assert_eq!(ok.otel.doctor_interval.as_deref(), Some("5m"));
        let e = err("concurrent = 1\nlisten_address = \"9252\"\n");
        assert!(
            e.contains("c.toml, line 2, column 18: listen_address: no port; expected HOST:PORT"),
            "{e}"
        );
        let e = err("[otel]\n\ndoctor_interval = \"often\"\n");
        assert!(
            e.contains("line 3") && e.contains("otel.doctor_interval") && e.contains("15m"),
            "{e}"
        );
        let e = err("listen_adress = \"127.0.0.1:1\"\n");
        assert!(e.contains("did you mean `listen_address`?"), "{e}");
        let e = err("[otel]\ndoctor_intervall = \"1m\"\n");
        assert!(e.contains("did you mean `doctor_interval`?"), "{e}");
    }

    #[test]
    fn line_col_counts_characters() {
        assert_eq!(line_col("ab\ncdé", 7), (2, 4));
        assert_eq!(line_col("ab\ncdé", 5), (2, 3));
        assert_eq!(line_col("x", 0), (1, 1));
    }
}

#[cfg(test)]
mod bounds_tests {
    use super::*;

    fn read_err(bytes: &[u8]) -> String {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        std::fs::write(&p, bytes).unwrap();
        read(&p).unwrap_err().to_string()
    }

    #[test]
    fn size_depth_utf8_and_header_types_are_exit_2_errors_naming_the_place() {
        let big = format!(
            "[otel]\nservice_name = \"{}\"\n",
            "x".repeat(2 * 1024 * 1024)
        );
        let e = read_err(big.as_bytes());
        assert!(e.contains("config.toml") && e.contains("1 MiB"), "{e}");
        let deep = format!("a = {}{}\n", "[".repeat(2000), "]".repeat(2000));
        let e = read_err(deep.as_bytes());
        assert!(e.contains("line 1") && e.contains("64 levels"), "{e}");
        let dotted = format!("{} = 1\n", vec!["a"; 100].join("."));
        assert!(read_err(dotted.as_bytes()).contains("64 levels"));
        let e = read_err(b"[otel]\nservice_name = \"ok\"\nendpoint = \"http://\xff\"\n");
        assert!(e.contains("line 3") && e.contains("UTF-8"), "{e}");
        let e = read_err(b"[otel.headers]\nauthorization = \"Bearer x\"\nx-n = 5\n");
        assert!(
            e.contains("line 3")
                && e.contains("otel.headers.x-n")
                && e.contains("expected a string"),
            "{e}"
        );
        let many: String = (0..300).map(|i| format!("h{i} = \"v\"\n")).collect();
        let e = read_err(format!("[otel.headers]\n{many}").as_bytes());
        assert!(e.contains("limit of 256 headers"), "{e}");
        // Nesting within the cap and dots inside strings are fine.
        let ok = b"[otel]\nendpoint = \"http://a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a.b.c.d.e.f.g.h.i.j.k.l.m.n:4317\"\n";
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        std::fs::write(&p, ok).unwrap();
        assert!(read(&p).is_ok());
    }
}
