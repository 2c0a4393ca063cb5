//! The collector's log (`--collector-log FILE`): the lines about a component, with their error
//! explained by `runner doctor explain`'s matcher. Console lines are tab-separated with a JSON
//! object of fields last; `encoding: json` lines are one JSON object.

use crate::facts::collector_live::LogLine;
use crate::facts::peer_text::PeerText;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Only the end of a large log is read.
pub const MAX_BYTES: u64 = 8 * 1024 * 1024;
/// Distinct lines kept per component.
const PER_COMPONENT: usize = 5;
/// Characters kept of a message or an error.
const CAP: usize = 400;

fn cap(s: &str) -> String {
    let mut out: String = s.chars().take(CAP).collect();
    if s.chars().count() > CAP {
        out.push('…');
    }
    out
}

/// Reads the tail of the log; the error is the OS error's kind.
pub fn read(path: &Path) -> Result<String, std::io::ErrorKind> {
    let mut f = std::fs::File::open(path).map_err(|e| e.kind())?;
    let len = f.metadata().map_err(|e| e.kind())?.len();
    if len > MAX_BYTES {
        f.seek(SeekFrom::Start(len - MAX_BYTES))
            .map_err(|e| e.kind())?;
    }
    let mut buf = Vec::new();
    f.take(MAX_BYTES)
        .read_to_end(&mut buf)
        .map_err(|e| e.kind())?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// The fields of one line: message, component id, error.
fn fields(line: &str) -> Option<(String, Option<String>, Option<String>)> {
    let (msg, obj) = if line.trim_start().starts_with('{') {
        let v: Value = serde_json::from_str(line.trim()).ok()?;
        let m = v
            .get("msg")
            .or_else(|| v.get("message"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        (m, v)
    } else {
        let parts: Vec<&str> = line.split('\t').collect();
        let obj = parts
            .last()
            .filter(|p| p.trim_start().starts_with('{'))
            .and_then(|p| serde_json::from_str::<Value>(p.trim()).ok())
            .unwrap_or(Value::Null);
        let msg = match parts.len() {
            0 | 1 => line,
            _ => parts
                .iter()
                .rev()
                .find(|p| !p.trim_start().starts_with('{'))
                .copied()
                .unwrap_or(""),
        };
        (msg.trim().to_owned(), obj)
    };
    let s = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_owned);
    let id = s("otelcol.component.id")
        .or_else(|| s("name"))
        .or_else(|| s("exporter"));
    Some((msg, id, s("error")))
}

/// Lines about each component that carry an error, deduplicated, in file order.
pub fn by_component(text: &str) -> BTreeMap<String, Vec<LogLine>> {
    let mut out: BTreeMap<String, Vec<LogLine>> = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let Some((msg, Some(id), error)) = fields(line) else {
            continue;
        };
        if error.is_none() && !msg.to_ascii_lowercase().contains("fail") {
            continue;
        }
        let lines = out.entry(cap(&id)).or_default();
        let error = error.map(|e| PeerText::from_text(&crate::redact::redact_text(&cap(&e))));
        let message = PeerText::from_text(&cap(&msg));
        if lines.len() >= PER_COMPONENT
            || lines
                .iter()
                .any(|l| l.message == message && l.error == error)
        {
            continue;
        }
        let said = error.as_ref().unwrap_or(&message).as_str().to_owned();
        let causes = crate::explain::explain(&said)
            .into_iter()
            .take(3)
            .map(|m| m.cause.code().to_owned())
            .collect();
        lines.push(LogLine {
            line: i + 1,
            message,
            error,
            causes,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const RETRY: &str = "2026-12-01T10:00:00.000Z\tinfo\tinternal/retry_sender.go:133\tExporting failed. Will retry the request after interval.\t{\"resource\": {\"service.name\": \"otelcol-contrib\"}, \"otelcol.component.id\": \"otlphttp/tls\", \"otelcol.component.kind\": \"exporter\", \"otelcol.signal\": \"logs\", \"error\": \"failed to make an HTTP request: Post \\\"https://127.0.0.1:4318/v1/logs\\\": http: server gave HTTP response to HTTPS client\", \"interval\": \"5.4s\"}";

    #[test]
    fn a_retry_line_is_attached_to_its_exporter_and_explained() {
        let text = format!("started\n{RETRY}\n{RETRY}\n");
        let m = by_component(&text);
        let l = &m["otlphttp/tls"];
        assert_eq!(l.len(), 1, "deduplicated");
        assert_eq!(l[0].line, 2);
        assert_eq!(
            l[0].message.as_str(),
            "Exporting failed. Will retry the request after interval."
        );
        assert_eq!(l[0].causes[0], "tls_to_plaintext");
    }

    #[test]
    fn json_lines_and_garbage() {
        let j = r#"{"level":"warn","msg":"Sender failed","otelcol.component.id":"batch","error":"dial tcp 127.0.0.1:9: connect: connection refused"}"#;
        let m = by_component(&format!("{j}\n\u{0}\t{{\n\t\t\t\n{{not json\n"));
        assert_eq!(m["batch"][0].causes[0], "tcp_refused");
        assert_eq!(m.len(), 1);
    }
}
