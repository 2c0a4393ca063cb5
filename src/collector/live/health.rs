//! The health_check extension's answer: HTTP status and its JSON body (v1 `{"status": "Server
//! available"}`, or v2 with `healthy` and per-component statuses).

use crate::facts::collector_live::{Answer, Health};
use crate::facts::peer_text::PeerText;
use serde_json::Value;

/// Component statuses v2 reports as failures.
const BAD: [&str; 3] = [
    "StatusRecoverableError",
    "StatusPermanentError",
    "StatusFatalError",
];

/// At most this many failing components are named.
const MAX_FAILING: usize = 10;

/// Reads an answer; `healthy` is false for any status but 200 or a body that says so.
pub fn read(a: &Answer) -> (Health, bool) {
    let v: Value = serde_json::from_slice(&a.body).unwrap_or(Value::Null);
    let status = v
        .get("status")
        .and_then(Value::as_str)
        .map(PeerText::from_text);
    let mut failing = Vec::new();
    walk(&v, "", 0, &mut failing);
    let said_unhealthy = v.get("healthy").and_then(Value::as_bool) == Some(false)
        || status
            .as_ref()
            .is_some_and(|s| BAD.contains(&s.as_str()) || s.as_str() == "Server not available");
    let healthy = a.status == 200 && !said_unhealthy;
    (
        Health {
            status_code: a.status,
            status,
            failing,
        },
        healthy,
    )
}

/// Collects the paths of components whose `status` is an error (bounded depth and count).
fn walk(v: &Value, path: &str, depth: usize, out: &mut Vec<PeerText>) {
    if depth > 8 || out.len() >= MAX_FAILING {
        return;
    }
    let Some(m) = v.as_object() else { return };
    if let Some(s) = m.get("status").and_then(Value::as_str) {
        if BAD.contains(&s) && !path.is_empty() && m.get("components").is_none() {
            out.push(PeerText::from_text(path));
        }
    }
    if let Some(c) = m.get("components").and_then(Value::as_object) {
        for (k, child) in c {
            let p = if path.is_empty() {
                k.clone()
            } else {
                format!("{path} → {k}")
            };
            walk(child, &p, depth + 1, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ans(status: u16, body: &str) -> Answer {
        Answer {
            status,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn v1_available_is_healthy_and_503_is_not() {
        let (h, ok) = read(&ans(200, r#"{"status":"Server available","upSince":"x"}"#));
        assert!(ok);
        assert_eq!(
            h.status.as_ref().map(PeerText::as_str),
            Some("Server available")
        );
        let (_, ok) = read(&ans(503, r#"{"status":"Server not available"}"#));
        assert!(!ok);
        let (_, ok) = read(&ans(500, "not json"));
        assert!(!ok);
    }

    #[test]
    fn v2_names_the_failing_component() {
        let body = r#"{"healthy":false,"status":"StatusRecoverableError","components":{
            "pipeline:logs":{"healthy":false,"status":"StatusRecoverableError","components":{
                "exporter:otlphttp/down":{"healthy":false,"status":"StatusRecoverableError"},
                "receiver:filelog":{"healthy":true,"status":"StatusOK"}}}}}"#;
        let (h, ok) = read(&ans(200, body));
        assert!(!ok);
        assert_eq!(
            h.failing,
            [PeerText::from("pipeline:logs → exporter:otlphttp/down")]
        );
    }
}
