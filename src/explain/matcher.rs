//! Matching an error text against the knowledge base, plus a few rules that read the variable
//! parts (a URL's path, a size that is really ASCII, a host name) instead of ignoring them.

use super::families::{looks_like_export_error, FALLBACK, FAMILIES, VAGUE};
use super::kb::{Rule, RULES};
use super::Confidence;
use crate::cause::Cause;

/// A cause the text points at, before wording is attached.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub cause: Cause,
    pub confidence: Confidence,
    /// Length of the literal text matched: longer is more specific.
    pub specificity: usize,
    /// Row of the table (refinements come after it): earlier wins a tie.
    pub order: usize,
    /// What was recognised, for the user (`*` shown as `…`).
    pub matched: String,
    pub note: Option<String>,
    /// A candidate of a line that names no cause by itself.
    pub vague: bool,
}

/// Lower case with every run of white space made one space.
pub fn normalize(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Whether the fragments of `pattern` (split at `*`) occur in `hay` in order.
pub fn glob_match(hay: &str, pattern: &str) -> bool {
    let mut pos = 0;
    for frag in pattern.split('*').filter(|f| !f.is_empty()) {
        match hay[pos..].find(frag) {
            Some(i) => pos += i + frag.len(),
            None => return false,
        }
    }
    true
}

/// Every cause the text points at, one hit per cause, best first.
pub fn hits(text: &str) -> Vec<Hit> {
    let hay = normalize(text);
    if let Some((cause, by)) = super::own::finding(&hay) {
        return vec![Hit {
            cause,
            confidence: Confidence::High,
            specificity: REFINED + 1,
            order: 0,
            matched: format!("{by} {}", cause.code()),
            note: Some(crate::cause::explain_text::own_finding_note(by)),
            vague: false,
        }];
    }
    let mut all: Vec<Hit> = RULES
        .iter()
        .chain(FAMILIES)
        .enumerate()
        .filter(|(_, rule)| glob_match(&hay, rule.pattern))
        .map(|(order, rule)| from_rule(order, rule))
        .collect();
    all.extend(refinements(&hay));
    if all.iter().all(|h| h.confidence == Confidence::Low) {
        all.extend(vague_hits(&hay));
    }
    if all.is_empty() && looks_like_export_error(&hay) {
        all.extend(candidates(
            FALLBACK,
            "",
            0,
            crate::cause::explain_text::UNKNOWN_EXPORT_NOTE,
        ));
    }
    rank(all)
}

/// The candidates of the vague texts the line contains, in the table's order.
fn vague_hits(hay: &str) -> Vec<Hit> {
    let mut out = Vec::new();
    for (i, v) in VAGUE.iter().enumerate() {
        if glob_match(hay, v.pattern) {
            out.extend(candidates(
                v.causes,
                v.pattern,
                i,
                crate::cause::explain_text::VAGUE_NOTE,
            ));
            break;
        }
    }
    out
}

fn candidates(causes: &[Cause], pattern: &str, row: usize, note: &str) -> Vec<Hit> {
    causes
        .iter()
        .enumerate()
        .map(|(i, &cause)| Hit {
            cause,
            confidence: Confidence::Low,
            // Ahead of `Low` table rows: a vague text's list is the answer, in its order.
            specificity: REFINED - 1,
            order: 100_000 + row * 100 + i,
            matched: pattern.replace('*', "…"),
            note: Some(note.to_string()),
            vague: true,
        })
        .collect()
}

fn from_rule(order: usize, rule: &Rule) -> Hit {
    Hit {
        cause: rule.cause,
        confidence: rule.confidence,
        specificity: rule.pattern.chars().filter(|&c| c != '*').count(),
        order,
        matched: rule.pattern.replace('*', "…"),
        note: rule.note.map(str::to_string),
        vague: false,
    }
}

/// Keeps the best hit of each cause and sorts: confidence, then specificity, then table order.
fn rank(mut all: Vec<Hit>) -> Vec<Hit> {
    let key = |h: &Hit| {
        (
            std::cmp::Reverse(h.confidence),
            std::cmp::Reverse(h.specificity),
            h.order,
        )
    };
    all.sort_by_key(key);
    let mut seen = std::collections::HashSet::new();
    all.retain(|h| seen.insert(h.cause));
    all
}

/// Refinements outrank table rows of the same confidence: they read the text's variable parts.
const REFINED: usize = 1000;

fn refined(order: usize, cause: Cause, confidence: Confidence, matched: &str, note: String) -> Hit {
    Hit {
        cause,
        confidence,
        specificity: REFINED,
        order: RULES.len() + order,
        matched: matched.to_string(),
        note: Some(note),
        vague: false,
    }
}

fn refinements(hay: &str) -> Vec<Hit> {
    let mut out = Vec::new();
    // A 404 for a URL whose path has no `/v1/<signal>`: the path is missing.
    if hay.contains("404") {
        for url in urls(hay) {
            let path = url_path(url);
            if !path.contains("/v1/") {
                out.push(refined(
                    0,
                    Cause::SignalPathMissing,
                    Confidence::High,
                    "404 for a URL without /v1/<signal>",
                    format!(
                        "The request went to `{}`, which has no `/v1/traces` path.",
                        crate::redact::redact_url(url)
                    ),
                ));
                break;
            }
        }
    }
    // `received message larger than max (N vs ...)`: N is the first four bytes of the reply read
    // as a gRPC length; letters there mean the reply was text (`html`), not a gRPC message.
    if let Some(n) = number_after(hay, "larger than max (") {
        let bytes = u32::try_from(n).map(u32::to_be_bytes).ok();
        match bytes.filter(|b| b.iter().all(|c| c.is_ascii_graphic())) {
            Some(b) => out.push(refined(
                1,
                Cause::GrpcNonGrpcResponse,
                Confidence::High,
                "received message larger than max (<ASCII as a size>)",
                format!(
                    "{n} is the bytes `{}`: the reply was text (an HTML or HTTP error page), not a gRPC message.",
                    String::from_utf8_lossy(&b)
                ),
            )),
            None => out.push(refined(
                1,
                Cause::GrpcResourceExhausted,
                Confidence::High,
                "received message larger than max (<size>)",
                format!("A real message of {n} bytes exceeded the receiver's limit."),
            )),
        }
    }
    // `lookup NAME on ...: no such host` with a single-label or in-cluster name; any resolver's
    // not-found for a `.svc.cluster.local` name (its fix is to run inside the cluster or use an
    // address reachable from here, which `dns_nxdomain` does not say).
    if let Some(host) = looked_up_host(hay).or_else(|| in_cluster_not_found(hay)) {
        let in_cluster =
            host.ends_with(".svc") || host.contains(".svc.") || host.ends_with(".cluster.local");
        if in_cluster || !host.contains('.') {
            out.push(refined(
                2,
                Cause::ClusterLocalName,
                if in_cluster { Confidence::High } else { Confidence::Medium },
                "lookup of an in-cluster style name",
                format!("`{host}` looks like a Kubernetes service name, which resolves only inside its cluster."),
            ));
        }
    }
    out
}

/// The URLs (`scheme://...`) in the text, without trailing punctuation.
fn urls(hay: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(rel) = hay[pos..].find("://") {
        let sep = pos + rel;
        // Just after the last non-alphanumeric character (a char boundary, even after `エ`).
        let start = hay[..sep]
            .char_indices()
            .rev()
            .find(|(_, c)| !c.is_ascii_alphanumeric())
            .map_or(0, |(i, c)| i + c.len_utf8());
        let end = hay[sep..]
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ')' | ',' | ';' | '>'))
            .map_or(hay.len(), |i| sep + i);
        out.push(hay[start..end].trim_end_matches([':', '.']));
        pos = end.max(sep + 3);
    }
    out
}

fn url_path(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.find('/').map_or("/", |i| &rest[i..])
}

fn number_after(hay: &str, prefix: &str) -> Option<u64> {
    let at = hay.find(prefix)? + prefix.len();
    let digits: String = hay[at..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The name in Go's `lookup NAME on SERVER: no such host` or gRPC's `DNS resolution failed for
/// NAME:PORT`.
fn looked_up_host(hay: &str) -> Option<&str> {
    let not_found = [
        "no such host",
        "domain name not found",
        "name or service not known",
    ];
    if !not_found.iter().any(|s| hay.contains(s)) {
        return None;
    }
    let after = ["lookup ", "dns resolution failed for "]
        .iter()
        .find_map(|p| hay.find(p).map(|i| &hay[i + p.len()..]))?;
    let name = after.split([' ', ':']).next()?.trim_end_matches('.');
    (!name.is_empty() && !name.starts_with("tcp/") && name.parse::<std::net::IpAddr>().is_err())
        .then_some(name)
}

/// Words of a resolver that found no such name, in each client's wording.
const NOT_FOUND: &[&str] = &[
    "no such host",
    "domain name not found",
    "name or service not known",
    "could not resolve host",
    "enotfound",
    "name resolution failed",
    "nodename nor servname",
    "unknownhostexception",
    "no such host is known",
    "failed to lookup address",
    "dns resolution failed",
    "temporary failure in name resolution",
];

/// An in-cluster name (`….svc.cluster.local`, `….svc`) in a line saying a name did not resolve.
fn in_cluster_not_found(hay: &str) -> Option<&str> {
    if !NOT_FOUND.iter().any(|s| hay.contains(s)) {
        return None;
    }
    hay.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
        .map(|w| w.trim_end_matches('.'))
        .find(|w| w.ends_with(".svc.cluster.local") || w.ends_with(".svc"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_ignores_variable_parts() {
        assert!(glob_match(
            "dial tcp 10.1.0.70:4317: i/o timeout",
            "dial tcp *: i/o timeout"
        ));
        assert!(!glob_match(
            "i/o timeout dial tcp",
            "dial tcp *: i/o timeout"
        ));
        assert!(glob_match("anything", ""));
    }

    #[test]
    fn every_pattern_is_lower_case_and_matches_itself() {
        for rule in RULES.iter().chain(FAMILIES) {
            assert_eq!(
                rule.pattern,
                rule.pattern.to_lowercase(),
                "{}",
                rule.pattern
            );
            let literal = rule.pattern.replace('*', " x ");
            assert!(
                glob_match(&normalize(&literal), rule.pattern),
                "{}",
                rule.pattern
            );
        }
    }

    #[test]
    fn refinements_read_the_numbers_and_paths() {
        let h = hits("grpc: received message larger than max (1752460652 vs. 4194304)");
        assert_eq!(h[0].cause, Cause::GrpcNonGrpcResponse);
        let h = hits("grpc: received message larger than max (7735027 vs. 4194304)");
        assert_eq!(h[0].cause, Cause::GrpcResourceExhausted);
        let h = hits("failed to send to http://host:4318/: 404");
        assert_eq!(h[0].cause, Cause::SignalPathMissing);
        let h = hits("failed to send to http://host:4318/v1/v1/traces: 404");
        assert_eq!(h[0].cause, Cause::SignalPathDuplicated);
        let h = hits("lookup otel-collector.observability.svc on 10.0.0.10:53: no such host");
        assert_eq!(h[0].cause, Cause::ClusterLocalName);
        for line in [
            "curl: (6) Could not resolve host: otel-collector.observability.svc.cluster.local",
            "getaddrinfo ENOTFOUND otel-collector.observability.svc.cluster.local",
            "Error: 14 UNAVAILABLE: Name resolution failed for target dns:otel.obs.svc.cluster.local:4317",
        ] {
            assert_eq!(hits(line)[0].cause, Cause::ClusterLocalName, "{line}");
        }
    }
}
