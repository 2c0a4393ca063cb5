//! HTTP(S)_PROXY / NO_PROXY: which proxy (if any) an endpoint's HTTP exporter uses.
//!
//! `proxy_for` is the single rule shared by the doctor (`doctor::proxy`) and the runner's HTTP
//! exporter (`telemetry::http`), so the probe takes exactly the path the exporter will take.
//!
//! Rules:
//! - `https` endpoints use the HTTPS proxy setting, `http` endpoints the HTTP one (no fallback).
//! - A proxy URL without a scheme means `http://`; its port defaults to 80 (443 for `https://`).
//! - `NO_PROXY` is a list separated by commas or whitespace, compared case-insensitively:
//!   `*` bypasses every host; `example.com`, `.example.com` and `*.example.com` all match
//!   `example.com` and every name under it; an IP address matches that address; `10.0.0.0/8`
//!   matches addresses in the block; `host:port` / `[::1]:port` match only that port.

use super::{ProxySettings, Source};
use std::net::IpAddr;

/// The proxy an endpoint's requests go through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyTarget {
    /// `http://[user@]host:port`, never a password.
    pub display: String,
    pub scheme: String,
    pub host: String,
    pub port: u16,
    /// Where the proxy setting came from (e.g. `env:HTTPS_PROXY`).
    pub source: Source,
    /// The proxy URL carries credentials (the probe cannot send them: they are redacted).
    pub has_credentials: bool,
}

/// A proxy setting that is not a usable URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidProxy {
    pub value: String,
    pub source: Source,
}

/// The proxy the HTTP exporter uses for `host:port` (`tls`: the endpoint is `https`), or `None`
/// when no proxy applies.
pub fn proxy_for(
    host: &str,
    port: u16,
    tls: bool,
    settings: &ProxySettings,
) -> Result<Option<ProxyTarget>, InvalidProxy> {
    let chosen = if tls { &settings.https } else { &settings.http };
    let Some(setting) = chosen.as_ref().filter(|s| !s.value.trim().is_empty()) else {
        return Ok(None);
    };
    if let Some(no_proxy) = &settings.no_proxy {
        if no_proxy_matches(&no_proxy.value, host, port) {
            return Ok(None);
        }
    }
    parse_proxy(&setting.value, &setting.source).map(Some)
}

/// Parses a proxy URL (display form) into a target.
pub fn parse_proxy(value: &str, source: &Source) -> Result<ProxyTarget, InvalidProxy> {
    let invalid = || InvalidProxy {
        value: value.to_string(),
        source: source.clone(),
    };
    let trimmed = value.trim();
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_string()
    } else {
        format!("http://{trimmed}")
    };
    let url = url::Url::parse(&with_scheme).map_err(|_| invalid())?;
    let host = url.host_str().ok_or_else(invalid)?;
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = url.port_or_known_default().ok_or_else(invalid)?;
    let user = url.username();
    let has_credentials = !user.is_empty() || url.password().is_some();
    let user_part = if user.is_empty() {
        String::new()
    } else {
        format!("{user}@")
    };
    Ok(ProxyTarget {
        display: format!(
            "{}://{}{}:{}",
            url.scheme(),
            user_part,
            bracket(&host),
            port
        ),
        scheme: url.scheme().to_string(),
        host,
        port,
        source: source.clone(),
        has_credentials,
    })
}

/// `[v6]` for IPv6 literals, the host unchanged otherwise.
pub fn bracket(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

/// True when a `NO_PROXY` value exempts `host:port` from the proxy.
pub fn no_proxy_matches(no_proxy: &str, host: &str, port: u16) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let host_ip: Option<IpAddr> = host.parse().ok();
    no_proxy
        .split(|c: char| c == ',' || c.is_whitespace())
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| entry_matches(&entry.to_ascii_lowercase(), &host, host_ip, port))
}

fn entry_matches(entry: &str, host: &str, host_ip: Option<IpAddr>, port: u16) -> bool {
    if entry == "*" {
        return true;
    }
    let (name, entry_port) = split_port(entry);
    if entry_port.is_some_and(|p| p != port) {
        return false;
    }
    if let Some((net, bits)) = name.split_once('/') {
        return match (net.parse::<IpAddr>(), bits.parse::<u8>(), host_ip) {
            (Ok(net), Ok(bits), Some(ip)) => in_cidr(ip, net, bits),
            _ => false,
        };
    }
    if let Ok(ip) = name.parse::<IpAddr>() {
        return host_ip == Some(ip);
    }
    let domain = name
        .trim_start_matches("*.")
        .trim_start_matches('.')
        .trim_end_matches('.');
    !domain.is_empty()
        && (host == domain
            || (host.len() > domain.len()
                && host.ends_with(domain)
                && host.as_bytes()[host.len() - domain.len() - 1] == b'.'))
}

/// Splits `host:port`, `[v6]:port`, `[v6]`, or a bare IPv6 literal / CIDR (no port).
fn split_port(entry: &str) -> (&str, Option<u16>) {
    if let Some(rest) = entry.strip_prefix('[') {
        if let Some((inside, after)) = rest.split_once(']') {
            let port = after.strip_prefix(':').and_then(|p| p.parse().ok());
            return (inside, port);
        }
    }
    match entry.matches(':').count() {
        1 => {
            let (h, p) = entry.split_once(':').unwrap_or((entry, ""));
            match p.parse() {
                Ok(p) => (h, Some(p)),
                Err(_) => (entry, None),
            }
        }
        _ => (entry, None),
    }
}

fn in_cidr(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) if bits <= 32 => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) if bits <= 128 => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Sourced;

    fn settings(https: Option<&str>, http: Option<&str>, no_proxy: Option<&str>) -> ProxySettings {
        let s = |v: &str, var: &str| Sourced::new(v.to_string(), Source::Env(var.to_string()));
        ProxySettings {
            https: https.map(|v| s(v, "HTTPS_PROXY")),
            http: http.map(|v| s(v, "HTTP_PROXY")),
            no_proxy: no_proxy.map(|v| s(v, "NO_PROXY")),
        }
    }

    #[test]
    fn scheme_picks_the_matching_variable() {
        let p = settings(Some("http://secure:3128"), Some("plain:8080"), None);
        let https = proxy_for("collector", 4318, true, &p).unwrap().unwrap();
        assert_eq!(https.display, "http://secure:3128");
        assert_eq!(https.source, Source::Env("HTTPS_PROXY".into()));
        let http = proxy_for("collector", 4318, false, &p).unwrap().unwrap();
        assert_eq!((http.host.as_str(), http.port), ("plain", 8080));
        let only_http = settings(None, Some("plain:8080"), None);
        assert_eq!(proxy_for("collector", 4318, true, &only_http), Ok(None));
    }

    /// The exporter's cases (it had its own copy of the rule): through `proxy_for`, with the
    /// HTTPS proxy set and no HTTP proxy.
    #[test]
    fn no_proxy_matches_domains_ports_and_star() {
        let proxy = Some("http://127.0.0.1:3128");
        let p = settings(proxy, None, Some("example.com, .corp:4318,10.0.0.1"));
        assert_eq!(proxy_for("api.example.com", 443, true, &p), Ok(None));
        assert_eq!(proxy_for("x.corp", 4318, true, &p), Ok(None));
        assert!(matches!(proxy_for("x.corp", 4317, true, &p), Ok(Some(_))));
        assert_eq!(proxy_for("10.0.0.1", 4318, true, &p), Ok(None));
        assert!(matches!(
            proxy_for("notexample.com", 443, true, &p),
            Ok(Some(_))
        ));
        assert_eq!(proxy_for("anything", 80, false, &p), Ok(None));
        let star = settings(proxy, None, Some("*"));
        assert_eq!(proxy_for("h", 1, true, &star), Ok(None));
    }

    #[test]
    fn no_proxy_forms() {
        assert!(no_proxy_matches("*", "anything", 1));
        assert!(no_proxy_matches("example.com", "example.com", 1));
        assert!(no_proxy_matches("example.com", "otel.example.com", 1));
        assert!(no_proxy_matches(".example.com", "otel.example.com", 1));
        assert!(no_proxy_matches(".example.com", "example.com", 1));
        assert!(no_proxy_matches("*.example.com", "a.b.example.com", 1));
        assert!(!no_proxy_matches("example.com", "badexample.com", 1));
        assert!(!no_proxy_matches(".example.com", "example.org", 1));
        assert!(no_proxy_matches("EXAMPLE.com", "Otel.Example.COM.", 1));
        assert!(no_proxy_matches("collector:4318", "collector", 4318));
        assert!(!no_proxy_matches("collector:4318", "collector", 4317));
        assert!(no_proxy_matches("10.0.0.5", "10.0.0.5", 4318));
        assert!(!no_proxy_matches("10.0.0.5", "10.0.0.6", 4318));
        assert!(no_proxy_matches("10.0.0.0/8", "10.20.30.40", 4318));
        assert!(!no_proxy_matches("10.0.0.0/8", "11.0.0.1", 4318));
        assert!(no_proxy_matches("::1", "::1", 4318));
        assert!(no_proxy_matches("[::1]:4318", "[::1]", 4318));
        assert!(!no_proxy_matches("[::1]:4318", "::1", 4317));
        assert!(no_proxy_matches("foo, bar  baz,,collector", "collector", 1));
        assert!(!no_proxy_matches("", "collector", 1));
    }

    #[test]
    fn no_proxy_bypasses_and_display_hides_password() {
        let p = settings(
            Some("http://user:<redacted len=3 sha256=00>@proxy.corp:3128"),
            None,
            Some("localhost,.internal"),
        );
        assert_eq!(proxy_for("otel.internal", 4318, true, &p), Ok(None));
        let t = proxy_for("otel.example.com", 4318, true, &p)
            .unwrap()
            .unwrap();
        assert_eq!(t.display, "http://user@proxy.corp:3128");
        assert!(t.has_credentials);
        let bad = settings(Some("http://"), None, None);
        assert!(proxy_for("x", 1, true, &bad).is_err());
    }
}
