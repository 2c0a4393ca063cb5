//! The OTLP/HTTP exporter's HTTP client: hyper 1 over our own bounded TCP/TLS connects, proxies
//! from `Settings.proxy`, and every outcome recorded with typed facts and its full error chain
//! (opentelemetry-otlp collapses network errors to "network error" and only logs partial success).

use super::connect::{self, Stream};
use super::record::{chain_of, ExportFailure, FailureKind, Recorder, SpanPartialSuccess};
use super::ExporterError;
use crate::config::proxy::{proxy_for, ProxyTarget};
use crate::config::{Compression, ProxySettings, SignalSettings};
use crate::facts::answer::{AnswerFacts, BodySign, Sent};
use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, CONTENT_ENCODING, CONTENT_TYPE, HOST, USER_AGENT};
use http::{Request, Response};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use opentelemetry_http::{HttpClient, HttpError};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
use rustls::ClientConfig;
use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Responses larger than this are not read: a collector's answer is a few bytes.
const BODY_LIMIT: usize = 64 * 1024;

pub struct OtlpHttpClient {
    url: url::Url,
    /// The URL as shown in errors and Debug: secrets redacted.
    display: String,
    /// Configured headers; values are secrets and never printed.
    headers: Vec<(HeaderName, HeaderValue)>,
    secrets: Vec<String>,
    gzip: bool,
    tls: Option<Arc<ClientConfig>>,
    /// The proxy `config::proxy::proxy_for` chose (the doctor applies the same rule).
    proxy: Option<ProxyTarget>,
    timeout: Duration,
    pins: connect::Pins,
    recorder: Arc<Recorder>,
}

impl fmt::Debug for OtlpHttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtlpHttpClient")
            .field("url", &self.display)
            .field("proxy", &self.proxy.as_ref().map(|p| p.display.as_str()))
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl OtlpHttpClient {
    pub fn new(
        s: &SignalSettings,
        proxy: &ProxySettings,
        tls: Option<Arc<ClientConfig>>,
        recorder: Arc<Recorder>,
        pins: connect::Pins,
    ) -> Result<OtlpHttpClient, ExporterError> {
        let display = s.url.clone().ok_or(ExporterError::NoUrl)?;
        let raw = crate::config::endpoint::real_url(s).ok_or(ExporterError::NoUrl)?;
        let mut url = url::Url::parse(&raw).map_err(|e| ExporterError::Url {
            url: display.clone(),
            message: e.to_string(),
        })?;
        // Credentials never travel in the request line or appear in a recorded error.
        let _ = url.set_username("");
        let _ = url.set_password(None);
        let host = url.host_str().ok_or_else(|| ExporterError::Url {
            url: display.clone(),
            message: "no host".to_owned(),
        })?;
        let port = url.port_or_known_default().unwrap_or(80);
        let proxy = proxy_for(host, port, url.scheme() == "https", proxy).map_err(|e| {
            ExporterError::Proxy {
                url: e.value.clone(),
                source_name: e.source.to_string(),
                why: "not a usable URL",
            }
        })?;
        if let Some(p) = proxy.as_ref().filter(|p| p.scheme != "http") {
            return Err(ExporterError::Proxy {
                url: p.display.clone(),
                source_name: p.source.to_string(),
                why: "only http:// proxies are supported",
            });
        }
        // Invalid headers are a config finding; the exporter skips them, as the doctor does.
        let headers = crate::config::headers::wire_headers(s);
        let secrets = headers
            .iter()
            .filter_map(|(_, v)| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect();
        Ok(OtlpHttpClient {
            url,
            display,
            headers,
            secrets,
            gzip: s.compression.value == Compression::Gzip,
            tls,
            proxy,
            timeout: s.timeout.value,
            recorder,
            pins,
        })
    }

    async fn connect(&self) -> Result<(Stream, bool), HttpError> {
        let host = self.url.host_str().unwrap_or_default();
        let port = self.url.port_or_known_default().unwrap_or(80);
        let tls = self.tls.clone().filter(|_| self.url.scheme() == "https");
        let Some(proxy) = &self.proxy else {
            let tcp = connect::tcp(host, port, self.timeout, &self.pins).await?;
            return Ok(match tls {
                Some(c) => (
                    Stream::Tls(Box::new(connect::tls(tcp, c, host, self.timeout).await?)),
                    false,
                ),
                None => (Stream::Plain(tcp), false),
            });
        };
        let mut tcp = connect::tcp(
            &proxy.host,
            proxy.port,
            self.timeout,
            &connect::Pins::default(),
        )
        .await
        .map_err(|e| io::Error::new(e.kind(), ViaProxy(proxy.display.clone(), e)))?;
        match tls {
            // Plain HTTP through a proxy: absolute-form request to the proxy itself.
            None => Ok((Stream::Plain(tcp), true)),
            Some(c) => {
                let authority = format!("{host}:{port}");
                let req = format!(
                    "CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: runner/{}\r\n\r\n",
                    crate::VERSION
                );
                tcp.write_all(req.as_bytes()).await?;
                let head = read_head(&mut tcp).await?;
                let status_ok =
                    head.starts_with(b"HTTP/1.1 200") || head.starts_with(b"HTTP/1.0 200");
                if !status_ok {
                    // The proxy's status line is its own text: escaped and capped.
                    let line = crate::facts::peer_text::PeerText::from_bytes(
                        head.split(|b| *b == b'\r').next().unwrap_or_default(),
                    )
                    .as_str()
                    .to_owned();
                    return Err(Box::new(ProxyRefused(proxy.display.clone(), line)));
                }
                Ok((
                    Stream::Tls(Box::new(connect::tls(tcp, c, host, self.timeout).await?)),
                    false,
                ))
            }
        }
    }

    async fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let content_type = request.headers().get(CONTENT_TYPE).cloned();
        let mut body = request.into_body();
        if self.gzip {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(&body)?;
            body = Bytes::from(enc.finish()?);
        }
        let (stream, absolute) = self.connect().await?;
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        let uri = if absolute {
            self.url.as_str().to_owned()
        } else {
            let mut p = self.url.path().to_owned();
            if let Some(q) = self.url.query() {
                p.push('?');
                p.push_str(q);
            }
            p
        };
        // The request is rebuilt from our settings: only the body and content type come from the
        // exporter, so no header it picked up from the environment can slip in.
        let mut req = Request::post(uri)
            .header(HOST, host_header(&self.url))
            .header(USER_AGENT, format!("runner/{}", crate::VERSION));
        if let Some(ct) = content_type {
            req = req.header(CONTENT_TYPE, ct);
        }
        if self.gzip {
            req = req.header(CONTENT_ENCODING, "gzip");
        }
        for (k, v) in &self.headers {
            req = req.header(k, v);
        }
        let resp = sender.send_request(req.body(Full::new(body))?).await?;
        let (parts, incoming) = resp.into_parts();
        let bytes = Limited::new(incoming, BODY_LIMIT)
            .collect()
            .await
            .map_err(|e| -> HttpError { format!("reading the response body: {e}").into() })?
            .to_bytes();
        Ok(Response::from_parts(parts, bytes))
    }

    /// Records what a response says: a failure status, or a partial success in a 2xx body.
    fn note_response(&self, resp: &Response<Bytes>) {
        let status = resp.status();
        if !status.is_success() {
            let mut chain = vec![format!("HTTP {status}")];
            if let Some(text) = self.excerpt(resp.body()) {
                chain.push(text);
            }
            let facts = AnswerFacts {
                http_status: status.as_u16(),
                media_type: media_type(resp.headers()),
                grpc_status: None,
                sign: BodySign::of(resp.body()),
            };
            let sent = Sent {
                grpc: false,
                tls: self.url.scheme() == "https",
            };
            self.recorder.note_failure(
                ExportFailure::new(
                    FailureKind::HttpStatus {
                        status: status.as_u16(),
                    },
                    chain,
                )
                .with_answer(facts, sent),
            );
            return;
        }
        let json = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("json"));
        if let Some(p) = decode_partial(resp.body(), json) {
            self.recorder.note_partial(p);
        }
    }

    /// A short, printable excerpt of an error body, with our own secrets scrubbed.
    fn excerpt(&self, body: &[u8]) -> Option<String> {
        let text = std::str::from_utf8(body).ok()?.trim();
        if text.is_empty() {
            return None;
        }
        let mut text: String = text.chars().take(200).filter(|c| !c.is_control()).collect();
        for s in &self.secrets {
            text = text.replace(s.as_str(), &crate::redact::redacted_marker(s));
        }
        Some(format!("response body: {text}"))
    }
}

/// The OTLP `partial_success` of a 2xx response body, when it reports anything.
pub fn decode_partial(body: &[u8], json: bool) -> Option<SpanPartialSuccess> {
    let resp: ExportTraceServiceResponse = if json {
        serde_json::from_slice(body).ok()?
    } else {
        prost::Message::decode(body).ok()?
    };
    let p = resp.partial_success?;
    (p.rejected_spans > 0 || !p.error_message.is_empty()).then_some(SpanPartialSuccess {
        rejected_spans: p.rejected_spans,
        message: crate::facts::peer_text::PeerText::from_text(&p.error_message),
    })
}

/// The media type of `content-type`: lower case, without parameters.
fn media_type(headers: &http::HeaderMap) -> Option<String> {
    let v = headers.get(CONTENT_TYPE)?.to_str().ok()?;
    let m = v.split(';').next().unwrap_or_default().trim();
    (!m.is_empty()).then(|| m.to_ascii_lowercase())
}

fn host_header(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    }
}

/// Reads a proxy's response head (up to the blank line), at most 8 KiB.
async fn read_head(tcp: &mut tokio::net::TcpStream) -> io::Result<Vec<u8>> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 8192 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "proxy response head too long",
            ));
        }
        if tcp.read(&mut byte).await? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "proxy closed the connection before answering CONNECT",
            ));
        }
        head.push(byte[0]);
    }
    Ok(head)
}

#[derive(Debug, thiserror::Error)]
#[error("via proxy {0}")]
struct ViaProxy(String, #[source] io::Error);

#[derive(Debug, thiserror::Error)]
#[error("proxy {0} refused CONNECT: {1}")]
struct ProxyRefused(String, String);

#[async_trait::async_trait]
impl HttpClient for OtlpHttpClient {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        match tokio::time::timeout(self.timeout, self.send(request)).await {
            Ok(Ok(resp)) => {
                self.note_response(&resp);
                Ok(resp)
            }
            Ok(Err(e)) => {
                self.recorder.note_failure(
                    ExportFailure::new(FailureKind::Transport, chain_of(e.as_ref()))
                        .with_io_from(e.as_ref()),
                );
                Err(e)
            }
            Err(_) => {
                let e = io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "no response from {} within {} ms",
                        self.display,
                        self.timeout.as_millis()
                    ),
                );
                self.recorder
                    .note_failure(ExportFailure::new(FailureKind::Timeout, chain_of(&e)));
                Err(Box::new(e))
            }
        }
    }
}
