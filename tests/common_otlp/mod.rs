//! Test support for the telemetry and canary tests: settings built by hand, free loopback
//! ports, in-process OTLP receivers (gRPC and HTTP) with scripted behaviour, and a rotel guard.
#![allow(dead_code)]

pub mod receivers;
pub mod rotel;

use runner::config::*;
use std::time::Duration;

/// A loopback port that was free a moment ago (bound to port 0, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Settings for traces only, as `config::load` would resolve them for `endpoint` (an
/// `http://127.0.0.1:PORT` URL; for HTTP protocols the `/v1/traces` path is appended).
pub fn settings(endpoint: &str, protocol: Protocol) -> Settings {
    let url = url::Url::parse(endpoint).unwrap();
    let host = url.host_str().unwrap().to_owned();
    let port = url.port_or_known_default().unwrap();
    let effective = if protocol.is_http() {
        format!("{}/v1/traces", endpoint.trim_end_matches('/'))
    } else {
        endpoint.to_owned()
    };
    let traces = SignalSettings {
        signal: Signal::Traces,
        endpoint_raw: Sourced::new(endpoint.to_owned(), Source::Flag("--endpoint".into())),
        endpoint: Some(Endpoint {
            display: endpoint.to_owned(),
            scheme: url.scheme().to_owned(),
            host,
            port,
            path: url.path().to_owned(),
            tls: url.scheme() == "https" || url.scheme() == "grpcs",
            password: None,
            real: runner::redact::Secret::new(endpoint),
        }),
        url: Some(effective),
        protocol: Sourced::new(protocol, Source::Flag("--protocol".into())),
        headers: Sourced::default_value(vec![]),
        insecure: Sourced::default_value(false),
        certificate: None,
        client_certificate: None,
        client_key: None,
        compression: Sourced::default_value(Compression::None),
        timeout: Sourced::default_value(Duration::from_secs(10)),
    };
    Settings {
        signals: vec![traces],
        service_name: None,
        resource_attributes: Sourced::default_value(vec![]),
        sdk_disabled: Sourced::default_value(false),
        traces_exporter: Sourced::default_value(ExporterKind::Otlp),
        sampler: Sourced::default_value(Sampler::ParentBasedAlwaysOn),
        proxy: ProxySettings::default(),
        preflight: Sourced::default_value("warn".into()),
        shadowed: vec![],
    }
}

pub fn loaded(settings: Settings) -> Loaded {
    Loaded {
        settings,
        file: None,
        path: None,
        problems: vec![],
    }
}

/// Sets the traces exporter's timeout.
pub fn with_timeout(mut s: Settings, t: Duration) -> Settings {
    s.signals[0].timeout = Sourced::default_value(t);
    s
}
