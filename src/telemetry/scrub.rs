//! Every string a span carries leaves through the egress scrubber: its name, each attribute
//! (not only exception text), its events' and links' attributes and its status message.

use opentelemetry::trace::Status;
use opentelemetry::{Array, KeyValue, StringValue, Value};
use opentelemetry_sdk::trace::SpanData;

/// The batch with the installed secrets replaced in every string value.
pub fn spans(mut batch: Vec<SpanData>) -> Vec<SpanData> {
    let secrets = crate::redact::egress::installed();
    if secrets.is_empty() {
        return batch;
    }
    let text = |s: &str| secrets.scrub(s);
    for span in &mut batch {
        let name = text(&span.name);
        if name != span.name {
            span.name = name.into();
        }
        attributes(&mut span.attributes, &text);
        for event in &mut span.events.events {
            attributes(&mut event.attributes, &text);
        }
        for link in &mut span.links.links {
            attributes(&mut link.attributes, &text);
        }
        if let Status::Error { description } = &mut span.status {
            *description = text(description).into();
        }
    }
    batch
}

fn attributes(list: &mut [KeyValue], text: &impl Fn(&str) -> String) {
    for kv in list {
        kv.value = value(&kv.value, text);
    }
}

fn value(v: &Value, text: &impl Fn(&str) -> String) -> Value {
    match v {
        Value::String(s) => Value::String(text(s.as_str()).into()),
        Value::Array(Array::String(items)) => Value::Array(Array::String(
            items
                .iter()
                .map(|s| StringValue::from(text(s.as_str())))
                .collect(),
        )),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::trace::{SpanContext, SpanKind};
    use opentelemetry_sdk::trace::{SpanEvents, SpanLinks};

    #[test]
    fn every_string_of_a_span_is_scrubbed() {
        let mut secrets = crate::redact::egress::Secrets::new();
        secrets.add("SPANSECRET9");
        secrets.add("q7");
        crate::redact::egress::install(&secrets);
        let mut events = SpanEvents::default();
        events.events.push(opentelemetry::trace::Event::new(
            "log",
            std::time::SystemTime::now(),
            vec![KeyValue::new("line", "token q7 SPANSECRET9")],
            0,
        ));
        let span = SpanData {
            span_context: SpanContext::empty_context(),
            parent_span_id: opentelemetry::trace::SpanId::INVALID,
            parent_span_is_remote: false,
            span_kind: SpanKind::Internal,
            name: "step SPANSECRET9".into(),
            start_time: std::time::SystemTime::now(),
            end_time: std::time::SystemTime::now(),
            attributes: vec![
                KeyValue::new("url.full", "https://u:q7@host/x"),
                KeyValue::new("runner.step.name", "echo SPANSECRET9"),
                KeyValue::new("n", 7i64),
                KeyValue::new(
                    "list",
                    Value::Array(Array::String(vec!["SPANSECRET9".into()])),
                ),
            ],
            dropped_attributes_count: 0,
            events,
            links: SpanLinks::default(),
            status: Status::error("failed: SPANSECRET9"),
            instrumentation_scope: Default::default(),
        };
        let out = format!("{:?}", spans(vec![span]));
        assert!(!out.contains("SPANSECRET9"), "{out}");
        assert!(!out.contains(":q7@") && !out.contains(" q7 "), "{out}");
        assert!(out.contains("I64(7)"), "{out}");
    }
}
