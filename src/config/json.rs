//! The report's `settings` object: every effective value as `{"value", "source"}`, keyed by
//! signal, then the global values and `shadowed`. Header values are redacted, names kept.

use super::global::{exporter_name, sampler_name};
use super::settings::*;
use super::Loaded;
use serde_json::{json, Map, Value};

fn entry<T: serde::Serialize>(value: T, source: &Source) -> Value {
    json!({ "value": value, "source": source })
}

fn opt_path(p: &Option<Sourced<std::path::PathBuf>>) -> Option<Value> {
    p.as_ref()
        .map(|p| entry(p.value.display().to_string(), &p.source))
}

fn signal_json(s: &SignalSettings) -> Value {
    let mut m = Map::new();
    m.insert(
        "endpoint".into(),
        entry(&s.endpoint_raw.value, &s.endpoint_raw.source),
    );
    if let Some(url) = &s.url {
        m.insert("url".into(), entry(url, &s.endpoint_raw.source));
    }
    m.insert(
        "protocol".into(),
        entry(s.protocol.value, &s.protocol.source),
    );
    let headers: Map<String, Value> = s
        .headers
        .value
        .iter()
        .map(|h| (h.name.clone(), Value::String(h.value.redacted())))
        .collect();
    m.insert("headers".into(), entry(headers, &s.headers.source));
    m.insert(
        "insecure".into(),
        entry(s.insecure.value, &s.insecure.source),
    );
    for (k, v) in [
        ("certificate", &s.certificate),
        ("client_certificate", &s.client_certificate),
        ("client_key", &s.client_key),
    ] {
        if let Some(v) = opt_path(v) {
            m.insert(k.into(), v);
        }
    }
    m.insert(
        "compression".into(),
        entry(s.compression.value, &s.compression.source),
    );
    m.insert(
        "timeout".into(),
        entry(
            humantime::format_duration(s.timeout.value).to_string(),
            &s.timeout.source,
        ),
    );
    Value::Object(m)
}

pub fn settings(loaded: &Loaded) -> Value {
    let st = &loaded.settings;
    let mut m = Map::new();
    m.insert(
        "config_file".into(),
        json!(loaded.path.as_ref().map(|p| p.display().to_string())),
    );
    for s in &st.signals {
        m.insert(s.signal.as_str().into(), signal_json(s));
    }
    if let Some(n) = &st.service_name {
        m.insert("service_name".into(), entry(&n.value, &n.source));
    }
    let attrs: Map<String, Value> = st
        .resource_attributes
        .value
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    m.insert(
        "resource_attributes".into(),
        entry(attrs, &st.resource_attributes.source),
    );
    m.insert(
        "sdk_disabled".into(),
        entry(st.sdk_disabled.value, &st.sdk_disabled.source),
    );
    m.insert(
        "traces_exporter".into(),
        entry(
            exporter_name(&st.traces_exporter.value),
            &st.traces_exporter.source,
        ),
    );
    m.insert(
        "sampler".into(),
        entry(sampler_name(&st.sampler.value), &st.sampler.source),
    );
    for (k, v) in [
        ("https_proxy", &st.proxy.https),
        ("http_proxy", &st.proxy.http),
        ("no_proxy", &st.proxy.no_proxy),
    ] {
        if let Some(v) = v {
            m.insert(k.into(), entry(&v.value, &v.source));
        }
    }
    m.insert(
        "preflight".into(),
        entry(&st.preflight.value, &st.preflight.source),
    );
    m.insert("shadowed".into(), json!(st.shadowed));
    Value::Object(m)
}
