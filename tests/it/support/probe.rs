//! Shared fixtures for the protocol/export tests: hand-made settings and in-process servers on
//! 127.0.0.1 port 0.

use super::settings::signal_url_settings;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use runner::cause::{Cause, Finding};
use runner::config::{
    Compression, Endpoint, Header, Protocol, ProxySettings, Signal, SignalSettings, Source, Sourced,
};
use runner::doctor::{DoctorOptions, Probe, StageResult};
use runner::redact::Secret;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};

/// Everything a `Probe` borrows.
pub struct Fixture {
    pub settings: SignalSettings,
    pub endpoint: Endpoint,
    pub proxy: ProxySettings,
    pub opts: DoctorOptions,
}

impl Fixture {
    /// `url` is the effective URL (e.g. `http://127.0.0.1:PORT/v1/traces`).
    pub fn new(url: &str, protocol: Protocol) -> Fixture {
        let mut settings = signal_url_settings(Signal::Traces, url, protocol);
        // The exporter's timeout bounds the wait for answers: as short as the doctor's step
        // bound here, so hostile peers cost little test time.
        settings.timeout = Sourced::default_value(Duration::from_millis(800));
        let endpoint = settings.endpoint.clone().unwrap();
        Fixture {
            settings,
            endpoint,
            proxy: ProxySettings::default(),
            opts: DoctorOptions {
                timeout: Duration::from_millis(800),
                ..DoctorOptions::default()
            },
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Fixture {
        self.settings.headers = Sourced::new(
            vec![Header {
                name: name.to_string(),
                value: Secret::new(value),
            }],
            Source::Env("OTEL_EXPORTER_OTLP_HEADERS".into()),
        );
        self
    }

    pub fn gzip(mut self) -> Fixture {
        self.settings.compression = Sourced::default_value(Compression::Gzip);
        self
    }

    pub fn signal(mut self, signal: Signal) -> Fixture {
        self.settings.signal = signal;
        self
    }

    /// Through the forward proxy at `url`, as `HTTP_PROXY` sets it.
    pub fn http_proxy(mut self, url: String) -> Fixture {
        self.proxy.http = Some(Sourced::new(url, Source::Env("HTTP_PROXY".into())));
        self
    }

    /// Through the CONNECT proxy at `url`, as `HTTPS_PROXY` sets it.
    pub fn https_proxy(mut self, url: String) -> Fixture {
        self.proxy.https = Some(Sourced::new(url, Source::Env("HTTPS_PROXY".into())));
        self
    }

    pub fn probe(&self) -> Probe<'_> {
        Probe::new(&self.settings, &self.endpoint, &self.proxy, &self.opts)
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::new(self.endpoint.host.parse().unwrap(), self.endpoint.port)
    }
}

/// Runs a stage future under a hard deadline: a hang fails the test.
pub async fn bounded<F: Future<Output = StageResult>>(f: F) -> StageResult {
    tokio::time::timeout(Duration::from_secs(15), f)
        .await
        .expect("stage must not hang")
}

/// The single finding with `cause`, or a panic listing what was found.
pub fn finding(result: &StageResult, cause: Cause) -> Finding {
    result
        .findings
        .iter()
        .find(|f| f.cause == cause)
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "expected {cause}, got {:#?}\ncheck: {:#?}",
                result.findings, result.check
            )
        })
}

/// A raw TCP server: `handle` runs for every accepted connection.
pub async fn raw_server<F, Fut>(handle: F) -> SocketAddr
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = Arc::new(handle);
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            tokio::spawn(handle(s));
        }
    });
    addr
}

pub type Handler = Arc<dyn Fn(Request<Bytes>) -> Response<Full<Bytes>> + Send + Sync>;

async fn collect(req: Request<Incoming>) -> Request<Bytes> {
    use http_body_util::BodyExt;
    let (parts, body) = req.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    Request::from_parts(parts, bytes)
}

/// An HTTP/1.1 server answering every request with `handler`.
pub async fn http1_server(
    handler: impl Fn(Request<Bytes>) -> Response<Full<Bytes>> + Send + Sync + 'static,
) -> SocketAddr {
    let handler: Handler = Arc::new(handler);
    raw_server(move |s| {
        let handler = handler.clone();
        async move {
            let svc = hyper::service::service_fn(move |req| {
                let handler = handler.clone();
                async move { Ok::<_, Infallible>(handler(collect(req).await)) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(s), svc)
                .await;
        }
    })
    .await
}

/// An h2c (HTTP/2 prior knowledge) server answering every request with `handler`, which may
/// return trailers.
pub async fn h2_server(
    handler: impl Fn(Request<Bytes>) -> (Response<Bytes>, Option<http::HeaderMap>)
        + Send
        + Sync
        + 'static,
) -> SocketAddr {
    let handler = Arc::new(handler);
    raw_server(move |s| {
        let handler = handler.clone();
        async move {
            let svc = hyper::service::service_fn(move |req| {
                let handler = handler.clone();
                async move {
                    let (resp, trailers) = handler(collect(req).await);
                    let (parts, body) = resp.into_parts();
                    Ok::<_, Infallible>(Response::from_parts(
                        parts,
                        TrailerBody::new(body, trailers),
                    ))
                }
            });
            let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(s), svc)
                .await;
        }
    })
    .await
}

/// A body of one data frame then optional trailers.
pub struct TrailerBody {
    data: Option<Bytes>,
    trailers: Option<http::HeaderMap>,
}

impl TrailerBody {
    pub fn new(data: Bytes, trailers: Option<http::HeaderMap>) -> TrailerBody {
        TrailerBody {
            data: Some(data).filter(|d| !d.is_empty()),
            trailers,
        }
    }
}

impl hyper::body::Body for TrailerBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Infallible>>> {
        if let Some(d) = self.data.take() {
            return std::task::Poll::Ready(Some(Ok(hyper::body::Frame::data(d))));
        }
        if let Some(t) = self.trailers.take() {
            return std::task::Poll::Ready(Some(Ok(hyper::body::Frame::trailers(t))));
        }
        std::task::Poll::Ready(None)
    }
}

/// A gRPC answer: 200 application/grpc with `message` framed and grpc-status in trailers.
pub fn grpc_answer(
    status: u32,
    message: &str,
    body: &[u8],
) -> (Response<Bytes>, Option<http::HeaderMap>) {
    let mut frame = vec![0u8];
    frame.extend_from_slice(&(body.len() as u32).to_be_bytes());
    frame.extend_from_slice(body);
    let resp = Response::builder()
        .status(200)
        .header("content-type", "application/grpc")
        .body(Bytes::from(frame))
        .unwrap();
    let mut trailers = http::HeaderMap::new();
    trailers.insert("grpc-status", status.to_string().parse().unwrap());
    if !message.is_empty() {
        trailers.insert("grpc-message", message.parse().unwrap());
    }
    (resp, Some(trailers))
}

/// A TLS server with a self-signed certificate for 127.0.0.1 that completes handshakes, then
/// answers `response` to whatever arrives. Returns the address and the certificate's PEM.
pub async fn tls_server_with_cert(response: &'static [u8]) -> (SocketAddr, String) {
    let leaf = super::certs::leaf_for(&["127.0.0.1"], None, None);
    let opts = super::tls::ServerOpts {
        alpn: vec![b"http/1.1".to_vec()],
        ..super::tls::ServerOpts::default()
    };
    let config = super::tls::server_config(vec![leaf.der.clone()], leaf.key(), opts);
    let pem = leaf.pem;
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let addr = raw_server(move |s| {
        let acceptor = acceptor.clone();
        async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            if let Ok(mut tls) = acceptor.accept(s).await {
                let mut buf = [0u8; 1024];
                let _ = tls.read(&mut buf).await;
                let _ = tls.write_all(response).await;
                let _ = tls.shutdown().await;
            }
        }
    })
    .await;
    (addr, pem)
}

/// A server speaking HTTP/1.1 and h2c (like an OTLP/HTTP receiver built on hyper-util's auto
/// builder), answering every request with `handler`.
pub async fn auto_server(
    handler: impl Fn(Request<Bytes>) -> Response<Full<Bytes>> + Send + Sync + 'static,
) -> SocketAddr {
    let handler: Handler = Arc::new(handler);
    raw_server(move |s| {
        let handler = handler.clone();
        async move {
            let svc = hyper::service::service_fn(move |req| {
                let handler = handler.clone();
                async move { Ok::<_, Infallible>(handler(collect(req).await)) }
            });
            let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(s), svc)
                .await;
        }
    })
    .await
}

/// The scenario proxy (`support/proxy.rs`) on 127.0.0.1: CONNECT tunnels and absolute-form
/// forwarding, or every request answered with `refuse`. `seen` records each request's method
/// and target.
pub struct TestProxy {
    pub addr: SocketAddr,
    pub seen: super::proxy::Requests,
}

pub async fn test_proxy(refuse: Option<u16>) -> TestProxy {
    let spec = super::proxy::ProxySpec { status: refuse };
    let (port, seen, _task) = super::proxy::start(&spec).await.unwrap();
    TestProxy {
        addr: SocketAddr::from(([127, 0, 0, 1], port)),
        seen,
    }
}

/// Reads whatever the client sends first (bounded), so replies come after the request.
pub async fn read_some(s: &mut TcpStream) -> Vec<u8> {
    use tokio::io::AsyncReadExt;
    let mut buf = vec![0u8; 4096];
    match tokio::time::timeout(Duration::from_secs(2), s.read(&mut buf)).await {
        Ok(Ok(n)) => buf[..n].to_vec(),
        _ => Vec::new(),
    }
}
