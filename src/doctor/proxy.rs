//! HTTP(S)_PROXY / NO_PROXY: which proxy an endpoint's HTTP exporter uses, and a CONNECT tunnel.
//!
//! `proxy_for` is the single rule shared by the doctor and the runner's HTTP exporter, so the
//! probe takes exactly the path the exporter will take.
//!
//! Rules:
//! - `https` endpoints use the HTTPS proxy setting, `http` endpoints the HTTP one (no fallback).
//! - A proxy URL without a scheme means `http://`; its port defaults to 80 (443 for `https://`).
//! - `NO_PROXY` is a list separated by commas or whitespace, compared case-insensitively:
//!   `*` bypasses every host; `example.com`, `.example.com` and `*.example.com` all match
//!   `example.com` and every name under it; an IP address matches that address; `10.0.0.0/8`
//!   matches addresses in the block; `host:port` / `[::1]:port` match only that port.

use super::net::{self, Conn, ConnectFailure, Recorded};
use crate::config::{ProxySettings, Source};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

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

/// Why going through the proxy failed, typed.
#[derive(Debug)]
pub enum ProxyError {
    /// The proxy's name did not resolve (or not in time).
    Resolve,
    /// TCP to the proxy failed.
    Connect(ConnectFailure),
    /// The proxy answered `CONNECT` with a non-2xx status.
    Refused { status: u16, head: String },
    /// The proxy closed the connection without a complete answer.
    Closed { head: String },
    /// No complete answer within the timeout.
    Timeout,
    /// The proxy's answer was not HTTP, or its head exceeded 64 KiB.
    Garbage { head: String },
    /// Only `http://` proxies are supported.
    UnsupportedScheme,
}

/// Opens a TCP connection to the proxy itself.
pub async fn connect_proxy(
    proxy: &ProxyTarget,
    timeout: Duration,
) -> Result<tokio::net::TcpStream, ProxyError> {
    if proxy.scheme != "http" {
        return Err(ProxyError::UnsupportedScheme);
    }
    let addrs: Vec<SocketAddr> = match tokio::time::timeout(
        timeout,
        tokio::net::lookup_host((proxy.host.as_str(), proxy.port)),
    )
    .await
    {
        Ok(Ok(addrs)) => addrs.collect(),
        _ => return Err(ProxyError::Resolve),
    };
    let addr = *addrs.first().ok_or(ProxyError::Resolve)?;
    net::connect_tcp(addr, timeout)
        .await
        .map_err(ProxyError::Connect)
}

/// Opens a tunnel to the endpoint through the proxy (`CONNECT host:port`), then TLS over it
/// when the endpoint uses TLS. The recordings hold what the endpoint (not the proxy) sent.
pub async fn open_tunnel(
    probe: &super::Probe<'_>,
    proxy: &ProxyTarget,
    port: u16,
) -> Result<Conn, TunnelError> {
    let timeout = probe.opts.timeout;
    let mut tcp = connect_proxy(proxy, timeout)
        .await
        .map_err(TunnelError::Proxy)?;
    let peer = tcp
        .peer_addr()
        .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], proxy.port)));
    let authority = format!("{}:{}", bracket(&probe.endpoint.host), port);
    let request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n");
    let head = tokio::time::timeout(timeout, async {
        tcp.write_all(request.as_bytes()).await?;
        read_head(&mut tcp).await
    })
    .await;
    let head = match head {
        Err(_) => return Err(TunnelError::Proxy(ProxyError::Timeout)),
        Ok(Err(_)) => {
            return Err(TunnelError::Proxy(ProxyError::Closed {
                head: String::new(),
            }))
        }
        Ok(Ok(h)) => h,
    };
    let text = net::printable(&head.bytes[..head.bytes.len().min(512)]);
    if !head.complete {
        return Err(TunnelError::Proxy(if head.bytes.len() >= HEAD_LIMIT {
            ProxyError::Garbage { head: text }
        } else {
            ProxyError::Closed { head: text }
        }));
    }
    match status_of(&head.bytes) {
        Some(s) if (200..300).contains(&s) => {}
        Some(status) => {
            return Err(TunnelError::Proxy(ProxyError::Refused {
                status,
                head: text,
            }))
        }
        None => return Err(TunnelError::Proxy(ProxyError::Garbage { head: text })),
    }
    let (raw_stream, raw) = Recorded::new(tcp);
    if !probe.endpoint.tls {
        return Ok(Conn {
            stream: Box::new(raw_stream),
            app: raw.clone(),
            raw,
            alpn: None,
            peer,
        });
    }
    let config =
        crate::tlsconf::client_config(probe.settings, net::alpn_for(probe.settings.protocol.value))
            .map_err(|_| TunnelError::Tls)?;
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let name = rustls::pki_types::ServerName::try_from(probe.endpoint.host.clone())
        .map_err(|_| TunnelError::Tls)?;
    match tokio::time::timeout(timeout, connector.connect(name, raw_stream)).await {
        Ok(Ok(tls)) => {
            let alpn = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
            let (stream, app) = Recorded::new(tls);
            Ok(Conn {
                stream: Box::new(stream),
                raw,
                app,
                alpn,
                peer,
            })
        }
        _ => Err(TunnelError::Tls),
    }
}

/// Why a tunnel could not be opened: the proxy's fault, or TLS with the endpoint behind it.
#[derive(Debug)]
pub enum TunnelError {
    Proxy(ProxyError),
    Tls,
}

const HEAD_LIMIT: usize = 64 * 1024;

struct Head {
    bytes: Vec<u8>,
    complete: bool,
}

/// Reads a response head byte by byte (so nothing after it is consumed), at most 64 KiB.
async fn read_head(tcp: &mut tokio::net::TcpStream) -> std::io::Result<Head> {
    let mut bytes = Vec::new();
    let mut byte = [0u8; 1];
    while bytes.len() < HEAD_LIMIT {
        if tcp.read(&mut byte).await? == 0 {
            return Ok(Head {
                bytes,
                complete: false,
            });
        }
        bytes.push(byte[0]);
        if bytes.ends_with(b"\r\n\r\n") {
            return Ok(Head {
                bytes,
                complete: true,
            });
        }
    }
    Ok(Head {
        bytes,
        complete: false,
    })
}

/// The status code of an `HTTP/1.x NNN ...` head.
fn status_of(head: &[u8]) -> Option<u16> {
    let rest = head.strip_prefix(b"HTTP/1.")?;
    let code = rest.get(2..5)?;
    std::str::from_utf8(code).ok()?.parse().ok()
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

    #[test]
    fn status_line_parses() {
        assert_eq!(
            status_of(b"HTTP/1.1 200 Connection established\r\n\r\n"),
            Some(200)
        );
        assert_eq!(status_of(b"HTTP/1.0 407 Proxy\r\n\r\n"), Some(407));
        assert_eq!(status_of(b"garbage"), None);
    }
}
