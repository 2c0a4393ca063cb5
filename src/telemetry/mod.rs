//! The runner's real OpenTelemetry pipeline, built from `Settings` in one place.
//!
//! `runner run` and the doctor's canary both call `build`, so the exporter can never disagree
//! with what the doctor reports. The pipeline runs on its own small tokio runtime: flush and
//! shutdown may then wait on it from anywhere (even a current-thread runtime) without starving
//! the batch worker they wait for. That runtime is never dropped the blocking way (see
//! `OwnRuntime`), so building, failing to build and dropping a pipeline are safe in async code.

pub mod connect;
mod error;
pub mod grpc;
mod grpc_seen;
pub mod http;
pub mod jsonl;
pub mod record;
pub mod resource;
mod scrub;

pub use error::{ExporterError, WriteError};

pub use record::{
    ExportFailure, ExportObserver, ExportRecord, FailureKind, Outcome, SpanPartialSuccess,
};

use crate::config::{ExporterKind, Protocol, Settings, Signal};
use opentelemetry_otlp::{WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::span_processor_with_async_runtime::BatchSpanProcessor;
use opentelemetry_sdk::trace::{
    BatchConfigBuilder, SdkTracer, SdkTracerProvider, SpanData, SpanExporter, SpanLimits,
};
use opentelemetry_sdk::Resource;
use record::{QueueGuard, Recorder, RecordingExporter};
use std::sync::Arc;
use std::time::Duration;

/// Spans the queue holds before new ones are dropped (and counted).
pub const QUEUE_SIZE: usize = 2048;
/// How often the batch processor exports on its own.
pub const SCHEDULED_DELAY: Duration = Duration::from_secs(5);
/// The bound of the best-effort shutdown in `Drop`.
pub const DROP_SHUTDOWN_BOUND: Duration = Duration::from_secs(5);

/// Who is exporting: goes into the resource (`service.name` defaults to `runner`).
#[derive(Clone, Debug, Default)]
pub struct Identity {
    pub runner_name: Option<String>,
}

/// Running totals kept by the recording exporter.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    pub exports_ok: u64,
    pub exports_failed: u64,
    pub spans_exported: u64,
    pub spans_failed: u64,
    pub spans_dropped: u64,
    /// The last export error, with its full chain, when the last export failed.
    pub last_error: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    #[error("telemetry pipeline: cannot start its runtime: {0}")]
    Runtime(std::io::Error),
    #[error("telemetry pipeline: {0}")]
    Exporter(#[from] ExporterError),
    /// Flush or shutdown did not finish within its bound.
    #[error("telemetry pipeline: {what} did not finish within {} ms", bound.as_millis())]
    Timeout { what: &'static str, bound: Duration },
    /// The exporter reported a failure while flushing or shutting down (full chain).
    #[error("telemetry pipeline: {0}")]
    Export(String),
}

/// Owns the tracer provider; flush and shut down through it, bounded in time.
/// Dropped without `shutdown`, it still flushes and shuts down, bounded by `DROP_SHUTDOWN_BOUND`.
#[derive(Debug)]
pub struct Pipeline {
    provider: SdkTracerProvider,
    recorder: Arc<Recorder>,
    runtime: Option<OwnRuntime>,
    exporter: ExporterKind,
}

/// The pipeline's runtime. Dropping a plain `Runtime` waits for its blocking pool, and tokio
/// panics when that happens inside async code (a doctor future cut short by its budget, a
/// build that fails inside `runner run`). This one is always shut down in the background:
/// whatever still runs on it (an export hung on a dead collector) is abandoned.
#[derive(Debug)]
struct OwnRuntime(Option<tokio::runtime::Runtime>);

impl std::ops::Deref for OwnRuntime {
    type Target = tokio::runtime::Runtime;
    fn deref(&self) -> &tokio::runtime::Runtime {
        self.0.as_ref().expect("present until dropped")
    }
}

impl Drop for OwnRuntime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

/// The exporters the pipeline can use (the SDK's trait is not object safe).
#[derive(Debug)]
enum AnyExporter {
    Grpc(grpc::GrpcExporter),
    Http(opentelemetry_otlp::SpanExporter),
    Lines(jsonl::JsonLinesExporter),
}

impl SpanExporter for AnyExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        // Whatever exporter: no span leaves with a secret in any string it carries.
        let batch = scrub::spans(batch);
        match self {
            AnyExporter::Grpc(e) => e.export(batch).await,
            AnyExporter::Http(e) => e.export(batch).await,
            AnyExporter::Lines(e) => e.export(batch).await,
        }
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        match self {
            AnyExporter::Grpc(e) => e.shutdown_with_timeout(timeout),
            AnyExporter::Http(e) => e.shutdown_with_timeout(timeout),
            AnyExporter::Lines(e) => e.shutdown_with_timeout(timeout),
        }
    }

    fn set_resource(&mut self, resource: &Resource) {
        match self {
            AnyExporter::Grpc(e) => e.set_resource(resource),
            AnyExporter::Http(e) => e.set_resource(resource),
            AnyExporter::Lines(e) => e.set_resource(resource),
        }
    }
}

/// The exporter that `settings` select, or `None` (exporter `none`, or the SDK disabled).
/// Must run inside the pipeline's runtime (the gRPC channel spawns its worker there).
fn exporter(
    settings: &Settings,
    recorder: &Arc<Recorder>,
    pins: &connect::Pins,
) -> Result<Option<AnyExporter>, ExporterError> {
    if settings.sdk_disabled.value {
        return Ok(None);
    }
    let traces = || {
        settings
            .signal(Signal::Traces)
            .ok_or(ExporterError::NoTraces)
    };
    Ok(Some(match &settings.traces_exporter.value {
        ExporterKind::None => return Ok(None),
        ExporterKind::Console => {
            AnyExporter::Lines(jsonl::JsonLinesExporter::console(recorder.clone()))
        }
        ExporterKind::File(path) => AnyExporter::Lines(
            jsonl::JsonLinesExporter::file(path, recorder.clone()).map_err(|source| {
                ExporterError::File {
                    path: path.clone(),
                    source,
                }
            })?,
        ),
        ExporterKind::Otlp => {
            let s = traces()?;
            // `Endpoint.tls` is the one TLS decision (made by config: the scheme wins, INSECURE
            // only turns TLS off for a scheme-less gRPC endpoint), so the exporter and the
            // probes always agree.
            let tls_on = s.endpoint.as_ref().is_some_and(|e| e.tls);
            let alpn: &[&[u8]] = if s.protocol.value == Protocol::Grpc {
                &[b"h2"]
            } else {
                &[b"http/1.1"]
            };
            let tls = if tls_on {
                Some(Arc::new(crate::tlsconf::client_config(s, alpn)?))
            } else {
                None
            };
            match s.protocol.value {
                Protocol::Grpc => {
                    AnyExporter::Grpc(grpc::exporter(s, tls, recorder.clone(), pins.clone())?)
                }
                p => {
                    let client = http::OtlpHttpClient::new(
                        s,
                        &settings.proxy,
                        tls,
                        recorder.clone(),
                        pins.clone(),
                    )?;
                    let protocol = if p == Protocol::HttpJson {
                        opentelemetry_otlp::Protocol::HttpJson
                    } else {
                        opentelemetry_otlp::Protocol::HttpBinary
                    };
                    // Endpoint, protocol and timeout are given explicitly so the exporter never
                    // reads them from the environment; headers and compression are applied by
                    // our client, which ignores any the exporter picked up itself.
                    let e = opentelemetry_otlp::SpanExporter::builder()
                        .with_http()
                        .with_http_client(client)
                        .with_endpoint(crate::config::endpoint::real_url(s).unwrap_or_default())
                        .with_protocol(protocol)
                        .with_timeout(s.timeout.value)
                        .with_retry_policy(opentelemetry_otlp::RetryPolicy::disabled())
                        .build()?;
                    AnyExporter::Http(e)
                }
            }
        }
    }))
}

/// Builds the pipeline from the settings (exporter, resource, sampler, batch processor).
pub fn build(settings: &Settings, identity: &Identity) -> Result<Pipeline, TelemetryError> {
    build_pinned(settings, identity, &connect::Pins::default())
}

/// Like `build`, connecting to `pins`' addresses for their names instead of resolving them.
pub fn build_pinned(
    settings: &Settings,
    identity: &Identity,
    pins: &connect::Pins,
) -> Result<Pipeline, TelemetryError> {
    let runtime = OwnRuntime(Some(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(4)
            .thread_name("runner-telemetry")
            .enable_all()
            .build()
            .map_err(TelemetryError::Runtime)?,
    ));
    let _inside = runtime.enter();
    let recorder = Recorder::new();
    let export_timeout = settings
        .signal(Signal::Traces)
        .map(|s| s.timeout.value)
        .unwrap_or(Duration::from_secs(10));
    let mut builder = SdkTracerProvider::builder()
        .with_resource(resource::resource(settings, identity))
        .with_sampler(resource::sampler(&settings.sampler.value))
        .with_span_limits(SpanLimits::default());
    if let Some(exp) = exporter(settings, &recorder, pins)? {
        // Our wrapper bounds each export just after the transport's own timeout, and the SDK's
        // bound comes last, so the recorded outcome is the transport's, typed.
        let recording = RecordingExporter::new(
            exp,
            recorder.clone(),
            export_timeout + Duration::from_millis(500),
        );
        // Every field is set: `BatchConfigBuilder::default()` reads OTEL_BSP_* itself.
        let config = BatchConfigBuilder::default()
            .with_max_queue_size(QUEUE_SIZE + 64)
            .with_scheduled_delay(SCHEDULED_DELAY)
            .with_max_export_batch_size(512)
            .with_max_export_timeout(export_timeout + Duration::from_secs(1))
            .with_max_concurrent_exports(1)
            .build();
        let batch = BatchSpanProcessor::builder(recording, opentelemetry_sdk::runtime::Tokio)
            .with_batch_config(config)
            .build();
        builder = builder.with_span_processor(QueueGuard::new(batch, recorder.clone(), QUEUE_SIZE));
    }
    let provider = builder.build();
    drop(_inside);
    Ok(Pipeline {
        provider,
        recorder,
        runtime: Some(runtime),
        exporter: if settings.sdk_disabled.value {
            ExporterKind::None
        } else {
            settings.traces_exporter.value.clone()
        },
    })
}

impl Pipeline {
    pub fn tracer(&self, name: &'static str) -> SdkTracer {
        use opentelemetry::trace::TracerProvider;
        self.provider.tracer(name)
    }

    pub fn stats(&self) -> Stats {
        self.recorder.stats()
    }

    /// Tells `observer` of every export and dropped span from now on (one observer per pipeline).
    pub fn observe(&self, observer: Arc<dyn record::ExportObserver>) -> bool {
        self.recorder.observe(observer)
    }

    /// The most recent exports (at most 64), oldest first.
    pub fn exports(&self) -> Vec<ExportRecord> {
        self.recorder.records()
    }

    /// The exporter in use (`none` when the SDK is disabled).
    pub fn exporter_kind(&self) -> &ExporterKind {
        &self.exporter
    }

    /// Runs a blocking provider call on the pipeline's own runtime, bounded by `bound`.
    async fn bounded(
        &self,
        what: &'static str,
        bound: Duration,
        call: impl FnOnce(SdkTracerProvider) -> OTelSdkResult + Send + 'static,
    ) -> Result<(), TelemetryError> {
        let Some(rt) = &self.runtime else {
            return Ok(());
        };
        let provider = self.provider.clone();
        // The timer runs on our runtime too, so this works under any executor.
        let task = rt.spawn(async move {
            tokio::time::timeout(bound, tokio::task::spawn_blocking(move || call(provider))).await
        });
        match task.await {
            Ok(Ok(Ok(Ok(())))) => Ok(()),
            Ok(Ok(Ok(Err(e)))) => Err(TelemetryError::Export(
                self.stats().last_error.unwrap_or_else(|| e.to_string()),
            )),
            Ok(Err(_)) => Err(TelemetryError::Timeout { what, bound }),
            Ok(Ok(Err(join))) | Err(join) => Err(TelemetryError::Export(join.to_string())),
        }
    }

    /// Exports everything queued, within `bound`.
    pub async fn flush(&self, bound: Duration) -> Result<(), TelemetryError> {
        self.bounded("flush", bound, |p| p.force_flush()).await
    }

    /// Flushes and shuts down within `bound`, even when the collector is dead.
    pub async fn shutdown(mut self, bound: Duration) -> Result<(), TelemetryError> {
        let result = self
            .bounded("shutdown", bound, move |p| p.shutdown_with_timeout(bound))
            .await;
        // Anything still running (an export hung on a dead collector) is abandoned.
        drop(self.runtime.take());
        result
    }
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        let Some(rt) = self.runtime.take() else {
            return;
        };
        // Not shut down explicitly: flush and shut down now, bounded, so spans that ended
        // before this point are exported before the process goes on to exit.
        let provider = self.provider.clone();
        let finish = move || {
            let (tx, rx) = std::sync::mpsc::channel();
            rt.spawn_blocking(move || {
                let _ = tx.send(provider.shutdown_with_timeout(DROP_SHUTDOWN_BOUND));
            });
            let _ = rx.recv_timeout(DROP_SHUTDOWN_BOUND);
            drop(rt);
        };
        if tokio::runtime::Handle::try_current().is_err() {
            finish();
            return;
        }
        // Inside async code a worker must not block (on a current-thread runtime it would stall
        // everything, and a caller's budget, such as the pre-flight's, would be overrun): a
        // plain thread finishes instead. Async owners that need the spans out before going on
        // call `shutdown(bound).await`. If no thread can start, the closure is dropped, which
        // shuts the runtime down in the background.
        let _ = std::thread::Builder::new()
            .name("runner-telemetry-drop".into())
            .spawn(finish);
    }
}
