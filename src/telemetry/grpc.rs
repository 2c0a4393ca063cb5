//! OTLP/gRPC span exporter on tonic, with TLS from `tlsconf` and every setting passed explicitly.
//!
//! Not opentelemetry-otlp's tonic exporter: that one only logs a partial success, merges
//! `OTEL_EXPORTER_OTLP_HEADERS` into the metadata behind our back, and turns transport errors
//! into strings. This one uses the same protobuf types and span grouping, and records facts.

use super::connect::{self, Stream};
use super::grpc_seen::{Seen, ServerSaid, Watched};
use super::record::{chain_of, ExportFailure, FailureKind, Recorder, SpanPartialSuccess};
use super::ExporterError;
use crate::config::{Compression, SignalSettings};
use crate::facts::answer::{AnswerFacts, Sent};
use crate::facts::peer_text::PeerText;
use hyper_util::rt::TokioIo;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use opentelemetry_sdk::Resource;
use rustls::ClientConfig;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tonic::codegen::CompressionEncoding;
use tonic::metadata::MetadataMap;
use tonic::transport::{Channel, Endpoint};

pub struct GrpcExporter {
    client: TraceServiceClient<Watched<Channel>>,
    /// What the server sent on the current export (tells its statuses from tonic's own).
    seen: Seen,
    /// Whether the connection is TLS (what the one answer classifier reads as `Sent`).
    tls: bool,
    metadata: MetadataMap,
    timeout: Duration,
    recorder: Arc<Recorder>,
    resource: ResourceAttributesWithSchema,
}

impl fmt::Debug for GrpcExporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Metadata values are secrets: never print them.
        f.debug_struct("GrpcExporter")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Connects lazily (the runner must start with the collector down) through our own connector.
/// Must be called inside a tokio runtime: the channel spawns its worker there.
pub fn exporter(
    s: &SignalSettings,
    tls: Option<Arc<ClientConfig>>,
    recorder: Arc<Recorder>,
    pins: connect::Pins,
) -> Result<GrpcExporter, ExporterError> {
    let ep = s
        .endpoint
        .as_ref()
        .ok_or_else(|| ExporterError::Endpoint(s.endpoint_raw.value.clone()))?;
    let host = ep.host.clone();
    let authority = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{}", ep.port)
    } else {
        format!("{host}:{}", ep.port)
    };
    // tonic would insist on its own TLS for an `https` URI; TLS is done in our connector, so the
    // connect URI is `http` while the origin (`:scheme`, `:authority`) says what the user wrote.
    let is_tls = tls.is_some();
    let scheme = if is_tls { "https" } else { "http" };
    let bad = |e: &dyn std::fmt::Display| ExporterError::Url {
        url: authority.clone(),
        message: e.to_string(),
    };
    let origin: http::Uri = format!("{scheme}://{authority}")
        .parse()
        .map_err(|e| bad(&e))?;
    let endpoint = Endpoint::from_shared(format!("http://{authority}"))
        .map_err(|e| bad(&e))?
        .origin(origin)
        .user_agent(format!("runner/{}", crate::VERSION))
        .map_err(|e| bad(&e))?;
    let connector = Connector {
        host,
        port: ep.port,
        tls,
        bound: s.timeout.value,
        pins,
    };
    let channel = endpoint.connect_with_connector_lazy(connector);
    let seen = Seen::default();
    let mut client = TraceServiceClient::new(Watched {
        inner: channel,
        seen: seen.clone(),
    });
    if s.compression.value == Compression::Gzip {
        client = client
            .send_compressed(CompressionEncoding::Gzip)
            .accept_compressed(CompressionEncoding::Gzip);
    }
    // The headers the doctor sends too; invalid ones are reported by the config stage.
    let mut headers = http::HeaderMap::new();
    for (name, value) in crate::config::headers::wire_headers(s) {
        headers.append(name, value);
    }
    let metadata = MetadataMap::from_headers(headers);
    Ok(GrpcExporter {
        client,
        seen,
        tls: is_tls,
        metadata,
        timeout: s.timeout.value,
        recorder,
        resource: ResourceAttributesWithSchema::default(),
    })
}

impl SpanExporter for GrpcExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let resource_spans = group_spans_by_resource_and_scope(batch, &self.resource);
        let mut request = tonic::Request::new(ExportTraceServiceRequest { resource_spans });
        *request.metadata_mut() = self.metadata.clone();
        let mut client = self.client.clone();
        self.seen.reset();
        let result = tokio::time::timeout(self.timeout, client.export(request)).await;
        let failure = match result {
            Ok(Ok(response)) => {
                if let Some(p) = response.into_inner().partial_success {
                    if p.rejected_spans > 0 || !p.error_message.is_empty() {
                        self.recorder.note_partial(SpanPartialSuccess {
                            rejected_spans: p.rejected_spans,
                            message: PeerText::from_text(&p.error_message),
                        });
                    }
                }
                return Ok(());
            }
            Ok(Err(status)) => classify(&status, self.seen.get(), self.tls),
            Err(_) => ExportFailure::new(
                FailureKind::Timeout,
                vec![format!(
                    "gRPC export got no response within {} ms",
                    self.timeout.as_millis()
                )],
            ),
        };
        let message = failure.chain_text();
        self.recorder.note_failure(failure);
        Err(OTelSdkError::InternalFailure(message))
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.resource = resource.into();
    }
}

/// A status the server sent is `GrpcStatus`; one tonic made up from a broken connection
/// carries that error as its source and is `Transport`; an HTTP error answer without a
/// `grpc-status` is `HttpStatus`; any other status was made up by the client itself (a decode
/// limit, a malformed frame) and is `ClientRejected`.
fn classify(status: &tonic::Status, said: ServerSaid, tls: bool) -> ExportFailure {
    // The message is the server's: quoted, never raw.
    let mut chain = vec![format!(
        "gRPC status {}: {}",
        crate::facts::grpc_code::name(status.code() as u64).unwrap_or("(unknown code)"),
        PeerText::from_text(status.message())
    )];
    let mut transport = false;
    let mut cur = std::error::Error::source(status);
    if let Some(e) = cur {
        chain.extend(chain_of(e));
    }
    while let Some(e) = cur {
        transport |= e.is::<tonic::transport::Error>()
            || e.is::<tonic::ConnectError>()
            || e.is::<hyper::Error>()
            || e.is::<io::Error>();
        cur = e.source();
    }
    let code = status.code() as i32;
    let kind = match said {
        _ if transport => FailureKind::Transport,
        ServerSaid {
            grpc_status: Some(sent),
            ..
        } if sent == code => FailureKind::GrpcStatus {
            code,
            message: PeerText::from_text(status.message()),
        },
        ServerSaid {
            grpc_status: None,
            http_status: Some(http),
        } if http != 200 => {
            let facts = AnswerFacts {
                http_status: http,
                ..AnswerFacts::default()
            };
            let failure = ExportFailure::new(FailureKind::HttpStatus { status: http }, chain);
            return failure
                .with_answer(facts, Sent { grpc: true, tls })
                .with_io_from(status);
        }
        _ => FailureKind::ClientRejected {
            code,
            message: PeerText::from_text(status.message()),
        },
    };
    ExportFailure::new(kind, chain).with_io_from(status)
}

/// tonic's connector: bounded TCP connect, then (for TLS) a bounded handshake offering `h2`.
#[derive(Clone)]
struct Connector {
    host: String,
    port: u16,
    tls: Option<Arc<ClientConfig>>,
    bound: Duration,
    pins: connect::Pins,
}

impl tonic::codegen::Service<http::Uri> for Connector {
    type Response = TokioIo<Stream>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<TokioIo<Stream>>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _uri: http::Uri) -> Self::Future {
        let c = self.clone();
        Box::pin(async move {
            let tcp = connect::tcp(&c.host, c.port, c.bound, &c.pins).await?;
            let stream = match c.tls {
                None => Stream::Plain(tcp),
                Some(config) => {
                    Stream::Tls(Box::new(connect::tls(tcp, config, &c.host, c.bound).await?))
                }
            };
            Ok(TokioIo::new(stream))
        })
    }
}
