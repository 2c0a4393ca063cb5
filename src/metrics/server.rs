//! The metrics server: `/metrics` and `/healthz` over HTTP/1.1, on the runner's own runtime,
//! bounded in connections, request size and time, one request per connection.

use super::{labels, Metrics, CONTENT_TYPE};
use bytes::Bytes;
use http::{header, Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// The server's bounds.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Connections served at once; more are closed at once (a scraper retries next interval).
    pub max_connections: usize,
    /// Bytes of request head a connection may send (hyper's floor is 8 KiB).
    pub max_request_bytes: usize,
    /// Time to send the request head.
    pub header_timeout: Duration,
    /// Time for the whole exchange, reading and writing.
    pub connection_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 16,
            max_request_bytes: 8192,
            header_timeout: Duration::from_secs(5),
            connection_timeout: Duration::from_secs(10),
        }
    }
}

/// Serves `metrics` on `listener` until the task is aborted.
pub async fn serve(listener: TcpListener, metrics: Arc<Metrics>, limits: Limits) {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    loop {
        let (tcp, _) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                // Out of file descriptors and the like: wait a little instead of spinning.
                tracing::debug!(error = %e, "metrics server: accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            drop(tcp);
            continue;
        };
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| {
                let metrics = metrics.clone();
                async move { Ok::<_, std::convert::Infallible>(answer(&metrics, &req)) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .max_buf_size(limits.max_request_bytes.max(8192))
                .keep_alive(false)
                .serve_connection(TokioIo::new(tcp), svc);
            let _ = tokio::time::timeout(limits.connection_timeout, conn).await;
            drop(permit);
        });
    }
}

/// The answer to one request; the request body is never read.
pub fn answer(metrics: &Metrics, req: &Request<Incoming>) -> Response<Full<Bytes>> {
    route(metrics, req.method(), req.uri().path())
}

pub fn route(metrics: &Metrics, method: &Method, path: &str) -> Response<Full<Bytes>> {
    let known = matches!(path, "/metrics" | "/healthz");
    if known && method != Method::GET && method != Method::HEAD {
        let mut resp = reply(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain",
            "GET or HEAD\n",
        );
        resp.headers_mut()
            .insert(header::ALLOW, header::HeaderValue::from_static("GET, HEAD"));
        return resp;
    }
    match path {
        "/metrics" => reply(StatusCode::OK, CONTENT_TYPE, metrics.render()),
        "/healthz" => reply(StatusCode::OK, "application/json", health_body(metrics)),
        _ => reply(
            StatusCode::NOT_FOUND,
            "text/plain",
            "not found: /metrics or /healthz\n",
        ),
    }
}

/// `/healthz`: the runner is up (always 200: telemetry trouble must not get it restarted), with
/// the latest telemetry verdict (`unknown` before any doctor finished) and its trigger.
pub fn health_body(metrics: &Metrics) -> String {
    let (verdict, trigger) = match metrics.current() {
        Some((v, t)) => (labels::verdict(v), t.as_str()),
        None => ("unknown", "none"),
    };
    // The coordinator: `up` when the last job request got an HTTP answer (README, "For operators").
    let coordinator = match metrics.coordinator() {
        None => serde_json::json!({"state": "unknown"}),
        Some((answered, error)) => serde_json::json!({
            "state": if answered { "up" } else { "down" },
            "last_error": error,
        }),
    };
    serde_json::json!({
        "status": "up",
        "version": crate::VERSION,
        "telemetry": {"verdict": verdict, "trigger": trigger},
        "coordinator": coordinator,
    })
    .to_string()
        + "\n"
}

fn reply(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(body.into()));
    *resp.status_mut() = status;
    if let Ok(v) = header::HeaderValue::from_str(content_type) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    resp
}
