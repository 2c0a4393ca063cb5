//! Transport for probes: bounded connects, and a stream wrapper that records what the peer sent
//! first, so stages classify from the bytes seen on the wire rather than from error strings.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// How many of the peer's first bytes are kept as evidence.
pub const RECORD_LIMIT: usize = 512;

pub use crate::facts::diagnosis::tls::PeerGreeting;
pub use crate::facts::net::printable;

/// What a recorded connection saw, shared between the stream and whoever inspects it.
#[derive(Clone, Debug, Default)]
pub struct Recording {
    inner: Arc<Mutex<RecordingState>>,
}

#[derive(Debug, Default)]
struct RecordingState {
    first: Vec<u8>,
    total_read: u64,
    eof: bool,
    read_error: Option<io::ErrorKind>,
}

impl Recording {
    /// The first bytes the peer sent (at most `RECORD_LIMIT`).
    pub fn first_bytes(&self) -> Vec<u8> {
        self.inner.lock().unwrap().first.clone()
    }

    pub fn greeting(&self) -> PeerGreeting {
        PeerGreeting::classify(&self.first_bytes())
    }

    /// The peer closed the connection cleanly (read returned 0).
    pub fn saw_eof(&self) -> bool {
        self.inner.lock().unwrap().eof
    }

    /// The kind of the first read error (e.g. `ConnectionReset`).
    pub fn read_error(&self) -> Option<io::ErrorKind> {
        self.inner.lock().unwrap().read_error
    }

    pub fn total_read(&self) -> u64 {
        self.inner.lock().unwrap().total_read
    }

    /// Evidence for reports: hex and printable form of the first bytes, EOF and error.
    pub fn evidence(&self) -> serde_json::Value {
        let st = self.inner.lock().unwrap();
        serde_json::json!({
            "first_bytes_hex": hex::encode(&st.first[..st.first.len().min(64)]),
            "first_bytes_text": printable(&st.first[..st.first.len().min(64)]),
            "bytes_read": st.total_read,
            "peer_closed": st.eof,
            "read_error": st.read_error.map(|k| k.to_string()),
            "greeting": PeerGreeting::classify(&st.first),
        })
    }
}

/// A stream that records the first bytes read from it.
#[derive(Debug)]
pub struct Recorded<S> {
    inner: S,
    recording: Recording,
}

impl<S> Recorded<S> {
    pub fn new(inner: S) -> (Recorded<S>, Recording) {
        let recording = Recording::default();
        (
            Recorded {
                inner,
                recording: recording.clone(),
            },
            recording,
        )
    }

    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Recorded<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let res = Pin::new(&mut self.inner).poll_read(cx, buf);
        let mut st = self.recording.inner.lock().unwrap();
        match &res {
            Poll::Ready(Ok(())) => {
                let new = &buf.filled()[before..];
                if new.is_empty() {
                    st.eof = true;
                } else {
                    let room = RECORD_LIMIT.saturating_sub(st.first.len());
                    st.first.extend_from_slice(&new[..new.len().min(room)]);
                    st.total_read += new.len() as u64;
                }
            }
            Poll::Ready(Err(e)) => {
                st.read_error.get_or_insert(e.kind());
            }
            Poll::Pending => {}
        }
        res
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Recorded<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

pub use crate::facts::ConnectFailure;

/// Connects within `timeout`.
pub async fn connect_tcp(addr: SocketAddr, timeout: Duration) -> Result<TcpStream, ConnectFailure> {
    match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
        Err(_) => Err(ConnectFailure::Timeout),
        Ok(Ok(s)) => {
            let _ = s.set_nodelay(true);
            Ok(s)
        }
        Ok(Err(e)) => Err(match e.kind() {
            io::ErrorKind::ConnectionRefused => ConnectFailure::Refused,
            io::ErrorKind::TimedOut => ConnectFailure::Timeout,
            io::ErrorKind::HostUnreachable | io::ErrorKind::NetworkUnreachable => {
                ConnectFailure::Unreachable
            }
            io::ErrorKind::ConnectionReset => ConnectFailure::Reset,
            other => match e.raw_os_error() {
                // EHOSTUNREACH, ENETUNREACH, EADDRNOTAVAIL (e.g. no IPv6 route)
                Some(113) | Some(101) | Some(99) => ConnectFailure::Unreachable,
                _ => ConnectFailure::Other(other),
            },
        }),
    }
}

/// A byte stream a probe can speak over: plain TCP or TLS over TCP.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// An open probe connection, with what the peer sent recorded at two levels.
pub struct Conn {
    pub stream: Box<dyn Io>,
    /// Raw bytes from the socket (under TLS, the TLS records).
    pub raw: Recording,
    /// Application bytes (after TLS decryption; the same as `raw` for plaintext).
    pub app: Recording,
    /// The ALPN protocol the server chose, when TLS was used.
    pub alpn: Option<Vec<u8>>,
    pub peer: SocketAddr,
}

impl Conn {
    /// A plaintext connection: application bytes are the raw bytes, so one recording serves.
    pub fn plain(tcp: TcpStream, peer: SocketAddr) -> Conn {
        let (stream, raw) = Recorded::new(tcp);
        Conn {
            stream: Box::new(stream),
            app: raw.clone(),
            raw,
            alpn: None,
            peer,
        }
    }
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn")
            .field("peer", &self.peer)
            .field("alpn", &self.alpn)
            .finish_non_exhaustive()
    }
}

/// Why `open` failed, typed.
#[derive(Debug)]
pub enum OpenError {
    Connect(ConnectFailure),
    TlsSetup(crate::tlsconf::TlsSetupError),
    /// The TLS handshake failed; `raw` holds what the peer sent.
    Handshake {
        error: io::Error,
        raw: Recording,
    },
    HandshakeTimeout {
        raw: Recording,
    },
}

/// ALPN offered for a protocol: `h2` for gRPC, `h2` and `http/1.1` for HTTP.
pub fn alpn_for(protocol: crate::config::Protocol) -> &'static [&'static [u8]] {
    if protocol.is_http() {
        &[b"h2", b"http/1.1"]
    } else {
        &[b"h2"]
    }
}

/// Opens a connection to `addr` as the endpoint says: TCP, then TLS when the endpoint uses TLS.
/// Each step is bounded by the probe's timeout.
pub async fn open(probe: &super::Probe<'_>, addr: SocketAddr) -> Result<Conn, OpenError> {
    let timeout = probe.opts.timeout;
    let tcp = connect_tcp(addr, timeout)
        .await
        .map_err(OpenError::Connect)?;
    if !probe.endpoint.tls {
        return Ok(Conn::plain(tcp, addr));
    }
    let (raw_stream, raw) = Recorded::new(tcp);
    tls_over(probe, raw_stream, raw, addr).await
}

/// TLS with the endpoint over `raw_stream` (a recorded TCP connection to `peer`, or a proxy's
/// tunnel), with the exporter's TLS settings, bounded by the probe's timeout.
pub async fn tls_over(
    probe: &super::Probe<'_>,
    raw_stream: Recorded<TcpStream>,
    raw: Recording,
    peer: SocketAddr,
) -> Result<Conn, OpenError> {
    let timeout = probe.opts.timeout;
    let config =
        crate::tlsconf::client_config(probe.settings, alpn_for(probe.settings.protocol.value))
            .map_err(OpenError::TlsSetup)?;
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let name = server_name(&probe.endpoint.host);
    match tokio::time::timeout(timeout, connector.connect(name, raw_stream)).await {
        Err(_) => Err(OpenError::HandshakeTimeout { raw }),
        Ok(Err(error)) => Err(OpenError::Handshake { error, raw }),
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
    }
}

/// The server name rustls verifies against: the endpoint host (an IP literal is an IP name).
pub fn server_name(host: &str) -> rustls_pki_types::ServerName<'static> {
    let bare = super::dns::bare_host(host).to_string();
    rustls_pki_types::ServerName::try_from(bare).unwrap_or_else(|_| {
        rustls_pki_types::ServerName::try_from("invalid.name").expect("valid name")
    })
}

/// The typed rustls error inside an I/O error from a handshake, if any.
pub fn rustls_error(error: &io::Error) -> Option<&rustls::Error> {
    error.get_ref()?.downcast_ref::<rustls::Error>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_first_bytes() {
        assert_eq!(
            PeerGreeting::classify(b"HTTP/1.1 400 Bad"),
            PeerGreeting::Http1
        );
        assert_eq!(
            PeerGreeting::classify(&[0, 0, 6, 4, 0, 0, 0, 0, 0]),
            PeerGreeting::H2Settings
        );
        assert_eq!(
            PeerGreeting::classify(&[0x16, 0x03, 0x03, 0, 10]),
            PeerGreeting::TlsHandshake
        );
        assert_eq!(
            PeerGreeting::classify(&[0x15, 0x03, 0x03, 0, 2, 2, 116]),
            PeerGreeting::TlsAlert {
                level: 2,
                description: 116
            }
        );
        assert_eq!(PeerGreeting::classify(b""), PeerGreeting::Nothing);
        assert_eq!(PeerGreeting::classify(b"<html>"), PeerGreeting::Text);
    }
}
