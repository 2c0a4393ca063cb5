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

/// Resolves and connects within `bound`, trying each address in turn.
pub async fn tcp(host: &str, port: u16, bound: Duration) -> io::Result<TcpStream> {
    let host = bare_host(host).to_owned();
    let attempt = async move {
        let mut last = None;
        for addr in tokio::net::lookup_host((host.as_str(), port)).await? {
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
