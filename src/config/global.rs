//! Settings shared by every signal: service name, resource, SDK switch, exporter, sampler,
//! proxies, pre-flight mode, and which signals are enabled.

use super::endpoint::redact_userinfo;
use super::kv;
use super::problem::Problem;
use super::resolve::{parse_bool, sourced, Ctx, Offer};
use super::settings::*;

/// The service name the runner reports when nobody sets one.
pub const DEFAULT_SERVICE_NAME: &str = "runner";

fn offer<T>(value: T, source: Source, specific: bool) -> Offer<T> {
    Offer {
        value,
        source,
        specific,
    }
}

/// `OTEL_RESOURCE_ATTRIBUTES` or `[otel] resource_attributes`. Per the specification, a variable
/// with any error is discarded whole.
pub fn resource_attributes(cx: &mut Ctx<'_>) -> Offer<Vec<(String, String)>> {
    let mut offers = Vec::new();
    if let Some(table) = &cx.otel.resource_attributes {
        let source = Source::Config("otel.resource_attributes".into());
        let mut list = Vec::new();
        for (k, v) in table {
            match v {
                toml::Value::String(s) => list.push((k.clone(), s.clone())),
                toml::Value::Integer(_) | toml::Value::Float(_) | toml::Value::Boolean(_) => {
                    list.push((k.clone(), v.to_string()));
                }
                _ => cx.problems.push(Problem::resource_attributes(
                    &source,
                    &kv::KvProblem::BadEncoding { key: k.clone() },
                )),
            }
        }
        offers.push(offer(list, source, false));
    }
    if let Some(v) = cx.env.get("OTEL_RESOURCE_ATTRIBUTES") {
        let source = Source::Env("OTEL_RESOURCE_ATTRIBUTES".into());
        let (pairs, problems) = kv::parse_list(v);
        let fatal: Vec<_> = problems
            .iter()
            .filter(|p| !matches!(p, kv::KvProblem::UnencodedSpace { .. }))
            .collect();
        for p in &problems {
            cx.problems.push(Problem::resource_attributes(&source, p));
        }
        if fatal.is_empty() {
            let list = pairs
                .into_iter()
                .map(|(k, v)| (k, v.expose().to_owned()))
                .collect();
            offers.push(offer(list, source, false));
        }
    }
    cx.settle("resource_attributes", None, offers, Vec::new(), |l| {
        l.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    })
}

/// `service.name`: `otel.service_name` > `service.name` in `otel.resource_attributes` >
/// `OTEL_SERVICE_NAME` > `service.name` in `OTEL_RESOURCE_ATTRIBUTES` > `runner`.
pub fn service_name(cx: &mut Ctx<'_>) -> Offer<String> {
    let mut offers = Vec::new();
    if let Some(s) = &cx.otel.service_name {
        offers.push(offer(
            s.clone(),
            Source::Config("otel.service_name".into()),
            true,
        ));
    }
    if let Some(s) = cx
        .otel
        .resource_attributes
        .as_ref()
        .and_then(|t| t.get("service.name"))
        .and_then(|v| v.as_str())
    {
        offers.push(offer(
            s.to_owned(),
            Source::Config("otel.resource_attributes".into()),
            false,
        ));
    }
    if let Some(s) = cx.env.get("OTEL_SERVICE_NAME") {
        offers.push(offer(
            s.to_owned(),
            Source::Env("OTEL_SERVICE_NAME".into()),
            true,
        ));
    }
    if let Some(v) = cx.env.get("OTEL_RESOURCE_ATTRIBUTES") {
        let (pairs, _) = kv::parse_list(v);
        if let Some((_, s)) = pairs.iter().rev().find(|(k, _)| k == "service.name") {
            offers.push(offer(
                s.expose().to_owned(),
                Source::Env("OTEL_RESOURCE_ATTRIBUTES".into()),
                false,
            ));
        }
    }
    cx.settle(
        "service_name",
        None,
        offers,
        DEFAULT_SERVICE_NAME.to_owned(),
        String::clone,
    )
}

pub fn sdk_disabled(cx: &mut Ctx<'_>) -> Offer<bool> {
    let mut offers = Vec::new();
    if let Some(v) = cx.env.get("OTEL_SDK_DISABLED") {
        let source = Source::Env("OTEL_SDK_DISABLED".into());
        match parse_bool(v) {
            Some(b) => offers.push(offer(b, source, false)),
            None => cx
                .problems
                .push(Problem::invalid_ignored(None, &source, v, "true or false")),
        }
    }
    cx.settle("sdk_disabled", None, offers, false, bool::to_string)
}

fn parse_exporter(s: &str, path: Option<&std::path::Path>) -> Option<ExporterKind> {
    // A list such as `otlp,console`: OTLP is used when listed.
    let items: Vec<String> = s
        .split(',')
        .map(|i| i.trim().to_ascii_lowercase())
        .collect();
    if items.iter().any(|i| i == "otlp") {
        return Some(ExporterKind::Otlp);
    }
    match items.first().map(String::as_str) {
        Some("none") => Some(ExporterKind::None),
        Some("console") => Some(ExporterKind::Console),
        Some("file") => path.map(|p| ExporterKind::File(p.to_owned())),
        _ => None,
    }
}

pub fn traces_exporter(cx: &mut Ctx<'_>) -> Offer<ExporterKind> {
    let mut offers = Vec::new();
    let path = cx.otel.exporter_path.clone();
    offers.extend(cx.config_offer(
        None,
        "exporter",
        cx.otel.exporter.as_deref(),
        "otlp, console, file (with exporter_path) or none",
        |s| parse_exporter(s, path.as_deref()),
    ));
    if let Some(v) = cx.env.get("OTEL_TRACES_EXPORTER") {
        let source = Source::Env("OTEL_TRACES_EXPORTER".into());
        match parse_exporter(v, None) {
            Some(k) => offers.push(offer(k, source, false)),
            None => cx
                .problems
                .push(Problem::invalid(None, &source, v, "otlp, console or none")),
        }
    }
    cx.settle("traces_exporter", None, offers, ExporterKind::Otlp, |k| {
        exporter_name(k).to_owned()
    })
}

pub fn exporter_name(k: &ExporterKind) -> &'static str {
    match k {
        ExporterKind::Otlp => "otlp",
        ExporterKind::Console => "console",
        ExporterKind::File(_) => "file",
        ExporterKind::None => "none",
    }
}

const SAMPLERS: &str = "always_on, always_off, traceidratio, parentbased_always_on, \
    parentbased_always_off or parentbased_traceidratio";

pub fn sampler(cx: &mut Ctx<'_>) -> Offer<Sampler> {
    let mut offers = Vec::new();
    let arg_expected = "a ratio from 0 to 1";
    let parse_ratio = |s: &str| {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|r| (0.0..=1.0).contains(r))
    };
    if let Some(a) = cx.config_offer(
        None,
        "sampler_arg",
        cx.otel.sampler_arg.as_deref(),
        arg_expected,
        parse_ratio,
    ) {
        offers.push(a);
    }
    if let Some(v) = cx.env.get("OTEL_TRACES_SAMPLER_ARG") {
        let source = Source::Env("OTEL_TRACES_SAMPLER_ARG".into());
        match parse_ratio(v) {
            Some(r) => offers.push(offer(r, source, false)),
            None => cx
                .problems
                .push(Problem::invalid_ignored(None, &source, v, arg_expected)),
        }
    }
    let ratio = cx
        .settle("sampler_arg", None, offers, 1.0, f64::to_string)
        .value;
    let parse = move |s: &str| -> Option<Sampler> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "always_on" => Sampler::AlwaysOn,
            "always_off" => Sampler::AlwaysOff,
            "traceidratio" => Sampler::TraceIdRatio(ratio),
            "parentbased_always_on" => Sampler::ParentBasedAlwaysOn,
            "parentbased_always_off" => Sampler::ParentBasedAlwaysOff,
            "parentbased_traceidratio" => Sampler::ParentBasedTraceIdRatio(ratio),
            _ => return None,
        })
    };
    let mut offers = Vec::new();
    offers.extend(cx.config_offer(None, "sampler", cx.otel.sampler.as_deref(), SAMPLERS, parse));
    if let Some(v) = cx.env.get("OTEL_TRACES_SAMPLER") {
        let source = Source::Env("OTEL_TRACES_SAMPLER".into());
        match parse(v) {
            Some(s) => offers.push(offer(s, source, false)),
            None => cx
                .problems
                .push(Problem::invalid(None, &source, v, SAMPLERS)),
        }
    }
    cx.settle("sampler", None, offers, Sampler::ParentBasedAlwaysOn, |s| {
        sampler_name(s)
    })
}

pub fn sampler_name(s: &Sampler) -> String {
    match s {
        Sampler::AlwaysOn => "always_on".into(),
        Sampler::AlwaysOff => "always_off".into(),
        Sampler::TraceIdRatio(r) => format!("traceidratio({r})"),
        Sampler::ParentBasedAlwaysOn => "parentbased_always_on".into(),
        Sampler::ParentBasedAlwaysOff => "parentbased_always_off".into(),
        Sampler::ParentBasedTraceIdRatio(r) => format!("parentbased_traceidratio({r})"),
    }
}

/// `HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`: the upper-case name wins over the lower-case one.
/// Proxy URLs are shown with any password redacted.
pub fn proxy(cx: &mut Ctx<'_>) -> ProxySettings {
    let mut one = |upper: &str, setting: &str| -> Option<Sourced<String>> {
        let mut offers = Vec::new();
        for (name, specific) in [(upper.to_owned(), true), (upper.to_lowercase(), false)] {
            if let Some(v) = cx.env.get(&name) {
                offers.push(offer(
                    redact_userinfo(v.trim()).0,
                    Source::Env(name),
                    specific,
                ));
            }
        }
        if offers.is_empty() {
            return None;
        }
        Some(sourced(cx.settle(
            setting,
            None,
            offers,
            String::new(),
            String::clone,
        )))
    };
    ProxySettings {
        https: one("HTTPS_PROXY", "https_proxy"),
        http: one("HTTP_PROXY", "http_proxy"),
        no_proxy: one("NO_PROXY", "no_proxy"),
    }
}

pub fn preflight(cx: &mut Ctx<'_>) -> Offer<String> {
    let parse = |s: &str| {
        let s = s.trim().to_ascii_lowercase();
        ["off", "warn", "strict"].contains(&s.as_str()).then_some(s)
    };
    let mut offers = Vec::new();
    if let Some(p) = &cx.o.preflight {
        match parse(p) {
            Some(v) => offers.push(offer(v, Source::Flag("--preflight".into()), false)),
            None => cx.problems.push(Problem::invalid(
                None,
                &Source::Flag("--preflight".into()),
                p,
                "off, warn or strict",
            )),
        }
    }
    offers.extend(cx.config_offer(
        None,
        "preflight",
        cx.otel.preflight.as_deref(),
        "off, warn or strict",
        parse,
    ));
    cx.settle("preflight", None, offers, "warn".to_owned(), String::clone)
}

/// Enabled signals: `--signal`, else `[otel] signals`, else traces plus every signal whose own
/// endpoint is set (`OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`, `otel.metrics_endpoint`, ...).
pub fn signals(cx: &mut Ctx<'_>) -> Vec<Signal> {
    if let Some(s) = &cx.o.signals {
        return ordered(s.clone());
    }
    if let Some(list) = &cx.otel.signals {
        let mut out = Vec::new();
        let source = Source::Config("otel.signals".into());
        for name in list {
            match Signal::ALL
                .into_iter()
                .find(|s| s.as_str() == name.trim().to_ascii_lowercase())
            {
                Some(s) => out.push(s),
                None => cx.problems.push(Problem::invalid(
                    None,
                    &source,
                    name,
                    "traces, metrics or logs",
                )),
            }
        }
        if !out.is_empty() {
            return ordered(out);
        }
    }
    let mut out = vec![Signal::Traces];
    for s in [Signal::Metrics, Signal::Logs] {
        let var = format!("OTEL_EXPORTER_OTLP_{}_ENDPOINT", s.env_infix());
        let configured = match s {
            Signal::Metrics => cx.otel.metrics_endpoint.is_some(),
            _ => cx.otel.logs_endpoint.is_some(),
        };
        if cx.env.get(&var).is_some() || configured {
            out.push(s);
        }
    }
    out
}

fn ordered(mut s: Vec<Signal>) -> Vec<Signal> {
    s.sort();
    s.dedup();
    s
}
