//! Bounded HTTP/1.1 and HTTP/2 exchanges over probe connections (direct or through the proxy),
//! and what the peer did when an exchange failed, decided from the bytes it sent.

use crate::doctor::net::{self, Conn, PeerGreeting, Recording};
use crate::doctor::proxy::{self, InvalidProxy, ProxyError, ProxyTarget, TunnelError};
use crate::doctor::Probe;
use bytes::Bytes;
use http::{HeaderMap, Request, StatusCode, Version};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// Every read from a peer stops here.
pub const BODY_LIMIT: usize = 64 * 1024;

mod request;
mod reuse;
pub use request::*;
pub use reuse::*;

/// A response: head, at most `BODY_LIMIT` bytes of body, trailers.
#[derive(Debug)]
pub struct Answer {
    pub version: Version,
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub body_end: BodyEnd,
    pub trailers: Option<HeaderMap>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// A gRPC status field, from the trailers or (trailers-only answer) the headers.
    pub fn grpc_field(&self, name: &str) -> Option<&str> {
        self.trailers
            .as_ref()
            .and_then(|t| t.get(name))
            .or_else(|| self.headers.get(name))
            .and_then(|v| v.to_str().ok())
    }

    /// The media type without parameters, lower case (`application/x-protobuf`).
    pub fn media_type(&self) -> Option<String> {
        self.header("content-type").map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
    }
    /// The typed facts the one answer classifier (`facts::answer::classify`) reads.
    pub fn facts(&self) -> crate::facts::answer::AnswerFacts {
        crate::facts::answer::AnswerFacts {
            http_status: self.status.as_u16(),
            media_type: self.media_type(),
            grpc_status: self
                .grpc_field("grpc-status")
                .and_then(|s| s.trim().parse().ok()),
            sign: crate::facts::answer::BodySign::of(&self.body),
        }
    }
}

/// How reading the body ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyEnd {
    Complete,
    /// More than `BODY_LIMIT` bytes: the rest was not read.
    Truncated,
    TimedOut,
    /// The connection failed mid-body.
    Failed,
}

/// Why an exchange produced no response head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// No response head within the timeout.
    Timeout,
    /// The connection failed first; `too_large` when the head exceeded the limit, `reset` when
    /// an I/O reset was seen.
    Broken { too_large: bool, reset: bool },
    /// The peer reset the HTTP/2 stream (`RST_STREAM`) with this error code before answering.
    StreamReset { code: u32 },
}

pub use crate::facts::PeerDid;

/// Classifies a failed exchange from the recorded application bytes.
pub fn peer_did(failure: Failure, app: &Recording, expected_h2: bool) -> PeerDid {
    let greeting = app.greeting();
    // A clean EOF seen by the reader outranks a write error (EPIPE) that followed it.
    let reset = app.read_error() == Some(std::io::ErrorKind::ConnectionReset)
        || (matches!(failure, Failure::Broken { reset: true, .. }) && !app.saw_eof());
    // `HTT` is enough: read as an h2 frame header it is the length 0x485454 ("FRAME_SIZE_ERROR:
    // 4740180"), and a trickling HTTP/1 server may not have sent more yet.
    let first = app.first_bytes();
    let http1_prefix = first.len() >= 3 && b"HTTP/1.".starts_with(&first[..first.len().min(7)]);
    if let Failure::StreamReset { code } = failure {
        return PeerDid::StreamReset { code };
    }
    match greeting {
        g if g.is_tls() => PeerDid::SpokeTls,
        _ if http1_prefix && expected_h2 => PeerDid::SpokeHttp1,
        PeerGreeting::Http1 if expected_h2 => PeerDid::SpokeHttp1,
        PeerGreeting::H2Settings | PeerGreeting::H2GoAway if !expected_h2 => PeerDid::SpokeH2,
        PeerGreeting::Nothing if reset => PeerDid::Reset,
        PeerGreeting::Nothing if failure == Failure::Timeout => PeerDid::Silent,
        PeerGreeting::Nothing => PeerDid::Closed,
        _ if failure == Failure::Timeout => PeerDid::Silent,
        _ => PeerDid::Unparseable {
            too_large: matches!(
                failure,
                Failure::Broken {
                    too_large: true,
                    ..
                }
            ),
            closed: app.saw_eof() || reset,
        },
    }
}

/// The outcome of one exchange, with what was recorded on the wire.
#[derive(Debug)]
pub struct Exchange {
    pub result: Result<Answer, Failure>,
    pub app: Recording,
    pub elapsed: Duration,
}

/// Aborts the spawned connection driver when the exchange (or the kept connection) is done.
pub(crate) struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// How long an exchange waits: `step` for connection-level steps (the HTTP/2 handshake, a kept
/// connection becoming ready: the doctor's `--timeout`), `answer` for the answer to a request
/// (the exporter's own timeout: a collector slower than `--timeout` but within it works).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds {
    pub step: Duration,
    pub answer: Duration,
}

/// Sends one request over `conn` (HTTP/2 when `h2`) and reads the answer, every step bounded.
pub async fn exchange(conn: Conn, h2: bool, req: Request<Full<Bytes>>, bounds: Bounds) -> Exchange {
    exchange_keep(conn, h2, req, bounds).await.0
}

/// Like `exchange`, and keeps the connection when the answer was read to its end, so that one
/// more request can go over it (see `Ready`).
pub(crate) async fn exchange_keep(
    conn: Conn,
    h2: bool,
    req: Request<Full<Bytes>>,
    bounds: Bounds,
) -> (Exchange, Option<(Sender, AbortOnDrop)>) {
    let started = Instant::now();
    let app = conn.app.clone();
    let io = TokioIo::new(conn.stream);
    // The two versions differ only in their builder and sender types.
    macro_rules! handshake_and_send {
        ($handshake:expr, $kind:path) => {
            match tokio::time::timeout(bounds.step, $handshake).await {
                Err(_) => (Err(Failure::Timeout), None),
                Ok(Err(e)) => (Err(broken(&e)), None),
                Ok(Ok((mut sender, connection))) => {
                    let driver = AbortOnDrop(tokio::spawn(async move {
                        let _ = connection.await;
                    }));
                    let result = respond(sender.send_request(req), bounds.answer).await;
                    let whole = matches!(&result, Ok(a) if a.body_end == BodyEnd::Complete);
                    (result, whole.then(|| ($kind(sender), driver)))
                }
            }
        };
    }
    let (result, kept) = if h2 {
        let mut builder = hyper::client::conn::http2::Builder::new(TokioExecutor::new());
        builder.max_header_list_size(BODY_LIMIT as u32);
        handshake_and_send!(builder.handshake(io), Sender::H2)
    } else {
        let mut builder = hyper::client::conn::http1::Builder::new();
        builder.max_buf_size(BODY_LIMIT).max_headers(200);
        handshake_and_send!(builder.handshake(io), Sender::H1)
    };
    let ex = Exchange {
        result,
        app,
        elapsed: started.elapsed(),
    };
    (ex, kept)
}

async fn respond(
    sent: impl std::future::Future<Output = hyper::Result<http::Response<hyper::body::Incoming>>>,
    timeout: Duration,
) -> Result<Answer, Failure> {
    // One deadline for head and body, as the exporter's timeout covers the whole export: a
    // head trickled in just under the bound leaves no fresh bound for the body.
    let deadline = tokio::time::Instant::now() + timeout;
    let response = match tokio::time::timeout_at(deadline, sent).await {
        Err(_) => return Err(Failure::Timeout),
        Ok(Err(e)) => return Err(broken(&e)),
        Ok(Ok(r)) => r,
    };
    let (parts, mut body) = response.into_parts();
    let mut data = Vec::new();
    let mut trailers = None;
    let mut body_end = BodyEnd::Complete;
    loop {
        match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) => {
                body_end = BodyEnd::TimedOut;
                break;
            }
            Ok(None) => break,
            Ok(Some(Err(_))) => {
                body_end = BodyEnd::Failed;
                break;
            }
            Ok(Some(Ok(frame))) => match frame.into_data() {
                Ok(chunk) => {
                    let room = BODY_LIMIT - data.len();
                    data.extend_from_slice(&chunk[..chunk.len().min(room)]);
                    if chunk.len() > room {
                        body_end = BodyEnd::Truncated;
                        break;
                    }
                }
                Err(frame) => {
                    if let Ok(t) = frame.into_trailers() {
                        trailers = Some(t);
                    }
                }
            },
        }
    }
    Ok(Answer {
        version: parts.version,
        status: parts.status,
        headers: parts.headers,
        body: data,
        body_end,
        trailers,
    })
}

fn broken(error: &hyper::Error) -> Failure {
    let mut reset = false;
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        // A stream reset by the peer is a typed answer, not a broken connection.
        if let Some(h2) = e.downcast_ref::<h2::Error>() {
            if let (Some(reason), true) = (h2.reason(), h2.is_reset() && h2.is_remote()) {
                return Failure::StreamReset {
                    code: reason.into(),
                };
            }
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            reset |= matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
            );
        }
        source = e.source();
    }
    Failure::Broken {
        too_large: error.is_parse_too_large(),
        reset,
    }
}

/// A connection ready for a request, and how requests must be written on it.
#[derive(Debug)]
pub struct Opened {
    pub conn: Conn,
    /// Speak HTTP/2 (gRPC, or ALPN chose `h2`).
    pub h2: bool,
    /// Requests use the absolute form (plain HTTP through a proxy).
    pub absolute_form: bool,
    pub proxy: Option<ProxyTarget>,
}

impl Opened {
    pub fn framing(&self) -> Framing {
        Framing {
            h2: self.h2,
            absolute_form: self.absolute_form,
        }
    }
}

/// How requests must be written on a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Framing {
    /// Speak HTTP/2.
    pub h2: bool,
    /// Requests use the absolute form (plain HTTP through a proxy).
    pub absolute_form: bool,
}

impl Framing {
    /// gRPC: HTTP/2, always directly (tonic has no proxy support).
    pub const GRPC: Framing = Framing {
        h2: true,
        absolute_form: false,
    };
}

/// Why no connection could be opened.
#[derive(Debug)]
pub enum OpenFailure {
    Net(net::OpenError),
    InvalidProxy(InvalidProxy),
    Proxy(ProxyTarget, ProxyError),
    /// TLS with the endpoint failed inside the proxy's tunnel (`stalled`: it did not finish
    /// within the timeout; `received`: bytes that came back through the tunnel).
    TunnelTls {
        proxy: ProxyTarget,
        stalled: bool,
        received: u64,
    },
}

/// Opens a connection to `addr` the way the exporter would: gRPC always directly (tonic has no
/// proxy support), HTTP through the proxy when `proxy_for` says so.
pub async fn open(probe: &Probe<'_>, addr: SocketAddr, grpc: bool) -> Result<Opened, OpenFailure> {
    let proxy = if grpc {
        None
    } else {
        proxy::proxy_for(
            &probe.endpoint.host,
            addr.port(),
            probe.endpoint.tls,
            probe.proxy,
        )
        .map_err(OpenFailure::InvalidProxy)?
    };
    let Some(target) = proxy else {
        let conn = net::open(probe, addr).await.map_err(OpenFailure::Net)?;
        let h2 = grpc || conn.alpn.as_deref() == Some(b"h2".as_slice());
        return Ok(Opened {
            conn,
            h2,
            absolute_form: false,
            proxy: None,
        });
    };
    if probe.endpoint.tls {
        let conn = match proxy::open_tunnel(probe, &target, addr.port()).await {
            Ok(c) => c,
            Err(TunnelError::Proxy(e)) => return Err(OpenFailure::Proxy(target, e)),
            Err(TunnelError::Tls { stalled, received }) => {
                return Err(OpenFailure::TunnelTls {
                    proxy: target,
                    stalled,
                    received,
                })
            }
        };
        let h2 = conn.alpn.as_deref() == Some(b"h2".as_slice());
        return Ok(Opened {
            conn,
            h2,
            absolute_form: false,
            proxy: Some(target),
        });
    }
    let tcp = match proxy::connect_proxy(&target, probe.opts.timeout).await {
        Ok(t) => t,
        Err(e) => return Err(OpenFailure::Proxy(target, e)),
    };
    let peer = tcp.peer_addr().unwrap_or(addr);
    Ok(Opened {
        conn: Conn::plain(tcp, peer),
        h2: false,
        absolute_form: true,
        proxy: Some(target),
    })
}
