//! Settings built by hand, as `config::load` would resolve them from the OTEL_* variables, for
//! tests that call the library directly (doctor stages, canary, telemetry pipeline).

use runner::config::{
    Compression, Endpoint, ExporterKind, Loaded, Protocol, ProxySettings, Sampler, Settings,
    Signal, SignalSettings, Source, Sourced,
};
use std::path::PathBuf;
use std::time::Duration;

/// One signal's settings for `OTEL_EXPORTER_OTLP_ENDPOINT=endpoint` (a base URL such as
/// `http://127.0.0.1:PORT`; for HTTP protocols the signal's path is appended, as SDKs do) and
/// `OTEL_EXPORTER_OTLP_PROTOCOL=protocol`.
pub fn signal_settings(signal: Signal, endpoint: &str, protocol: Protocol) -> SignalSettings {
    let url = if protocol.is_http() {
        format!("{}{}", endpoint.trim_end_matches('/'), signal.http_path())
    } else {
        endpoint.to_owned()
    };
    build(
        signal,
        endpoint,
        url,
        protocol,
        "OTEL_EXPORTER_OTLP_ENDPOINT",
    )
}

/// One signal's settings for the per-signal variable (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=url`
/// for traces): the URL is used as given, path included.
pub fn signal_url_settings(signal: Signal, url: &str, protocol: Protocol) -> SignalSettings {
    let var = format!(
        "OTEL_EXPORTER_OTLP_{}_ENDPOINT",
        signal.to_string().to_uppercase()
    );
    build(signal, url, url.to_owned(), protocol, &var)
}

fn build(signal: Signal, raw: &str, url: String, protocol: Protocol, var: &str) -> SignalSettings {
    let parsed = url::Url::parse(raw).unwrap();
    let scheme = parsed.scheme().to_owned();
    SignalSettings {
        signal,
        endpoint_raw: Sourced::new(raw.to_owned(), Source::Env(var.into())),
        endpoint: Some(Endpoint {
            display: raw.to_owned(),
            real: runner::redact::Secret::new(raw),
            tls: matches!(scheme.as_str(), "https" | "grpcs"),
            scheme,
            host: parsed.host_str().unwrap().to_owned(),
            port: parsed.port_or_known_default().unwrap(),
            path: parsed.path().to_owned(),
            password: None,
        }),
        url: Some(url),
        protocol: Sourced::new(protocol, Source::Env("OTEL_EXPORTER_OTLP_PROTOCOL".into())),
        headers: Sourced::default_value(Vec::new()),
        insecure: Sourced::default_value(false),
        certificate: None,
        client_certificate: None,
        client_key: None,
        compression: Sourced::default_value(Compression::None),
        timeout: Sourced::default_value(Duration::from_secs(10)),
    }
}

/// Everything else at its default: no service name, no proxy, the OTLP exporter.
pub fn settings(signals: Vec<SignalSettings>) -> Settings {
    Settings {
        signals,
        service_name: None,
        resource_attributes: Sourced::default_value(Vec::new()),
        sdk_disabled: Sourced::default_value(false),
        traces_exporter: Sourced::default_value(ExporterKind::Otlp),
        sampler: Sourced::default_value(Sampler::ParentBasedAlwaysOn),
        proxy: ProxySettings::default(),
        preflight: Sourced::default_value("warn".into()),
        shadowed: Vec::new(),
    }
}

/// Settings with traces only, sent to `endpoint` (see [`signal_settings`]).
pub fn traces(endpoint: &str, protocol: Protocol) -> Settings {
    settings(vec![signal_settings(Signal::Traces, endpoint, protocol)])
}

/// As `config::load` returns them, with no file and no finding.
pub fn loaded(settings: Settings) -> Loaded {
    Loaded {
        settings,
        file: None,
        path: None,
        problems: Vec::new(),
    }
}

/// Sets the traces exporter's timeout.
pub fn with_timeout(mut s: Settings, t: Duration) -> Settings {
    s.signals[0].timeout = Sourced::default_value(t);
    s
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
