//! Bounded TCP and TLS connects for the exporters, with the TLS settings of `tlsconf`, so the
//! exporter trusts and presents exactly what the doctor's probes do.

use rustls::pki_types::ServerName;
use rustls::ClientConfig;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

/// A connection to the collector (or proxy), plaintext or TLS.
#[derive(Debug)]
pub enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl Stream {
    /// The ALPN protocol the server chose, if TLS.
    pub fn alpn(&self) -> Option<Vec<u8>> {
        match self {
            Stream::Plain(_) => None,
            Stream::Tls(t) => t.get_ref().1.alpn_protocol().map(<[u8]>::to_vec),
        }
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// The host without IPv6 brackets, as name resolution and SNI want it.
pub fn bare_host(host: &str) -> &str {
    host.trim_start_matches('[').trim_end_matches(']')
}

/// Addresses to connect to for a `host:port` instead of resolving it, as `curl --resolve`
/// does: TLS server name and `Host` stay the name. The doctor pins the canary to the addresses
/// its probes resolved (through `--dns-server`), so a split-horizon name is proven end to end.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pins(Vec<(String, u16, Vec<std::net::SocketAddr>)>);

impl Pins {
    pub fn pin(&mut self, host: &str, port: u16, addrs: Vec<std::net::SocketAddr>) {
        self.0.push((bare_host(host).to_owned(), port, addrs));
    }

    pub fn get(&self, host: &str, port: u16) -> Option<&[std::net::SocketAddr]> {
        let host = bare_host(host);
        self.0
            .iter()
            .find(|(h, p, _)| h.eq_ignore_ascii_case(host) && *p == port)
            .map(|(_, _, a)| a.as_slice())
    }
}

/// Resolves (unless pinned) and connects within `bound`, trying each address in turn.
pub async fn tcp(host: &str, port: u16, bound: Duration, pins: &Pins) -> io::Result<TcpStream> {
    let pinned = pins.get(host, port).map(<[_]>::to_vec);
    let host = bare_host(host).to_owned();
    let attempt = async move {
        let mut last = None;
        let addrs = match pinned {
            Some(a) => a,
            None => tokio::net::lookup_host((host.as_str(), port))
                .await?
                .collect(),
        };
        for addr in addrs {
            match TcpStream::connect(addr).await {
                Ok(s) => {
                    let _ = s.set_nodelay(true);
                    return Ok(s);
                }
                Err(e) => last = Some(io::Error::new(e.kind(), ConnectTo { addr, source: e })),
            }
        }
        Err(last.unwrap_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, format!("{host}: no address"))
        }))
    };
    match tokio::time::timeout(bound, attempt).await {
        Ok(r) => r,
        Err(_) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!(
                "TCP connect did not complete within {} ms",
                bound.as_millis()
            ),
        )),
    }
}

/// A connect error naming the address tried, keeping the OS error as its source.
#[derive(Debug, thiserror::Error)]
#[error("connect to {addr}")]
struct ConnectTo {
    addr: std::net::SocketAddr,
    #[source]
    source: io::Error,
}

/// Runs the TLS handshake within `bound`: a server that accepts and never answers must not hang
/// the exporter (the SDK's own timeouts do not cover the handshake).
pub async fn tls(
    tcp: TcpStream,
    config: Arc<ClientConfig>,
    server_name: &str,
    bound: Duration,
) -> io::Result<TlsStream<TcpStream>> {
    let name = ServerName::try_from(bare_host(server_name).to_owned()).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{server_name}: not a valid TLS server name: {e}"),
        )
    })?;
    match tokio::time::timeout(bound, TlsConnector::from(config).connect(name, tcp)).await {
        Ok(r) => r,
        Err(_) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!(
                "TLS handshake did not complete within {} ms",
                bound.as_millis()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_pinned_name_connects_to_its_pinned_address_without_resolving() {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let mut pins = Pins::default();
        // `.invalid` never resolves (RFC 6761): only the pin can make this connect.
        pins.pin("collector.invalid", addr.port(), vec![addr]);
        assert_eq!(
            pins.get("[collector.invalid]", addr.port()),
            Some(&[addr][..])
        );
        assert_eq!(pins.get("collector.invalid", addr.port() ^ 1), None);
        let s = tcp(
            "collector.invalid",
            addr.port(),
            Duration::from_secs(2),
            &pins,
        )
        .await
        .expect("pinned connect");
        assert_eq!(s.peer_addr().unwrap(), addr);
        assert!(
            s.nodelay().unwrap(),
            "TCP_NODELAY on the pipeline's connections"
        );
        let unpinned = tcp(
            "collector.invalid",
            addr.port(),
            Duration::from_secs(2),
            &Pins::default(),
        )
        .await;
        assert!(unpinned.is_err());
    }
}
