//! OTLP receivers for tests that call the library directly (canary, telemetry pipeline): the
//! scenario receiver (`support/otlp.rs`) with a scripted answer, on 127.0.0.1:0, each on a
//! thread and runtime of its own so a test can block (a pipeline's `Drop`) without starving
//! it; and a Jaeger/Tempo query API.

use super::otlp::{self, Received};
use super::server::ServerSpec;
use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the receiver answers to every export.
#[derive(Clone, Debug)]
pub enum Behaviour {
    Accept,
    /// Success with `partial_success { rejected_spans, error_message }`.
    Partial(i64, String),
    /// Exports carrying spans get this HTTP status / gRPC status (with `message`, gRPC only).
    Reject {
        http: u16,
        grpc: tonic::Code,
        message: String,
    },
    /// Answers (success) only after this long.
    Slow(Duration),
}

/// What arrived, shared with the receiver.
#[derive(Clone, Debug, Default)]
pub struct Seen(Arc<Mutex<Received>>);

impl Seen {
    /// Hex trace ids of every span received, in order.
    pub fn trace_ids(&self) -> Vec<String> {
        self.0.lock().unwrap().trace_ids.clone()
    }

    /// Spans received.
    pub fn count(&self) -> usize {
        self.0.lock().unwrap().spans as usize
    }
}

#[derive(Debug)]
pub struct Receiver {
    pub addr: SocketAddr,
    pub seen: Seen,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Receiver {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Runs `serve(listener)` on a thread of its own until the receiver is dropped.
fn spawn<F, Fut>(serve: F) -> (SocketAddr, tokio::sync::oneshot::Sender<()>)
where
    F: FnOnce(tokio::net::TcpListener) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + 'static,
{
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    std_listener.set_nonblocking(true).unwrap();
    let addr = std_listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let local = tokio::task::LocalSet::new();
        local.block_on(&rt, async move {
            let listener = tokio::net::TcpListener::from_std(std_listener).unwrap();
            tokio::select! {
                _ = serve(listener) => {}
                _ = rx => {}
            }
        });
    });
    (addr, tx)
}

/// The scenario receiver's `[server]` for `kind` answering as `behaviour` says.
fn spec(kind: &str, behaviour: &Behaviour) -> ServerSpec {
    let mut spec: ServerSpec = toml::from_str(&format!("kind = \"{kind}\"")).unwrap();
    match behaviour {
        Behaviour::Accept => {}
        Behaviour::Partial(n, m) => {
            spec.rejected_spans = Some(*n);
            spec.partial_message = Some(m.clone());
        }
        Behaviour::Reject {
            http,
            grpc,
            message,
        } => {
            if kind == "otlp_grpc" {
                spec.grpc_status = Some(*grpc as i32);
                spec.grpc_message = Some(message.clone());
            } else {
                spec.fail_spans_with = Some(*http);
            }
        }
        Behaviour::Slow(d) => spec.delay_ms = Some(d.as_millis() as u64),
    }
    spec
}

/// Serves the scenario receiver of `kind` on every accepted connection.
fn receiver(kind: &'static str, behaviour: Behaviour) -> Receiver {
    let seen = Seen::default();
    let received = seen.0.clone();
    let spec = spec(kind, &behaviour);
    let (addr, stop) = spawn(move |listener| async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let (spec, received) = (spec.clone(), received.clone());
            tokio::spawn(async move {
                let io: super::server::BoxIo = Box::new(tcp);
                let _ = if kind == "otlp_grpc" {
                    otlp::serve_grpc(io, &spec, received).await
                } else {
                    otlp::serve_http(io, &spec, received).await
                };
            });
        }
    });
    Receiver {
        addr,
        seen,
        stop: Some(stop),
    }
}

/// An OTLP/gRPC receiver (tonic's generated server on hyper's HTTP/2).
pub fn grpc(behaviour: Behaviour) -> Receiver {
    receiver("otlp_grpc", behaviour)
}

/// An OTLP/HTTP receiver on `/v1/traces` (protobuf or JSON, answered in kind).
pub fn http(behaviour: Behaviour) -> Receiver {
    receiver("otlp_http", behaviour)
}

/// A plain HTTP server answering `GET /api/traces/{id}` like Jaeger or Tempo: 404 until the
/// trace id is in `known`, then a body of the backend's shape.
pub fn backend(tempo: bool, known: Arc<Mutex<Vec<String>>>) -> Receiver {
    let (addr, stop) = spawn(move |listener| async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let known = known.clone();
            let svc = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let known = known.clone();
                async move {
                    let id = req
                        .uri()
                        .path()
                        .strip_prefix("/api/traces/")
                        .unwrap_or_default()
                        .to_owned();
                    let found = known.lock().unwrap().contains(&id);
                    let (status, body) = match (found, tempo) {
                        (false, false) => (
                            404,
                            serde_json::json!({"data": null, "errors": [{"code": 404, "msg": "trace not found"}]}),
                        ),
                        (false, true) => (404, serde_json::json!("trace not found")),
                        (true, false) => (
                            200,
                            serde_json::json!({"data": [{"traceID": id, "spans": [{"spanID": "00", "operationName": "runner doctor canary"}]}]}),
                        ),
                        (true, true) => (
                            200,
                            serde_json::json!({"batches": [{"resource": {}, "scopeSpans": [{"spans": [{"name": "runner doctor canary"}]}]}]}),
                        ),
                    };
                    Ok::<_, std::convert::Infallible>(
                        hyper::Response::builder()
                            .status(status)
                            .header("content-type", "application/json")
                            .body(Full::new(Bytes::from(body.to_string())))
                            .unwrap(),
                    )
                }
            });
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tcp), svc)
                    .await;
            });
        }
    });
    Receiver {
        addr,
        seen: Seen::default(),
        stop: Some(stop),
    }
}
