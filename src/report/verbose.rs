//! `-v`: a stage's evidence as `curl -v` shows an exchange, in order: `>` what the doctor sent,
//! `<` what came back, `*` what it noted. Never raw JSON or hex; every value escaped as peer text.

use crate::facts::peer_text::visible;
use serde_json::{Map, Value};

/// Keys of what the doctor sent.
const SENT: &[&str] = &[
    "probe",
    "sent",
    "requested",
    "server_name",
    "offered_alpn",
    "grpc_encoding_sent",
    "content_encoding_sent",
    "tunnel",
];

/// Keys of what came back.
const RECEIVED: &[&str] = &[
    "answer",
    "answers",
    "greeting",
    "first_bytes_text",
    "alpn",
    "content_type",
    "content_length",
    "grpc_status",
    "grpc_message",
    "grpc_accept_encoding",
    "serving_status",
    "proxy_authenticate",
    "body",
    "body_end",
    "bytes_received",
    "bytes_read",
    "body_bytes_read",
    "read_error",
    "peer_closed",
    "status",
    "code",
    "message",
    "rcode",
    "a",
    "aaaa",
];

/// Keys shown elsewhere or not worth a line: the request line's parts, hex (its text is shown).
const SKIP: &[&str] = &[
    "method",
    "path",
    "http_version",
    "http_status",
    "first_bytes_hex",
    "elapsed_ms",
];

/// The exchange lines of one piece of evidence (no indent, no newline).
pub(super) fn exchange(evidence: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(map) = evidence.as_object() {
        match (map.get("export"), map.get("url").and_then(Value::as_str)) {
            (Some(Value::Object(export)), Some(url)) => canary(&mut out, map, export, url),
            _ => object(&mut out, "", map),
        }
    }
    out
}

/// The canary: one span exported by the runner's own exporter, and what came of it.
fn canary(out: &mut Vec<String>, map: &Map<String, Value>, export: &Map<String, Value>, url: &str) {
    let spans = export.get("spans").and_then(Value::as_u64).unwrap_or(0);
    out.push(format!(
        "> export {spans} span{} to {}",
        if spans == 1 { "" } else { "s" },
        visible(url)
    ));
    if let Some(Value::Object(outcome)) = export.get("outcome") {
        let what = outcome.get("outcome").map(scalar).unwrap_or_default();
        let kind = outcome
            .get("kind")
            .map(|k| format!(" ({})", scalar(k)))
            .unwrap_or_default();
        let chain = outcome
            .get("chain")
            .map(|c| format!(": {}", scalar(c).replace(", ", ": ")))
            .unwrap_or_default();
        let ms = export.get("latency_ms").map(scalar).unwrap_or_default();
        out.push(format!("< {what}{kind}{chain} after {ms} ms"));
    }
    for (key, v) in map
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "export" | "url"))
    {
        match v {
            Value::Null => {}
            v => out.push(format!("* {}: {}", key.replace('_', " "), pairs(v))),
        }
    }
}

fn object(out: &mut Vec<String>, prefix: &str, map: &Map<String, Value>) {
    let version = map
        .get("http_version")
        .and_then(Value::as_str)
        .unwrap_or("");
    if let Some(path) = map.get("path").and_then(Value::as_str) {
        let method = map.get("method").and_then(Value::as_str).unwrap_or("POST");
        out.push(
            format!("> {method} {} {version}", visible(path))
                .trim_end()
                .to_string(),
        );
    }
    let status = ["http_status", "status"]
        .iter()
        .find_map(|k| map.get(*k).filter(|s| s.is_u64()));
    if let Some(status) = status {
        let version = if version.is_empty() { "HTTP" } else { version };
        out.push(format!("< {version} {}", scalar(status)));
    } else if !version.is_empty() && map.get("path").is_none() {
        out.push(format!("< {version}"));
    }
    for (mark, keys) in [(">", SENT), ("<", RECEIVED)] {
        for key in keys {
            if (*key == "status" && status.is_some())
                || (*key == "first_bytes_text" && map.contains_key("greeting"))
            {
                continue;
            }
            if let Some(v) = map.get(*key) {
                entry(out, mark, prefix, key, v);
            }
        }
    }
    for (key, v) in map {
        let known = (key == "status" && status.is_some())
            || (key == "first_bytes_text" && map.contains_key("greeting"))
            || SENT.contains(&key.as_str())
            || RECEIVED.contains(&key.as_str())
            || SKIP.contains(&key.as_str());
        if !known {
            entry(out, "*", prefix, key, v);
        }
    }
}

fn entry(out: &mut Vec<String>, mark: &str, prefix: &str, key: &str, v: &Value) {
    let name = key.replace('_', " ");
    match v {
        Value::Null => {}
        Value::String(t) if t.is_empty() => {}
        Value::Object(m) if m.is_empty() => {}
        Value::Object(m) => object(out, &format!("{prefix}{name}: "), m),
        Value::Array(items) if items.iter().all(Value::is_object) => {
            for item in items {
                out.push(format!("{mark} {prefix}{name}: {}", pairs(item)));
            }
        }
        Value::Number(n) if key == "grpc_status" => {
            let code = n.as_u64().and_then(crate::facts::grpc_code::name);
            out.push(format!(
                "{mark} {prefix}grpc-status: {n}{}",
                code.map(|c| format!(" ({c})")).unwrap_or_default()
            ));
        }
        v => out.push(format!("{mark} {prefix}{name}: {}", scalar(v))),
    }
}

/// An object on one line as `key=value` pairs.
fn pairs(v: &Value) -> String {
    match v {
        Value::Object(m) => m
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| match v {
                Value::Object(_) => format!("{k}=({})", pairs(v)),
                v => format!("{k}={}", scalar(v)),
            })
            .collect::<Vec<_>>()
            .join(" "),
        v => scalar(v),
    }
}

/// A value as text: strings escaped (no quotes), arrays joined, objects as pairs.
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => visible(s).replace('\n', "\\n"),
        Value::Array(items) => items.iter().map(scalar).collect::<Vec<_>>().join(", "),
        Value::Object(_) => pairs(v),
        Value::Null => "-".to_string(),
        v => v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_export_reads_as_request_and_answer() {
        let lines = exchange(&json!({
            "path": "/v1/traces", "http_version": "HTTP/1.1", "http_status": 200,
            "content_type": "application/x-protobuf", "elapsed_ms": 3, "first_bytes_hex": "00ff"
        }));
        assert_eq!(
            lines,
            [
                "> POST /v1/traces HTTP/1.1",
                "< HTTP/1.1 200",
                "< content type: application/x-protobuf",
            ]
        );
        let grpc = exchange(
            &json!({"grpc_status": 12, "attempts": [{"address": "a:1", "result": "connected"}]}),
        );
        assert_eq!(
            grpc,
            [
                "< grpc-status: 12 (UNIMPLEMENTED)",
                "* attempts: address=a:1 result=connected"
            ]
        );
    }

    #[test]
    fn no_raw_control_or_json() {
        let lines = exchange(&json!({"body": "a\u{1b}[2J\nb", "x": {"y": [1, 2]}}));
        assert_eq!(lines, ["< body: a\\x1b[2J\\nb", "* x: y: 1, 2"]);
    }
}
