//! The doctor's side of HTTP(S)_PROXY / NO_PROXY: a CONNECT tunnel through the proxy that
//! `proxy_for` (in `config::proxy`, shared with the runner's HTTP exporter) chose.

use super::net::{self, Conn, Recorded};
pub use crate::config::proxy::{
    bracket, no_proxy_matches, parse_proxy, proxy_for, InvalidProxy, ProxyTarget,
};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub use crate::facts::ProxyError;

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

/// The proxy the exporter goes through to this probe's endpoint, the one rule `proxy_for`
/// applied: HTTP exporters only (tonic, the gRPC exporter, ignores proxies). `None` when the
/// exporter connects directly, or when the setting is not a URL (the protocol stage names that).
pub fn exporter_proxy(probe: &super::Probe<'_>) -> Option<ProxyTarget> {
    if !probe.settings.protocol.value.is_http() {
        return None;
    }
    let e = probe.endpoint;
    proxy_for(&e.host, e.port, e.tls, probe.proxy)
        .ok()
        .flatten()
}

/// A tunnel through the proxy to the endpoint's `port` (`CONNECT host:port`): the stream, once
/// the proxy said 2xx, carries the endpoint's bytes. Each step is bounded by `timeout`.
pub async fn connect_through(
    probe: &super::Probe<'_>,
    proxy: &ProxyTarget,
    port: u16,
    timeout: Duration,
) -> Result<tokio::net::TcpStream, ProxyError> {
    let mut tcp = connect_proxy(proxy, timeout).await?;
    let authority = format!("{}:{}", bracket(&probe.endpoint.host), port);
    let request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n");
    let head = tokio::time::timeout(timeout, async {
        tcp.write_all(request.as_bytes()).await?;
        read_head(&mut tcp).await
    })
    .await;
    let head = match head {
        Err(_) => return Err(ProxyError::Timeout),
        Ok(Err(_)) => {
            return Err(ProxyError::Closed {
                head: String::new(),
            })
        }
        Ok(Ok(h)) => h,
    };
    let text = net::printable(&head.bytes[..head.bytes.len().min(512)]);
    if !head.complete {
        return Err(if head.bytes.len() >= HEAD_LIMIT {
            ProxyError::Garbage { head: text }
        } else {
            ProxyError::Closed { head: text }
        });
    }
    match status_of(&head.bytes) {
        Some(s) if (200..300).contains(&s) => Ok(tcp),
        Some(status) => Err(ProxyError::Refused { status, head: text }),
        None => Err(ProxyError::Garbage { head: text }),
    }
}

/// Opens a tunnel to the endpoint through the proxy (`CONNECT host:port`), then TLS over it
/// when the endpoint uses TLS. The recordings hold what the endpoint (not the proxy) sent.
pub async fn open_tunnel(
    probe: &super::Probe<'_>,
    proxy: &ProxyTarget,
    port: u16,
) -> Result<Conn, TunnelError> {
    let tcp = connect_through(probe, proxy, port, probe.opts.timeout)
        .await
        .map_err(TunnelError::Proxy)?;
    let peer = tcp
        .peer_addr()
        .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], proxy.port)));
    if !probe.endpoint.tls {
        return Ok(Conn::plain(tcp, peer));
    }
    let (raw_stream, raw) = Recorded::new(tcp);
    net::tls_over(probe, raw_stream, raw.clone(), peer)
        .await
        .map_err(|e| TunnelError::Tls {
            stalled: matches!(e, net::OpenError::HandshakeTimeout { .. }),
            received: raw.total_read(),
        })
}

/// Evidence of a failure to go through `proxy`.
pub fn failure_evidence(proxy: &ProxyTarget, error: &ProxyError) -> serde_json::Value {
    serde_json::json!({
        "proxy": proxy.display,
        "source": proxy.source,
        "error": super::protocol::proxy_error_evidence(error),
    })
}

/// Why a tunnel could not be opened: the proxy's fault, or TLS with the endpoint behind it.
#[derive(Debug)]
pub enum TunnelError {
    Proxy(ProxyError),
    /// TLS through the open tunnel failed; `stalled` when it did not finish within the timeout,
    /// `received` bytes came back through the tunnel.
    Tls {
        stalled: bool,
        received: u64,
    },
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
