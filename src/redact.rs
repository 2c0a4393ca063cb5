//! Secrets and redaction: every value that must never reach output lives in `Secret`, and every
//! text that leaves the program (reports, bundles, logs, echoed input) passes through here.
//!
//! A redacted value keeps its length and a short hash (`<redacted len=N sha256=abcdef12>`), so two
//! outputs can be compared without seeing the value. Keys, header names and structure are kept.

pub mod egress;
mod scrub;
mod text;

pub use scrub::Scrubber;
pub use text::redact_text;

use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};
use std::fmt;

/// A secret value (header value, token, key, URL password). Debug, Display and Serialize
/// show only its length and a short hash, enough to compare two secrets without seeing them.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The real value. Call only where the value leaves for its intended peer.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The redacted form: `<redacted len=N sha256=abcdef12>`.
    pub fn redacted(&self) -> String {
        redacted_marker(&self.0)
    }
}

/// The marker that stands in for a secret value in every output.
pub fn redacted_marker(value: &str) -> String {
    let digest = Sha256::digest(value.as_bytes());
    format!(
        "<redacted len={} sha256={}>",
        value.len(),
        hex::encode(&digest[..4])
    )
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.redacted())
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

/// Whether a marker already stands here (redaction is idempotent).
pub fn is_redacted(value: &str) -> bool {
    value.trim_start().starts_with("<redacted")
}

/// The marker for `value`, or `value` itself when it is already a marker.
fn mark(value: &str) -> String {
    if is_redacted(value) {
        value.to_string()
    } else {
        redacted_marker(value)
    }
}

/// Words that make a variable, key or parameter name secret (compared upper case).
const SECRET_WORDS: &[&str] = &[
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "KEY",
    "AUTH",
    "CREDENTIAL",
    "COOKIE",
    "SIGNATURE",
];

/// Whether the value of a variable, config key or header with this name must be redacted:
/// the name contains TOKEN, SECRET, PASSWORD, KEY, AUTH (and a few synonyms), any case.
pub fn is_secret_name(name: &str) -> bool {
    let up = name.to_ascii_uppercase();
    SECRET_WORDS.iter().any(|w| up.contains(w))
}

/// Whether a URL query parameter looks like a key (`api_key`, `token`, `sig`, `password`, ...).
pub fn is_secret_param(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    is_secret_name(&lower)
        || matches!(
            lower.as_str(),
            "sig" | "pwd" | "pass" | "code" | "jwt" | "session" | "sid" | "x-amz-security-token"
        )
}

/// Whether a variable holds an OTLP header list (`OTEL_EXPORTER_OTLP_HEADERS`,
/// `OTEL_EXPORTER_OTLP_TRACES_HEADERS`, ...): every value in it is a secret.
pub fn is_header_list_name(name: &str) -> bool {
    name.to_ascii_uppercase().ends_with("HEADERS")
}

/// Redacts a URL: the userinfo password and the values of key-like query (and fragment)
/// parameters. Tolerates strings that are not valid URLs (`host:4317`, `user:pw@host`).
pub fn redact_url(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(i) => (&url[..i + 3], &url[i + 3..]),
        None => ("", url),
    };
    let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(auth_end);
    let mut out = String::with_capacity(url.len() + 32);
    out.push_str(scheme);
    match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            match userinfo.find(':') {
                Some(c) => {
                    out.push_str(&userinfo[..=c]);
                    out.push_str(&mark(&userinfo[c + 1..]));
                }
                None => out.push_str(userinfo),
            }
            out.push_str(&authority[at..]);
        }
        None => out.push_str(authority),
    }
    // Path, then `?query`, then `#fragment`; parameters are `k=v` joined by `&`.
    let (before_frag, frag) = match tail.find('#') {
        Some(i) => (&tail[..i], Some(&tail[i + 1..])),
        None => (tail, None),
    };
    match before_frag.find('?') {
        Some(q) => {
            out.push_str(&before_frag[..=q]);
            out.push_str(&redact_params(&before_frag[q + 1..]));
        }
        None => out.push_str(before_frag),
    }
    if let Some(f) = frag {
        out.push('#');
        out.push_str(&redact_params(f));
    }
    out
}

fn redact_params(params: &str) -> String {
    params
        .split('&')
        .map(|p| match p.split_once('=') {
            Some((k, v)) if is_secret_param(k) && !v.is_empty() => format!("{k}={}", mark(v)),
            _ => p.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Redacts an OTLP header list `k=v,k2=v2`: every value, keeping every key.
pub fn redact_header_list(list: &str) -> String {
    list.split(',')
        .map(|item| match item.split_once('=') {
            Some((k, v)) => format!("{k}={}", mark(v)),
            None if item.trim().is_empty() => item.to_string(),
            None => mark(item),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Redacts the value of an environment variable: header lists value by value, secret names
/// whole, anything else as text (proxy URLs with passwords, pasted keys).
pub fn redact_env(name: &str, value: &str) -> String {
    if is_header_list_name(name) {
        redact_header_list(value)
    } else if is_secret_name(name) {
        mark(value)
    } else {
        redact_text(value)
    }
}

/// Redacts a parsed TOML document: values under secret keys and every header value are
/// replaced, other strings are redacted as text; keys and structure are kept.
pub fn redact_toml(table: &toml::Table) -> toml::Table {
    table
        .iter()
        .map(|(k, v)| (k.clone(), redact_toml_value(k, v, false)))
        .collect()
}

fn redact_toml_value(key: &str, value: &toml::Value, secret: bool) -> toml::Value {
    use toml::Value;
    let secret = secret || is_secret_name(key);
    match value {
        Value::String(s) if secret => Value::String(mark(s)),
        Value::String(s) => Value::String(redact_text(s)),
        Value::Table(t) => {
            // Every value under a `headers` table is a header value.
            let inner = secret || key.eq_ignore_ascii_case("headers");
            Value::Table(
                t.iter()
                    .map(|(k, v)| (k.clone(), redact_toml_value(k, v, inner)))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|v| redact_toml_value(key, v, secret))
                .collect(),
        ),
        other if secret => Value::String(mark(&other.to_string())),
        other => other.clone(),
    }
}

/// Redacts a JSON document: strings under secret keys are replaced, every other string is
/// redacted as text.
pub fn redact_json(value: &serde_json::Value) -> serde_json::Value {
    redact_json_value(None, value)
}

fn redact_json_value(key: Option<&str>, value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) if key.is_some_and(is_secret_name) => Value::String(mark(s)),
        Value::String(s) => Value::String(redact_text(s)),
        Value::Array(a) => Value::Array(a.iter().map(|v| redact_json_value(key, v)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), redact_json_value(Some(k), v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_prints_its_value() {
        let s = Secret::new("hunter2-token");
        for shown in [
            format!("{s}"),
            format!("{s:?}"),
            serde_json::to_string(&s).unwrap(),
        ] {
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(shown.contains("len=13"), "{shown}");
        }
    }
    #[test]
    fn url_password_and_key_params() {
        let out = redact_url(
            "http://user:PLANTEDPW@127.0.0.1:9/v1/traces?sig=abc123&ok=1#access_token=frag",
        );
        assert!(
            !out.contains("PLANTEDPW") && !out.contains("abc123") && !out.contains("frag"),
            "{out}"
        );
        assert!(out.starts_with("http://user:<redacted len=9 "), "{out}");
        assert!(
            out.contains("@127.0.0.1:9/v1/traces?sig=<redacted") && out.contains("&ok=1#"),
            "{out}"
        );
        assert_eq!(
            redact_url("https://collector:4317"),
            "https://collector:4317"
        );
        assert_eq!(
            redact_url("grpc://user@host:4317/"),
            "grpc://user@host:4317/"
        );
        assert!(!redact_url("u:pw123@host:4317").contains("pw123"));
        assert_eq!(
            redact_url(&redact_url("http://a:b@c/?token=d")),
            redact_url("http://a:b@c/?token=d")
        );
    }

    #[test]
    fn env_values_by_name() {
        let out = redact_env(
            "OTEL_EXPORTER_OTLP_HEADERS",
            "Authorization=Bearer%20xyz987,tenant=acme",
        );
        assert!(!out.contains("xyz987") && !out.contains("acme"), "{out}");
        assert!(
            out.starts_with("Authorization=<redacted len=15 ") && out.contains(",tenant=<redacted"),
            "{out}"
        );
        for name in [
            "MY_API_KEY",
            "RUNNER_TOKEN",
            "DB_PASSWORD",
            "CLIENT_SECRET",
            "X_AUTH",
            "api_key",
        ] {
            assert_eq!(
                redact_env(name, "hunter22"),
                redacted_marker("hunter22"),
                "{name}"
            );
        }
        assert_eq!(
            redact_env("HTTPS_PROXY", "http://proxy:3128"),
            "http://proxy:3128"
        );
        assert!(!redact_env("HTTPS_PROXY", "http://u:proxypw@proxy:3128").contains("proxypw"));
        assert_eq!(redact_env("OTEL_SERVICE_NAME", "ci"), "ci");
    }

    #[test]
    fn toml_keeps_keys_and_structure() {
        let doc: toml::Table = toml::from_str(
            r#"
            concurrent = 2
            [[runners]]
            name = "r1"
            token = "glrt-runnertoken123"
            [otel]
            endpoint = "http://user:urlpw999@127.0.0.1:9"
            client_key = "/etc/key.pem"
            [otel.headers]
            Authorization = "Bearer hdrvalue77"
            x-tenant = "acme"
            "#,
        )
        .unwrap();
        let out = toml::to_string(&redact_toml(&doc)).unwrap();
        for secret in [
            "runnertoken123",
            "urlpw999",
            "hdrvalue77",
            "acme",
            "/etc/key.pem",
        ] {
            assert!(!out.contains(secret), "{secret} in {out}");
        }
        for kept in [
            "concurrent = 2",
            "name = \"r1\"",
            "[otel.headers]",
            "Authorization = \"<redacted",
            "x-tenant",
            "http://user:<redacted",
        ] {
            assert!(out.contains(kept), "{kept} missing from {out}");
        }
        let again: toml::Table = toml::from_str(&out).unwrap();
        assert_eq!(toml::to_string(&redact_toml(&again)).unwrap(), out);
    }

    #[test]
    fn json_by_key_and_text() {
        let v = serde_json::json!({"token": "abcdef1", "nested": {"note": "Authorization: Bearer qwerty12"}, "n": 3});
        let out = redact_json(&v).to_string();
        assert!(
            !out.contains("abcdef1") && !out.contains("qwerty12"),
            "{out}"
        );
        assert!(out.contains("\"n\":3"), "{out}");
    }
}
