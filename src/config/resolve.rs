//! Precedence: one small pure function (`decide`) decides which source wins; the rest of this
//! module gathers the offers of every source for each setting of one signal.
//!
//! Order (`docs/settings.md`): flag > `[otel]` config > signal-specific env > generic env >
//! default.
//! Within one source kind the signal-specific setting beats the generic one
//! (`otel.traces_endpoint` over `otel.endpoint`). Values that do not parse are reported as
//! findings and do not take part, so the next source wins (what an SDK that ignores a bad
//! variable does).

mod headers;

pub use headers::header_names;
use headers::resolve_headers;

use super::endpoint::{self, signal_url};
use super::problem::Problem;
use super::settings::*;
use super::{Environment, OtelTable, Overrides};
use std::path::PathBuf;
use std::time::Duration;

/// A value offered by one source.
#[derive(Clone, Debug, PartialEq)]
pub struct Offer<T> {
    pub value: T,
    pub source: Source,
    /// A signal-specific setting: beats a generic one of the same source kind.
    pub specific: bool,
}

/// The winner and every offer it shadowed.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision<T> {
    pub winner: Offer<T>,
    pub shadowed: Vec<Offer<T>>,
}

/// The precedence rule: the offer with the highest (source rank, specific) wins, the first one
/// on a tie; with no offer, the default wins.
pub fn decide<T>(offers: Vec<Offer<T>>, default: T) -> Decision<T> {
    let best = offers
        .iter()
        .enumerate()
        .max_by_key(|(i, o)| (o.source.rank(), o.specific, std::cmp::Reverse(*i)))
        .map(|(i, _)| i);
    match best {
        None => Decision {
            winner: Offer {
                value: default,
                source: Source::Default,
                specific: false,
            },
            shadowed: Vec::new(),
        },
        Some(i) => {
            let mut offers = offers;
            let winner = offers.remove(i);
            Decision {
                winner,
                shadowed: offers,
            }
        }
    }
}

/// The signal-specific and generic names of an exporter variable, e.g. for `ENDPOINT`:
/// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `OTEL_EXPORTER_OTLP_ENDPOINT`.
pub fn env_names(signal: Signal, suffix: &str) -> (String, String) {
    (
        format!("OTEL_EXPORTER_OTLP_{}_{suffix}", signal.env_infix()),
        format!("OTEL_EXPORTER_OTLP_{suffix}"),
    )
}

/// Collects offers, findings and shadowed values while resolving.
#[derive(Debug)]
pub struct Ctx<'a> {
    pub o: &'a Overrides,
    pub otel: &'a OtelTable,
    pub env: &'a Environment,
    pub problems: Vec<Problem>,
    pub shadowed: Vec<Shadowed>,
}

impl<'a> Ctx<'a> {
    pub fn new(o: &'a Overrides, otel: &'a OtelTable, env: &'a Environment) -> Ctx<'a> {
        Ctx {
            o,
            otel,
            env,
            problems: Vec::new(),
            shadowed: Vec::new(),
        }
    }

    /// Decides, records what was shadowed, and returns the winner.
    pub fn settle<T>(
        &mut self,
        setting: &str,
        signal: Option<Signal>,
        offers: Vec<Offer<T>>,
        default: T,
        show: impl Fn(&T) -> String,
    ) -> Offer<T> {
        let d = decide(offers, default);
        for s in &d.shadowed {
            self.shadowed.push(Shadowed {
                setting: setting.to_owned(),
                signal,
                value: show(&s.value),
                source: s.source.clone(),
                winner: d.winner.source.clone(),
                winner_value: show(&d.winner.value),
            });
        }
        d.winner
    }

    /// Offers from the two exporter variables of `suffix`, parsed by `parse`; values that do not
    /// parse become `config_invalid` findings.
    pub fn env_offers<T>(
        &mut self,
        signal: Signal,
        suffix: &str,
        expected: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Vec<Offer<T>> {
        let (specific, generic) = env_names(signal, suffix);
        let mut offers = Vec::new();
        for (name, is_specific) in [(specific, true), (generic, false)] {
            if let Some(v) = self.env.get(&name) {
                let source = Source::Env(name);
                match parse(v) {
                    Some(value) => offers.push(Offer {
                        value,
                        source,
                        specific: is_specific,
                    }),
                    // A generic variable is one problem for every signal, not one per signal.
                    None => self.problems.push(Problem::invalid(
                        is_specific.then_some(signal),
                        &source,
                        v,
                        expected,
                    )),
                }
            }
        }
        offers
    }

    /// A config-file offer for `otel.<key>`, parsed by `parse`.
    pub fn config_offer<T>(
        &mut self,
        signal: Option<Signal>,
        key: &str,
        raw: Option<&str>,
        expected: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<Offer<T>> {
        let raw = raw?;
        let source = Source::Config(format!("otel.{key}"));
        match parse(raw) {
            Some(value) => Some(Offer {
                value,
                source,
                specific: false,
            }),
            None => {
                self.problems
                    .push(Problem::invalid(signal, &source, raw, expected));
                None
            }
        }
    }
}

pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

pub fn parse_compression(s: &str) -> Option<Compression> {
    match s.trim().to_ascii_lowercase().as_str() {
        "gzip" => Some(Compression::Gzip),
        "none" | "" => Some(Compression::None),
        _ => None,
    }
}

/// Milliseconds, as the specification's `*_TIMEOUT` variables are (bounded: 1 ms to 1 h).
pub fn parse_millis(s: &str) -> Option<Duration> {
    super::duration::parse_millis(s)
}

/// The default endpoint string for a protocol (a generic endpoint: `/v1/<signal>` is appended
/// for HTTP).
pub fn default_endpoint(protocol: Protocol) -> String {
    format!("http://localhost:{}", protocol.default_port())
}

/// Resolves everything one signal's exporter uses.
pub fn signal_settings(cx: &mut Ctx<'_>, signal: Signal) -> SignalSettings {
    let (o, otel) = (cx.o, cx.otel);
    let sig = Some(signal);

    // Protocol first: the endpoint's default and its URL rules depend on it.
    let mut offers = Vec::new();
    if let Some(p) = o.protocol {
        offers.push(flag(p, "--protocol"));
    }
    offers.extend(cx.config_offer(
        None,
        "protocol",
        otel.protocol.as_deref(),
        PROTOCOLS,
        Protocol::parse,
    ));
    offers.extend(cx.env_offers(signal, "PROTOCOL", PROTOCOLS, Protocol::parse));
    let protocol = cx.settle("protocol", sig, offers, Protocol::HttpProtobuf, |p| {
        p.to_string()
    });

    let mut offers = Vec::new();
    if o.insecure {
        offers.push(flag(true, "--insecure"));
    }
    if let Some(b) = otel.insecure {
        offers.push(config(b, "insecure"));
    }
    offers.extend(cx.env_offers(signal, "INSECURE", "true or false", parse_bool));
    let insecure = cx.settle("insecure", sig, offers, false, bool::to_string);

    let endpoint_raw = resolve_endpoint(cx, signal, protocol.value);
    // GitLab Runner's `grpc://` and `grpcs://` name the protocol too (`docs/settings.md`): with no
    // protocol set anywhere, the scheme decides it, once, for every stage and the exporter.
    let protocol = match endpoint::scheme_protocol(&endpoint_raw.value) {
        Some(p) if protocol.source == Source::Default => Offer {
            value: p,
            source: endpoint_raw.source.clone(),
            specific: false,
        },
        _ => protocol,
    };
    let (endpoint, url) = match endpoint::parse(&endpoint_raw.value, protocol.value, insecure.value)
    {
        Ok(ep) => {
            let url = signal_url(&ep.display, protocol.value, signal, endpoint_raw.specific);
            (Some(ep), Some(url))
        }
        Err(e) => {
            let (display, _) = endpoint::redact_userinfo(&endpoint_raw.value);
            cx.problems.push(Problem::Endpoint {
                signal,
                source: endpoint_raw.source.clone(),
                display,
                error: e,
            });
            (None, None)
        }
    };

    let headers = resolve_headers(cx, signal);
    let certificate = resolve_path(
        cx,
        signal,
        "CERTIFICATE",
        "certificate",
        &o.ca_file,
        "--ca-file",
        &otel.certificate,
    );
    let client_certificate = resolve_path(
        cx,
        signal,
        "CLIENT_CERTIFICATE",
        "client_certificate",
        &o.client_cert,
        "--client-cert",
        &otel.client_certificate,
    );
    let client_key = resolve_path(
        cx,
        signal,
        "CLIENT_KEY",
        "client_key",
        &o.client_key,
        "--client-key",
        &otel.client_key,
    );

    let mut offers = Vec::new();
    offers.extend(cx.config_offer(
        None,
        "compression",
        otel.compression.as_deref(),
        "gzip or none",
        parse_compression,
    ));
    offers.extend(cx.env_offers(signal, "COMPRESSION", "gzip or none", parse_compression));
    let compression = cx.settle("compression", sig, offers, Compression::None, |c| match c {
        Compression::Gzip => "gzip".to_owned(),
        Compression::None => "none".to_owned(),
    });

    let mut offers = Vec::new();
    if let Some(t) = &otel.timeout {
        let raw = match t {
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        offers.extend(cx.config_offer(
            None,
            "timeout",
            Some(&raw),
            "milliseconds (10000) or a duration string (\"10s\")",
            |s| parse_millis(s).or_else(|| super::duration::parse(s).ok()),
        ));
    }
    offers.extend(cx.env_offers(
        signal,
        "TIMEOUT",
        "a whole number of milliseconds",
        parse_millis,
    ));
    let timeout = cx.settle("timeout", sig, offers, Duration::from_secs(10), |d| {
        humantime::format_duration(*d).to_string()
    });

    SignalSettings {
        signal,
        endpoint_raw: Sourced::new(
            endpoint::redact_userinfo(&endpoint_raw.value).0,
            endpoint_raw.source,
        ),
        endpoint,
        url,
        protocol: sourced(protocol),
        headers: sourced(headers),
        insecure: sourced(insecure),
        certificate,
        client_certificate,
        client_key,
        compression: sourced(compression),
        timeout: sourced(timeout),
    }
}

const PROTOCOLS: &str = "grpc, http/protobuf or http/json";

fn flag<T>(value: T, name: &str) -> Offer<T> {
    Offer {
        value,
        source: Source::Flag(name.to_owned()),
        specific: false,
    }
}

fn config<T>(value: T, key: &str) -> Offer<T> {
    Offer {
        value,
        source: Source::Config(format!("otel.{key}")),
        specific: false,
    }
}

pub fn sourced<T>(o: Offer<T>) -> Sourced<T> {
    Sourced::new(o.value, o.source)
}

/// The endpoint string (raw, with any password) and whether its setting is signal-specific.
fn resolve_endpoint(cx: &mut Ctx<'_>, signal: Signal, protocol: Protocol) -> Offer<String> {
    let mut offers = Vec::new();
    // `--endpoint` behaves like the generic endpoint: `/v1/<signal>` is appended for HTTP, so
    // one flag serves every signal, as `OTEL_EXPORTER_OTLP_ENDPOINT` does.
    if let Some(e) = &cx.o.endpoint {
        offers.push(flag(e.clone(), "--endpoint"));
    }
    let specific_key = format!("{}_endpoint", signal.as_str());
    let specific_value = match signal {
        Signal::Traces => &cx.otel.traces_endpoint,
        Signal::Metrics => &cx.otel.metrics_endpoint,
        Signal::Logs => &cx.otel.logs_endpoint,
    };
    if let Some(e) = specific_value {
        offers.push(Offer {
            specific: true,
            ..config(e.clone(), &specific_key)
        });
    }
    if let Some(e) = &cx.otel.endpoint {
        offers.push(config(e.clone(), "endpoint"));
    }
    let (specific, generic) = env_names(signal, "ENDPOINT");
    for (name, is_specific) in [(specific, true), (generic, false)] {
        if let Some(v) = cx.env.get(&name) {
            offers.push(Offer {
                value: v.trim().to_owned(),
                source: Source::Env(name),
                specific: is_specific,
            });
        }
    }
    cx.settle(
        "endpoint",
        Some(signal),
        offers,
        default_endpoint(protocol),
        |e| endpoint::redact_userinfo(e).0,
    )
}

fn resolve_path(
    cx: &mut Ctx<'_>,
    signal: Signal,
    suffix: &str,
    key: &str,
    flag_value: &Option<PathBuf>,
    flag_name: &str,
    config_value: &Option<PathBuf>,
) -> Option<Sourced<PathBuf>> {
    let mut offers = Vec::new();
    if let Some(p) = flag_value {
        offers.push(flag(Some(p.clone()), flag_name));
    }
    if let Some(p) = config_value {
        offers.push(config(Some(p.clone()), key));
    }
    offers.extend(cx.env_offers(signal, suffix, "a file path", |s| {
        Some(Some(PathBuf::from(s.trim())))
    }));
    let w = cx.settle(key, Some(signal), offers, None, |p| {
        p.as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    });
    w.value.map(|v| Sourced::new(v, w.source))
}

#[cfg(test)]
#[path = "resolve_tests.rs"]
mod tests;
