//! A real OTLP receiver: gRPC (the generated tonic `TraceServiceServer`, behind hyper's HTTP/2
//! server) and HTTP (protobuf and JSON), recording what arrives and misbehaving on request
//! (status codes, partial success, delay, required header, no compression).

use super::server::{BoxIo, ServerSpec};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use prost::Message;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tonic::body::Body;
use tonic::codegen::Service;

/// What arrived at a receiver.
#[derive(Clone, Debug, Default)]
pub struct Received {
    pub requests: u64,
    pub spans: u64,
    pub service_names: Vec<String>,
    pub trace_ids: Vec<String>,
    /// Names of the headers of the last export request (values are not kept).
    pub header_names: Vec<String>,
}

impl Received {
    fn record(&mut self, req: &ExportTraceServiceRequest) {
        self.requests += 1;
        for rs in &req.resource_spans {
            if let Some(res) = &rs.resource {
                for kv in &res.attributes {
                    if kv.key == "service.name" {
                        if let Some(Value::StringValue(s)) =
                            kv.value.as_ref().and_then(|v| v.value.as_ref())
                        {
                            self.service_names.push(s.clone());
                        }
                    }
                }
            }
            for ss in &rs.scope_spans {
                for span in &ss.spans {
                    self.spans += 1;
                    self.trace_ids.push(hex::encode(&span.trace_id));
                }
            }
        }
    }
}

/// The receiver's answers, shared by gRPC and HTTP.
#[derive(Clone, Debug)]
struct Behaviour {
    rejected_spans: Option<i64>,
    partial_message: String,
    delay: Option<Duration>,
    require_header: Option<(String, String)>,
    grpc_status: Option<(i32, String)>,
    http_path: String,
    reject_compression: bool,
    compression_status: u16,
    fail_spans_with: Option<u16>,
    go_collector: bool,
    slow_spans: Option<Duration>,
    protobuf_only: bool,
}

impl Behaviour {
    fn of(spec: &ServerSpec) -> Behaviour {
        Behaviour {
            rejected_spans: spec.rejected_spans,
            partial_message: spec.partial_message.clone().unwrap_or_default(),
            delay: spec.delay_ms.map(Duration::from_millis),
            require_header: spec.require_header.as_ref().map(|h| {
                let (k, v) = h.split_once('=').unwrap_or((h, ""));
                (k.trim().to_ascii_lowercase(), v.trim().to_string())
            }),
            grpc_status: spec
                .grpc_status
                .map(|c| (c, spec.grpc_message.clone().unwrap_or_default())),
            http_path: spec
                .http_path
                .clone()
                .unwrap_or_else(|| "/v1/traces".into()),
            reject_compression: spec.reject_compression,
            compression_status: spec.compression_status.unwrap_or(415),
            fail_spans_with: spec.fail_spans_with,
            go_collector: spec.go_collector,
            slow_spans: spec.slow_spans_ms.map(Duration::from_millis),
            protobuf_only: spec.protobuf_only,
        }
    }

    /// The extra delay and failure for a request that carries spans.
    async fn spans_behaviour(&self, req: &ExportTraceServiceRequest) -> Option<u16> {
        let has_spans = req
            .resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
            .any(|s| !s.spans.is_empty());
        if !has_spans {
            return None;
        }
        if let Some(d) = self.slow_spans {
            tokio::time::sleep(d).await;
        }
        self.fail_spans_with
    }

    fn response(&self) -> ExportTraceServiceResponse {
        ExportTraceServiceResponse {
            partial_success: self.rejected_spans.map(|n| ExportTracePartialSuccess {
                rejected_spans: n,
                error_message: self.partial_message.clone(),
            }),
        }
    }

    fn authorized<B>(&self, req: &http::Request<B>) -> bool {
        match &self.require_header {
            None => true,
            Some((k, v)) => req
                .headers()
                .get(k.as_str())
                .and_then(|h| h.to_str().ok())
                .is_some_and(|got| got == v),
        }
    }
}

struct Recorder {
    behaviour: Behaviour,
    received: Arc<Mutex<Received>>,
}

#[tonic::async_trait]
impl TraceService for Recorder {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        if let Some(d) = self.behaviour.delay {
            tokio::time::sleep(d).await;
        }
        if let Some(status) = self.behaviour.spans_behaviour(request.get_ref()).await {
            // A body limit is gRPC's own message size limit (`max_recv_msg_size_mib`).
            return Err(match status {
                _ if self.behaviour.go_collector => tonic::Status::unavailable(GO_MEMORY_REFUSAL),
                413 => tonic::Status::resource_exhausted(
                    "grpc: received message larger than max (1204 vs. 64)",
                ),
                _ => tonic::Status::unavailable(format!(
                    "exporter queue is full (would be HTTP {status})"
                )),
            });
        }
        {
            let mut r = self.received.lock().unwrap();
            r.record(request.get_ref());
            r.header_names = request
                .metadata()
                .keys()
                .map(|k| format!("{k:?}").trim_matches('"').to_string())
                .collect();
        }
        Ok(tonic::Response::new(self.behaviour.response()))
    }
}

fn grpc_trailers_only(code: i32, message: &str) -> http::Response<Body> {
    http::Response::builder()
        .status(200)
        .header("content-type", "application/grpc")
        .header("grpc-status", code.to_string())
        .header("grpc-message", percent_encode(message))
        .body(Body::empty())
        .unwrap()
}

fn percent_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Serves OTLP/gRPC over HTTP/2 only (HTTP/1 clients get the HTTP/2 greeting, as from a collector).
pub async fn serve_grpc(
    io: BoxIo,
    spec: &ServerSpec,
    received: Arc<Mutex<Received>>,
) -> std::io::Result<()> {
    let behaviour = Behaviour::of(spec);
    let grpc = TraceServiceServer::new(Recorder {
        behaviour: behaviour.clone(),
        received,
    });
    let svc = hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
        let mut grpc = grpc.clone();
        let b = behaviour.clone();
        async move {
            if !b.authorized(&req) {
                return Ok::<_, Infallible>(grpc_trailers_only(
                    16,
                    "missing or invalid authorization header",
                ));
            }
            if let Some((code, msg)) = &b.grpc_status {
                if let Some(d) = b.delay {
                    tokio::time::sleep(d).await;
                }
                return Ok(grpc_trailers_only(*code, msg));
            }
            let enc = req.headers().get("grpc-encoding").cloned();
            if let Some(enc) = enc.filter(|e| e.as_bytes() != b"identity") {
                let msg = format!(
                    "Content is compressed with `{}` which isn't supported",
                    String::from_utf8_lossy(enc.as_bytes())
                );
                return Ok(grpc_trailers_only(12, &msg));
            }
            Ok(match grpc.call(req).await {
                Ok(resp) => resp,
                Err(e) => match e {},
            })
        }
    });
    let _ = hyper::server::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
        .serve_connection(hyper_util::rt::TokioIo::new(io), svc)
        .await;
    Ok(())
}

/// The Go collector's memory limiter's words (observed: gocol_memory_limiter.observed.txt).
const GO_MEMORY_REFUSAL: &str = "data refused due to high memory usage";

/// The Go collector's OTLP/HTTP refusal: a protobuf `google.rpc.Status { code, message }`.
fn go_status(status: u16, code: u8, message: &str) -> http::Response<Body> {
    let mut body = vec![0x08, code, 0x12, message.len() as u8];
    body.extend_from_slice(message.as_bytes());
    plain(status, "application/x-protobuf", body)
}

fn plain(status: u16, ctype: &str, body: impl Into<Bytes>) -> http::Response<Body> {
    http::Response::builder()
        .status(status)
        .header("content-type", ctype)
        .body(Body::new(Full::new(body.into())))
        .unwrap()
}

async fn http_export(
    req: http::Request<hyper::body::Incoming>,
    b: Behaviour,
    received: Arc<Mutex<Received>>,
) -> http::Response<Body> {
    if req.uri().path() != b.http_path {
        return plain(404, "text/plain; charset=utf-8", "404 page not found\n");
    }
    if req.method() != http::Method::POST {
        return plain(
            405,
            "text/plain",
            "405 method not allowed, supported: [POST]",
        );
    }
    if !b.authorized(&req) {
        return plain(401, "text/plain", "missing or invalid authorization header");
    }
    let ctype = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let encoding = req
        .headers()
        .get("content-encoding")
        .and_then(|v| v.to_str().ok())
        .map(|s| s.to_ascii_lowercase());
    let header_names: Vec<String> = req.headers().keys().map(|k| k.to_string()).collect();
    let body = match Limited::new(req.into_body(), 8 << 20).collect().await {
        Ok(c) => c.to_bytes(),
        Err(_) => return plain(413, "text/plain", "request body too large"),
    };
    let body = match encoding.as_deref() {
        None | Some("identity") => body.to_vec(),
        Some(enc) if b.reject_compression || enc != "gzip" => {
            return plain(
                b.compression_status,
                "text/plain",
                format!("unsupported Content-Encoding: {enc}"),
            )
        }
        Some(_) => {
            use std::io::Read;
            let mut out = Vec::new();
            if flate2::read::GzDecoder::new(&body[..])
                .take(8 << 20)
                .read_to_end(&mut out)
                .is_err()
            {
                return plain(400, "text/plain", "invalid gzip body");
            }
            out
        }
    };
    let (decoded, json) = match ctype.as_str() {
        "application/x-protobuf" => (
            ExportTraceServiceRequest::decode(&body[..]).map_err(|e| e.to_string()),
            false,
        ),
        // A receiver that decodes only protobuf tries JSON bytes as protobuf: 400.
        "application/json" if b.protobuf_only => (
            ExportTraceServiceRequest::decode(&body[..])
                .map_err(|e| e.to_string())
                .and_then(|_| Err("proto: cannot parse invalid wire-format data".into())),
            false,
        ),
        "application/json" => (
            serde_json::from_slice::<ExportTraceServiceRequest>(&body).map_err(|e| e.to_string()),
            true,
        ),
        _ => {
            return plain(
                415,
                "text/plain",
                format!(
                "{ctype:?} is not supported, supported: [application/json, application/x-protobuf]"
            ),
            )
        }
    };
    let request = match decoded {
        Ok(r) => r,
        Err(e) => return plain(400, "text/plain", format!("cannot decode request: {e}")),
    };
    if let Some(d) = b.delay {
        tokio::time::sleep(d).await;
    }
    if let Some(status) = b.spans_behaviour(&request).await {
        if b.go_collector {
            return match status {
                413 => go_status(400, 3, "http: request body too large"),
                _ => go_status(status, 14, GO_MEMORY_REFUSAL),
            };
        }
        let body = match status {
            413 => "request body too large",
            _ => "exporter queue is full, try again later",
        };
        return plain(status, "text/plain", body);
    }
    {
        let mut r = received.lock().unwrap();
        r.record(&request);
        r.header_names = header_names;
    }
    let resp = b.response();
    if json {
        plain(200, "application/json", serde_json::to_vec(&resp).unwrap())
    } else {
        plain(200, "application/x-protobuf", resp.encode_to_vec())
    }
}

/// Serves OTLP/HTTP (HTTP/1.1) at `http_path`: protobuf and JSON, optional gzip.
pub async fn serve_http(
    io: BoxIo,
    spec: &ServerSpec,
    received: Arc<Mutex<Received>>,
) -> std::io::Result<()> {
    let b = Behaviour::of(spec);
    let svc = hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
        let b = b.clone();
        let received = received.clone();
        async move { Ok::<_, Infallible>(http_export(req, b, received).await) }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(hyper_util::rt::TokioIo::new(io), svc)
        .await;
    Ok(())
}
