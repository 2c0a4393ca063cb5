//! Which proxy (if any) the HTTP exporter uses for a URL, from `Settings.proxy`.
//!
//! A private stand-in for `doctor::proxy::proxy_for` (written in another branch); the lead should
//! switch the exporter to that one function so the doctor and the exporter cannot disagree.

use crate::config::ProxySettings;

/// The proxy URL for `scheme://host:port`, or `None` for a direct connection.
pub fn proxy_for(scheme: &str, host: &str, port: u16, proxy: &ProxySettings) -> Option<String> {
    let chosen = match scheme {
        "https" => proxy.https.as_ref(),
        "http" => proxy.http.as_ref(),
        _ => None,
    }?;
    if chosen.value.trim().is_empty() {
        return None;
    }
    if let Some(no) = &proxy.no_proxy {
        if bypass(&no.value, host, port) {
            return None;
        }
    }
    Some(chosen.value.clone())
}

/// `NO_PROXY` as curl reads it: `*`, host names (matching sub-domains, leading dot optional),
/// IP addresses, each optionally with `:port`.
fn bypass(no_proxy: &str, host: &str, port: u16) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    no_proxy
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            let (name, want_port) = split_port(entry);
            if want_port.is_some_and(|p| p != port) {
                return false;
            }
            let name = name
                .trim_start_matches('[')
                .trim_end_matches(']')
                .trim_start_matches("*.")
                .trim_start_matches('.')
                .to_ascii_lowercase();
            host == name || host.ends_with(&format!(".{name}"))
        })
}

fn split_port(entry: &str) -> (&str, Option<u16>) {
    // `[::1]:4318`, `host:4318`; a bare IPv6 address has several colons and no port.
    if let Some(rest) = entry.strip_prefix('[') {
        if let Some((addr, port)) = rest.split_once("]:") {
            return (addr, port.parse().ok());
        }
        return (entry, None);
    }
    match entry.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') => (name, port.parse().ok()),
        _ => (entry, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Sourced;

    fn settings(no_proxy: &str) -> ProxySettings {
        ProxySettings {
            https: Some(Sourced::default_value("http://127.0.0.1:3128".into())),
            http: None,
            no_proxy: Some(Sourced::default_value(no_proxy.into())),
        }
    }

    #[test]
    fn no_proxy_matches_domains_ports_and_star() {
        let p = settings("example.com, .corp:4318,10.0.0.1");
        assert_eq!(proxy_for("https", "api.example.com", 443, &p), None);
        assert_eq!(proxy_for("https", "x.corp", 4318, &p), None);
        assert!(proxy_for("https", "x.corp", 4317, &p).is_some());
        assert_eq!(proxy_for("https", "10.0.0.1", 4318, &p), None);
        assert!(proxy_for("https", "notexample.com", 443, &p).is_some());
        assert_eq!(proxy_for("http", "anything", 80, &p), None);
        assert_eq!(proxy_for("https", "h", 1, &settings("*")), None);
    }
}
