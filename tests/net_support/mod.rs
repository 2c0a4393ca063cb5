//! Helpers shared by the network-stage tests: hand-made settings, and running the doctor.
#![allow(dead_code)]

pub mod pki;

use runner::cause::{Cause, Finding};
use runner::config::{
    Compression, Endpoint, Environment, ExporterKind, Loaded, Protocol, ProxySettings, Sampler,
    Settings, Signal, SignalSettings, Source, Sourced,
};
use runner::doctor::DoctorOptions;
use runner::report::{Check, Report, Status};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Settings for one signal, as if `OTEL_EXPORTER_OTLP_ENDPOINT` were `scheme://host:port`.
pub fn signal_settings(
    signal: Signal,
    scheme: &str,
    host: &str,
    port: u16,
    protocol: Protocol,
) -> SignalSettings {
    let tls = matches!(scheme, "https" | "grpcs");
    let raw = format!("{scheme}://{host}:{port}");
    let url = if protocol.is_http() {
        format!("{raw}{}", signal.http_path())
    } else {
        raw.clone()
    };
    SignalSettings {
        signal,
        endpoint_raw: Sourced::new(
            raw.clone(),
            Source::Env("OTEL_EXPORTER_OTLP_ENDPOINT".into()),
        ),
        endpoint: Some(Endpoint {
            display: raw.clone(),
            real: runner::redact::Secret::new(raw),
            scheme: scheme.to_string(),
            host: host.to_string(),
            port,
            path: "/".into(),
            tls,
            password: None,
        }),
        url: Some(url),
        protocol: Sourced::default_value(protocol),
        headers: Sourced::default_value(Vec::new()),
        insecure: Sourced::default_value(false),
        certificate: None,
        client_certificate: None,
        client_key: None,
        compression: Sourced::default_value(Compression::None),
        timeout: Sourced::default_value(Duration::from_secs(10)),
    }
}

pub fn with_ca(mut s: SignalSettings, ca: PathBuf) -> SignalSettings {
    s.certificate = Some(Sourced::new(ca, Source::Flag("--ca-file".into())));
    s
}

pub fn with_client(mut s: SignalSettings, cert: PathBuf, key: PathBuf) -> SignalSettings {
    s.client_certificate = Some(Sourced::new(cert, Source::Flag("--client-cert".into())));
    s.client_key = Some(Sourced::new(key, Source::Flag("--client-key".into())));
    s
}

pub fn loaded(signals: Vec<SignalSettings>) -> Loaded {
    Loaded {
        settings: Settings {
            signals,
            service_name: Some(Sourced::default_value("test".into())),
            resource_attributes: Sourced::default_value(Vec::new()),
            sdk_disabled: Sourced::default_value(false),
            traces_exporter: Sourced::default_value(ExporterKind::Otlp),
            sampler: Sourced::default_value(Sampler::ParentBasedAlwaysOn),
            proxy: ProxySettings::default(),
            preflight: Sourced::default_value("warn".into()),
            shadowed: Vec::new(),
        },
        file: None,
        path: None,
        problems: Vec::new(),
    }
}

pub fn opts(timeout_ms: u64) -> DoctorOptions {
    DoctorOptions {
        timeout: Duration::from_millis(timeout_ms),
        canary: false,
        ..DoctorOptions::default()
    }
}

pub fn opts_dns(timeout_ms: u64, dns: SocketAddr) -> DoctorOptions {
    DoctorOptions {
        dns_server: Some(dns),
        ..opts(timeout_ms)
    }
}

pub async fn doctor(signals: Vec<SignalSettings>, opts: &DoctorOptions) -> Report {
    runner::doctor::run(
        &loaded(signals),
        &Environment::from_pairs(Vec::<(String, String)>::new()),
        opts,
    )
    .await
}

/// The one finding with this cause; panics with the report when there is not exactly one.
pub fn only(report: &Report, cause: Cause) -> Finding {
    let found: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.cause == cause)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one {cause} finding, report: {}",
        serde_json::to_string_pretty(report).unwrap()
    );
    found[0].clone()
}

pub fn check(report: &Report, signal: Signal, stage: runner::cause::Stage) -> Check {
    report
        .targets
        .iter()
        .find(|t| t.signal == signal)
        .and_then(|t| t.checks.iter().find(|c| c.stage == stage))
        .cloned()
        .unwrap_or_else(|| panic!("no {stage} check for {signal}"))
}

pub fn status(report: &Report, stage: runner::cause::Stage) -> Status {
    check(report, Signal::Traces, stage).status
}

pub fn dump(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap()
}
