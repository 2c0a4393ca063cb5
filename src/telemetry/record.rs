//! Recording: every export's outcome (typed, with its full error chain), latency and span count,
//! plus running totals, so the runner and the doctor read facts instead of scraping logs.

use super::Stats;
pub use crate::facts::{ExportFailure, FailureKind, SpanPartialSuccess};
use opentelemetry::Context;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{Span, SpanData, SpanExporter, SpanProcessor};
use opentelemetry_sdk::Resource;
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How many recent export records are kept.
const KEEP_RECORDS: usize = 64;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Outcome {
    Exported,
    PartiallyRejected(SpanPartialSuccess),
    Failed(ExportFailure),
}

/// One call of the exporter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExportRecord {
    pub spans: usize,
    pub latency_ms: u64,
    /// Span ids (16 hex) in this export, so a caller can find its own span.
    pub span_ids: Vec<String>,
    pub outcome: Outcome,
}

/// What the transport saw during the current export; filled by the gRPC exporter or the HTTP
/// client, taken by the recording wrapper when the export ends.
#[derive(Clone, Debug, Default)]
pub struct Detail {
    pub partial: Option<SpanPartialSuccess>,
    pub failure: Option<ExportFailure>,
}

#[derive(Debug, Default)]
struct State {
    stats: Stats,
    /// Spans handed to the batch queue, and spans the exporter has taken from it.
    enqueued: u64,
    taken: u64,
    records: VecDeque<ExportRecord>,
    detail: Detail,
    closed: bool,
}

/// Shared between the queue guard, the recording exporter and the transport.
#[derive(Debug, Default)]
pub struct Recorder {
    state: Mutex<State>,
    observer: std::sync::OnceLock<Arc<dyn ExportObserver>>,
}

impl Recorder {
    pub fn new() -> Arc<Recorder> {
        Arc::new(Recorder::default())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock must not take telemetry down with it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn stats(&self) -> Stats {
        self.lock().stats.clone()
    }

    /// Sets the one observer; a second call is ignored (returns false).
    pub fn observe(&self, observer: Arc<dyn ExportObserver>) -> bool {
        self.observer.set(observer).is_ok()
    }

    fn note_dropped(&self, spans: u64) {
        if let (Some(o), true) = (self.observer.get(), spans > 0) {
            o.dropped(spans);
        }
    }

    pub fn records(&self) -> Vec<ExportRecord> {
        self.lock().records.iter().cloned().collect()
    }

    /// The transport notes a partial success of the current export.
    pub fn note_partial(&self, partial: SpanPartialSuccess) {
        self.lock().detail.partial = Some(partial);
    }

    /// The transport notes why the current export failed, with typed facts.
    pub fn note_failure(&self, failure: ExportFailure) {
        self.lock().detail.failure = Some(failure);
    }

    fn begin(&self, spans: usize) {
        let mut s = self.lock();
        s.taken += spans as u64;
        s.detail = Detail::default();
    }

    fn finish(&self, mut record: ExportRecord) {
        let mut s = self.lock();
        let detail = std::mem::take(&mut s.detail);
        if let (Outcome::Exported, Some(p)) = (&record.outcome, detail.partial) {
            record.outcome = Outcome::PartiallyRejected(p);
        }
        let n = record.spans as u64;
        match &record.outcome {
            Outcome::Exported => {
                s.stats.exports_ok += 1;
                s.stats.spans_exported += n;
                s.stats.last_error = None;
            }
            Outcome::PartiallyRejected(p) => {
                s.stats.exports_ok += 1;
                let rejected = (p.rejected_spans.max(0) as u64).min(n);
                s.stats.spans_exported += n - rejected;
                s.stats.spans_failed += rejected;
                s.stats.last_error = None;
            }
            Outcome::Failed(f) => {
                s.stats.exports_failed += 1;
                s.stats.spans_failed += n;
                s.stats.last_error = Some(f.chain_text());
            }
        }
        if let Some(o) = self.observer.get() {
            o.exported(&record);
        }
        if s.records.len() == KEEP_RECORDS {
            s.records.pop_front();
        }
        s.records.push_back(record);
    }

    fn take_detail_failure(&self) -> Option<ExportFailure> {
        self.lock().detail.failure.take()
    }
}

/// Told of every export's outcome and every dropped span, as they happen (the run-time metrics).
/// Called with the recorder's lock held: implementations only count, never block or call back.
pub trait ExportObserver: Send + Sync + std::fmt::Debug {
    fn exported(&self, record: &ExportRecord);
    fn dropped(&self, spans: u64);
}

pub use crate::facts::pipeline::io_kind_of;

/// The error and its `source()` chain, outermost first.
pub fn chain_of(err: &(dyn std::error::Error + 'static)) -> Vec<String> {
    // Error texts can carry a server's words: control characters are made visible.
    let safe = |e: &dyn std::error::Error| {
        crate::facts::peer_text::PeerText::from_text(&e.to_string())
            .as_str()
            .to_owned()
    };
    let mut chain = vec![safe(err)];
    let mut cur = err.source();
    while let Some(e) = cur {
        let text = safe(e);
        // Some errors repeat their source in their own message: keep each text once.
        if chain.last() != Some(&text) {
            chain.push(text);
        }
        cur = e.source();
    }
    chain
}

/// Wraps the real exporter: bounds each export in time and records what happened.
#[derive(Debug)]
pub struct RecordingExporter<E> {
    inner: E,
    recorder: Arc<Recorder>,
    bound: Duration,
}

impl<E: SpanExporter> RecordingExporter<E> {
    pub fn new(inner: E, recorder: Arc<Recorder>, bound: Duration) -> Self {
        RecordingExporter {
            inner,
            recorder,
            bound,
        }
    }
}

impl<E: SpanExporter> SpanExporter for RecordingExporter<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let spans = batch.len();
        let span_ids = batch
            .iter()
            .map(|s| s.span_context.span_id().to_string())
            .collect();
        self.recorder.begin(spans);
        let started = Instant::now();
        let result = tokio::time::timeout(self.bound, self.inner.export(batch)).await;
        let latency_ms = started.elapsed().as_millis() as u64;
        let noted = self.recorder.take_detail_failure();
        let (outcome, ret) = match result {
            Ok(Ok(())) => (Outcome::Exported, Ok(())),
            Ok(Err(e)) => {
                // Prefer what the transport saw (typed, full chain) over the SDK's summary.
                let failure = noted.unwrap_or_else(|| match &e {
                    OTelSdkError::Timeout(_) => {
                        ExportFailure::new(FailureKind::Timeout, chain_of(&e))
                    }
                    _ => ExportFailure::new(FailureKind::Exporter, chain_of(&e)),
                });
                (Outcome::Failed(failure), Err(e))
            }
            Err(_) => {
                let failure = ExportFailure::new(
                    FailureKind::Timeout,
                    vec![format!(
                        "export did not finish within {} ms",
                        self.bound.as_millis()
                    )],
                );
                (
                    Outcome::Failed(failure),
                    Err(OTelSdkError::Timeout(self.bound)),
                )
            }
        };
        self.recorder.finish(ExportRecord {
            spans,
            latency_ms,
            span_ids,
            outcome,
        });
        ret
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

/// Sits in front of the batch processor and owns the queue bound, so every span dropped
/// because the queue is full (or the pipeline is shut down) is counted.
#[derive(Debug)]
pub struct QueueGuard<P> {
    inner: P,
    recorder: Arc<Recorder>,
    limit: u64,
}

impl<P: SpanProcessor> QueueGuard<P> {
    pub fn new(inner: P, recorder: Arc<Recorder>, limit: usize) -> Self {
        QueueGuard {
            inner,
            recorder,
            limit: limit as u64,
        }
    }
}

impl<P: SpanProcessor> SpanProcessor for QueueGuard<P> {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        self.inner.on_start(span, cx);
    }

    fn on_end(&self, span: SpanData) {
        if !span.span_context.is_sampled() {
            return;
        }
        let accepted = {
            // One lock for the check and the count, so concurrent ends cannot overshoot.
            let mut s = self.recorder.lock();
            if s.closed || s.enqueued.saturating_sub(s.taken) >= self.limit {
                s.stats.spans_dropped += 1;
                self.recorder.note_dropped(1);
                false
            } else {
                s.enqueued += 1;
                true
            }
        };
        if accepted {
            self.inner.on_end(span);
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        let result = self.inner.shutdown_with_timeout(timeout);
        let mut s = self.recorder.lock();
        s.closed = true;
        // Whatever the queue still held was never exported: count it as dropped.
        let left = s.enqueued.saturating_sub(s.taken);
        s.taken = s.enqueued;
        s.stats.spans_dropped += left;
        self.recorder.note_dropped(left);
        result
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_success_counts_rejected_spans_as_failed() {
        let r = Recorder::new();
        r.begin(3);
        r.note_partial(SpanPartialSuccess {
            rejected_spans: 2,
            message: "bad attribute".into(),
        });
        r.finish(ExportRecord {
            spans: 3,
            latency_ms: 1,
            span_ids: vec![],
            outcome: Outcome::Exported,
        });
        let s = r.stats();
        assert_eq!((s.exports_ok, s.spans_exported, s.spans_failed), (1, 1, 2));
        assert!(matches!(
            r.records()[0].outcome,
            Outcome::PartiallyRejected(SpanPartialSuccess {
                rejected_spans: 2,
                ..
            })
        ));
    }

    #[derive(Debug, thiserror::Error)]
    #[error("export failed")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn chain_keeps_every_source() {
        let inner = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert_eq!(chain_of(&Outer(inner)), vec!["export failed", "refused"]);
    }
}
