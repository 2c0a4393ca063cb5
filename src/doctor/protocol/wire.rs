//! Bounded HTTP/1.1 and HTTP/2 exchanges over probe connections (direct or through the proxy),
//! and what the peer did when an exchange failed, decided from the bytes it sent.

use crate::config::{Compression, Protocol};
use crate::doctor::net::{self, Conn, PeerGreeting, Recorded, Recording};
use crate::doctor::proxy::{self, InvalidProxy, ProxyError, ProxyTarget, TunnelError};
use crate::doctor::Probe;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Request, StatusCode, Version};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::io::Write;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// Every read from a peer stops here.
pub const BODY_LIMIT: usize = 64 * 1024;

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
}

/// What the peer did when an exchange failed, from its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeerDid {
    /// Sent nothing and closed the connection.
    Closed,
    /// Sent nothing and reset the connection.
    Reset,
    /// Sent no answer within the timeout.
    Silent,
    /// Answered as a TLS server.
    SpokeTls,
    /// Answered an HTTP/2 preface with HTTP/1.
    SpokeHttp1,
    /// Answered an HTTP/1 request with HTTP/2 frames.
    SpokeH2,
    /// Answered with something that is not a usable response: garbage, a head over 64 KiB, or a
    /// close in the middle of the answer.
    Unparseable { too_large: bool, closed: bool },
}

/// Classifies a failed exchange from the recorded application bytes.
pub fn peer_did(failure: Failure, app: &Recording, expected_h2: bool) -> PeerDid {
    let greeting = app.greeting();
    // A clean EOF seen by the reader outranks a write error (EPIPE) that followed it.
    let reset = app.read_error() == Some(std::io::ErrorKind::ConnectionReset)
        || (matches!(failure, Failure::Broken { reset: true, .. }) && !app.saw_eof());
    match greeting {
        g if g.is_tls() => PeerDid::SpokeTls,
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

/// Aborts the spawned connection driver when the exchange is done.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Sends one request over `conn` (HTTP/2 when `h2`) and reads the answer, every step bounded.
pub async fn exchange(
    conn: Conn,
    h2: bool,
    req: Request<Full<Bytes>>,
    timeout: Duration,
) -> Exchange {
    let started = Instant::now();
    let app = conn.app.clone();
    let io = TokioIo::new(conn.stream);
    let result = if h2 {
        let mut builder = hyper::client::conn::http2::Builder::new(TokioExecutor::new());
        builder.max_header_list_size(BODY_LIMIT as u32);
        match tokio::time::timeout(timeout, builder.handshake(io)).await {
            Err(_) => Err(Failure::Timeout),
            Ok(Err(e)) => Err(broken(&e)),
            Ok(Ok((mut sender, connection))) => {
                let _driver = AbortOnDrop(tokio::spawn(async move {
                    let _ = connection.await;
                }));
                respond(sender.send_request(req), timeout).await
            }
        }
    } else {
        let mut builder = hyper::client::conn::http1::Builder::new();
        builder.max_buf_size(BODY_LIMIT).max_headers(200);
        match tokio::time::timeout(timeout, builder.handshake(io)).await {
            Err(_) => Err(Failure::Timeout),
            Ok(Err(e)) => Err(broken(&e)),
            Ok(Ok((mut sender, connection))) => {
                let _driver = AbortOnDrop(tokio::spawn(async move {
                    let _ = connection.await;
                }));
                respond(sender.send_request(req), timeout).await
            }
        }
    };
    Exchange {
        result,
        app,
        elapsed: started.elapsed(),
    }
}

async fn respond(
    sent: impl std::future::Future<Output = hyper::Result<http::Response<hyper::body::Incoming>>>,
    timeout: Duration,
) -> Result<Answer, Failure> {
    let response = match tokio::time::timeout(timeout, sent).await {
        Err(_) => return Err(Failure::Timeout),
        Ok(Err(e)) => return Err(broken(&e)),
        Ok(Ok(r)) => r,
    };
    let (parts, mut body) = response.into_parts();
    let deadline = tokio::time::Instant::now() + timeout;
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

/// Why no connection could be opened.
#[derive(Debug)]
pub enum OpenFailure {
    Net(net::OpenError),
    InvalidProxy(InvalidProxy),
    Proxy(ProxyTarget, ProxyError),
    /// TLS with the endpoint failed inside the proxy's tunnel.
    TunnelTls(ProxyTarget),
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
            Err(TunnelError::Tls) => return Err(OpenFailure::TunnelTls(target)),
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
    let (stream, raw) = Recorded::new(tcp);
    Ok(Opened {
        conn: Conn {
            stream: Box::new(stream),
            app: raw.clone(),
            raw,
            alpn: None,
            peer,
        },
        h2: false,
        absolute_form: true,
        proxy: Some(target),
    })
}

/// `host:port` of the endpoint at `port`.
pub fn authority(probe: &Probe<'_>, port: u16) -> String {
    format!("{}:{}", proxy::bracket(&probe.endpoint.host), port)
}

fn scheme(probe: &Probe<'_>) -> &'static str {
    if probe.endpoint.tls {
        "https"
    } else {
        "http"
    }
}

/// Adds the configured headers (this is only ever called for the configured host).
fn with_configured_headers(
    mut req: Request<Full<Bytes>>,
    probe: &Probe<'_>,
) -> Request<Full<Bytes>> {
    for h in &probe.settings.headers.value {
        let (Ok(name), Ok(mut value)) = (
            HeaderName::from_bytes(h.name.trim().as_bytes()),
            HeaderValue::from_str(h.value.expose()),
        ) else {
            continue; // The config stage reports headers that do not parse.
        };
        value.set_sensitive(true);
        req.headers_mut().append(name, value);
    }
    req
}

/// gzip of `data`.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = enc.write_all(data);
    enc.finish().unwrap_or_default()
}

/// A gRPC length-prefixed message (compressed with gzip when asked).
pub fn grpc_frame(message: &[u8], gzip_it: bool) -> Bytes {
    let payload = if gzip_it {
        gzip(message)
    } else {
        message.to_vec()
    };
    let mut frame = Vec::with_capacity(5 + payload.len());
    frame.push(u8::from(gzip_it));
    frame.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    frame.extend_from_slice(&payload);
    Bytes::from(frame)
}

/// A unary gRPC call of `path` carrying `message`, with the configured headers.
pub fn grpc_request(
    probe: &Probe<'_>,
    port: u16,
    path: &str,
    message: &[u8],
    gzip_it: bool,
) -> Request<Full<Bytes>> {
    let uri = format!("{}://{}{}", scheme(probe), authority(probe, port), path);
    let mut builder = Request::post(uri)
        .version(Version::HTTP_2)
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .header(
            "user-agent",
            concat!("runner-doctor/", env!("CARGO_PKG_VERSION")),
        )
        .header("grpc-accept-encoding", "gzip");
    if gzip_it {
        builder = builder.header("grpc-encoding", "gzip");
    }
    let req = builder
        .body(Full::new(grpc_frame(message, gzip_it)))
        .unwrap_or_else(|_| Request::new(Full::new(Bytes::new())));
    with_configured_headers(req, probe)
}

/// The empty export body for an HTTP protocol: nothing for protobuf, `{}` for JSON.
pub fn empty_export_body(protocol: Protocol) -> (&'static str, &'static [u8]) {
    match protocol {
        Protocol::HttpJson => ("application/json", b"{}"),
        _ => ("application/x-protobuf", b""),
    }
}

/// An empty OTLP/HTTP export POST to `path_and_query` at `port`, with the configured headers.
pub fn http_request(
    probe: &Probe<'_>,
    opened: &Opened,
    port: u16,
    path_and_query: &str,
    protocol: Protocol,
    compression: Compression,
) -> Request<Full<Bytes>> {
    let authority = authority(probe, port);
    let uri = if opened.h2 || opened.absolute_form {
        format!("{}://{}{}", scheme(probe), authority, path_and_query)
    } else {
        path_and_query.to_string()
    };
    let (content_type, body) = empty_export_body(protocol);
    let mut builder = Request::post(uri)
        .header("content-type", content_type)
        .header(
            "user-agent",
            concat!("runner-doctor/", env!("CARGO_PKG_VERSION")),
        );
    if opened.h2 {
        builder = builder.version(Version::HTTP_2);
    } else {
        builder = builder.header("host", authority);
    }
    let body = if compression == Compression::Gzip {
        builder = builder.header("content-encoding", "gzip");
        gzip(body)
    } else {
        body.to_vec()
    };
    let req = builder
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_else(|_| Request::new(Full::new(Bytes::new())));
    with_configured_headers(req, probe)
}

/// The path and query of the effective URL (`/` when it has none).
pub fn url_path(probe: &Probe<'_>) -> String {
    let from_url = probe
        .settings
        .url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
        .map(|u| match u.query() {
            Some(q) => format!("{}?{}", u.path(), q),
            None => u.path().to_string(),
        });
    from_url.unwrap_or_else(|| {
        if probe.endpoint.path.is_empty() {
            "/".to_string()
        } else {
            probe.endpoint.path.clone()
        }
    })
}

/// Quotes a body for evidence: at most 500 bytes (8 KiB when verbose), non-printables escaped.
pub fn quote(body: &[u8], verbose: bool) -> String {
    let limit = if verbose { 8 * 1024 } else { 500 };
    let shown = &body[..body.len().min(limit)];
    let text: String = String::from_utf8_lossy(shown)
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect();
    if body.len() > limit {
        format!("{text}... ({} bytes in all)", body.len())
    } else {
        text
    }
}

/// The OTLP/gRPC export method of a signal.
pub fn export_path(signal: crate::config::Signal) -> &'static str {
    use crate::config::Signal;
    match signal {
        Signal::Traces => "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
        Signal::Metrics => "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
        Signal::Logs => "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
    }
}

/// The message inside a gRPC length-prefixed frame (gunzipped when flagged), at most
/// `BODY_LIMIT` bytes. `None` when the frame is incomplete or does not decompress.
pub fn grpc_message(body: &[u8]) -> Option<Vec<u8>> {
    let (&flag, rest) = body.split_first()?;
    let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
    let payload = rest.get(4..4 + len)?;
    if flag == 0 {
        return Some(payload.to_vec());
    }
    let mut out = Vec::new();
    let decoder = flate2::read::GzDecoder::new(payload);
    std::io::Read::read_to_end(
        &mut std::io::Read::take(decoder, BODY_LIMIT as u64),
        &mut out,
    )
    .ok()?;
    Some(out)
}
