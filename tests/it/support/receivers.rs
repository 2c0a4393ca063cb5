//! In-process OTLP receivers on 127.0.0.1:0 with a scripted answer, each on its own thread and
//! runtime so a test can block (a pipeline's `Drop`) without starving them.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the receiver answers to every export.
#[derive(Clone, Debug)]
pub enum Behaviour {
    Accept,
    /// Success with `partial_success { rejected_spans, error_message }`.
    Partial(i64, String),
    /// HTTP status / gRPC status with this message.
    Reject {
        http: u16,
        grpc: tonic::Code,
        message: String,
    },
    /// Answers (success) only after this long.
    Slow(Duration),
}

/// Hex trace ids of every span received, in order.
#[derive(Clone, Debug, Default)]
pub struct Seen(Arc<Mutex<Vec<String>>>);

impl Seen {
    fn add(&self, req: &ExportTraceServiceRequest) {
        let mut v = self.0.lock().unwrap();
        for rs in &req.resource_spans {
            for ss in &rs.scope_spans {
                for s in &ss.spans {
                    v.push(hex::encode(&s.trace_id));
                }
            }
        }
    }

    pub fn trace_ids(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.0.lock().unwrap().len()
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

fn response(b: &Behaviour) -> ExportTraceServiceResponse {
    ExportTraceServiceResponse {
        partial_success: match b {
            Behaviour::Partial(n, m) => Some(ExportTracePartialSuccess {
                rejected_spans: *n,
                error_message: m.clone(),
            }),
            _ => None,
        },
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

#[derive(Clone)]
struct Grpc {
    behaviour: Behaviour,
    seen: Seen,
}

#[tonic::async_trait]
impl TraceService for Grpc {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        self.seen.add(request.get_ref());
        match &self.behaviour {
            Behaviour::Reject { grpc, message, .. } => {
                return Err(tonic::Status::new(*grpc, message.clone()))
            }
            Behaviour::Slow(d) => tokio::time::sleep(*d).await,
            _ => {}
        }
        Ok(tonic::Response::new(response(&self.behaviour)))
    }
}

/// An OTLP/gRPC receiver (tonic's generated server on hyper's HTTP/2).
pub fn grpc(behaviour: Behaviour) -> Receiver {
    let seen = Seen::default();
    let svc = TraceServiceServer::new(Grpc {
        behaviour,
        seen: seen.clone(),
    });
    let (addr, stop) = spawn(move |listener| async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let svc = hyper_util::service::TowerToHyperService::new(svc.clone());
            tokio::spawn(async move {
                let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tcp), svc)
                    .await;
            });
        }
    });
    Receiver {
        addr,
        seen,
        stop: Some(stop),
    }
}

/// An OTLP/HTTP receiver on `/v1/traces` (protobuf or JSON, answered in kind).
pub fn http(behaviour: Behaviour) -> Receiver {
    let seen = Seen::default();
    let seen2 = seen.clone();
    let (addr, stop) = spawn(move |listener| async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let (behaviour, seen) = (behaviour.clone(), seen2.clone());
            let svc = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let (behaviour, seen) = (behaviour.clone(), seen.clone());
                async move {
                    let json = req
                        .headers()
                        .get("content-type")
                        .is_some_and(|v| v.as_bytes().ends_with(b"json"));
                    let gzip = req.headers().get("content-encoding").is_some();
                    let path_ok = req.uri().path() == "/v1/traces";
                    let body = req.into_body().collect().await.unwrap().to_bytes();
                    let body = if gzip {
                        let mut out = Vec::new();
                        std::io::Read::read_to_end(
                            &mut flate2::read::GzDecoder::new(&body[..]),
                            &mut out,
                        )
                        .unwrap();
                        Bytes::from(out)
                    } else {
                        body
                    };
                    let decoded: Option<ExportTraceServiceRequest> = if json {
                        serde_json::from_slice(&body).ok()
                    } else {
                        ExportTraceServiceRequest::decode(&body[..]).ok()
                    };
                    let mut status = 200;
                    match (&decoded, path_ok) {
                        (Some(r), true) => seen.add(r),
                        (_, false) => status = 404,
                        (None, true) => status = 400,
                    }
                    match &behaviour {
                        Behaviour::Reject { http, message, .. } => {
                            let resp = hyper::Response::builder()
                                .status(*http)
                                .header("content-type", "text/plain")
                                .body(Full::new(Bytes::from(message.clone())))
                                .unwrap();
                            return Ok::<_, std::convert::Infallible>(resp);
                        }
                        Behaviour::Slow(d) => tokio::time::sleep(*d).await,
                        _ => {}
                    }
                    let r = response(&behaviour);
                    let (ct, bytes) = if json {
                        ("application/json", serde_json::to_vec(&r).unwrap())
                    } else {
                        ("application/x-protobuf", r.encode_to_vec())
                    };
                    Ok(hyper::Response::builder()
                        .status(status)
                        .header("content-type", ct)
                        .body(Full::new(Bytes::from(bytes)))
                        .unwrap())
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
        seen,
        stop: Some(stop),
    }
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
