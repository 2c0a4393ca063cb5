//! Header lists from `--header`, `[otel.headers]` and the `*_HEADERS` variables.

use super::{env_names, Ctx, Offer};
use crate::config::kv;
use crate::config::problem::Problem;
use crate::config::settings::{Header, Signal, Source};
use crate::redact::Secret;

pub fn resolve_headers(cx: &mut Ctx<'_>, signal: Signal) -> Offer<Vec<Header>> {
    let sig = Some(signal);
    let mut offers = Vec::new();
    if !cx.o.headers.is_empty() {
        let source = Source::Flag("--header".into());
        let mut list = Vec::new();
        for (i, h) in cx.o.headers.iter().enumerate() {
            match h.expose().split_once('=') {
                Some((k, v)) if !k.trim().is_empty() => {
                    list.push((k.trim().to_owned(), Secret::new(v)));
                }
                _ => cx.problems.push(Problem::headers(
                    sig,
                    &source,
                    &kv::KvProblem::MissingEquals {
                        entry: i + 1,
                        colon: h.expose().contains(':'),
                    },
                )),
            }
        }
        offers.push(Offer {
            value: checked_headers(cx, sig, &source, list),
            source,
            specific: false,
        });
    }
    if let Some(table) = &cx.otel.headers {
        let source = Source::Config("otel.headers".into());
        let mut list = Vec::new();
        for (k, v) in table {
            match v.as_str() {
                Some(s) => list.push((k.clone(), Secret::new(s))),
                None => cx.problems.push(Problem::headers(
                    sig,
                    &source,
                    &kv::KvProblem::BadHeaderValue { key: k.clone() },
                )),
            }
        }
        offers.push(Offer {
            value: checked_headers(cx, sig, &source, list),
            source,
            specific: false,
        });
    }
    let (specific, generic) = env_names(signal, "HEADERS");
    for (name, is_specific) in [(specific, true), (generic, false)] {
        if let Some(v) = cx.env.get(&name) {
            let source = Source::Env(name);
            let (pairs, problems) = kv::parse_list(v);
            for p in &problems {
                cx.problems.push(Problem::headers(sig, &source, p));
            }
            offers.push(Offer {
                value: checked_headers(cx, sig, &source, pairs),
                source,
                specific: is_specific,
            });
        }
    }
    // A whole list replaces a lower one (as the signal-specific variable replaces the generic).
    cx.settle("headers", sig, offers, Vec::new(), |h| header_names(h))
}

/// Header names with redacted values (length and short hash: enough to see that two values
/// differ, never the value).
pub fn header_names(headers: &[Header]) -> String {
    let names: Vec<String> = headers
        .iter()
        .map(|h| format!("{}={}", h.name, h.value.redacted()))
        .collect();
    format!("[{}]", names.join(", "))
}

fn checked_headers(
    cx: &mut Ctx<'_>,
    signal: Option<Signal>,
    source: &Source,
    pairs: Vec<(String, Secret)>,
) -> Vec<Header> {
    let mut out = Vec::new();
    for (name, value) in pairs {
        match kv::check_header(&name, &value) {
            Some(p) => cx.problems.push(Problem::headers(signal, source, &p)),
            None => out.push(Header { name, value }),
        }
    }
    out
}
