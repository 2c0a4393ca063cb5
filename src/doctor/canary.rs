//! The canary stage: a real span through the runner's own telemetry pipeline.

use super::DoctorOptions;
use crate::config::{ExporterKind, Loaded, Settings, Signal};
pub use crate::facts::diagnosis::canary::Diagnosis;
use crate::facts::diagnosis::canary::Skip as CanarySkip;
use crate::report::Canary;
use crate::telemetry::{self, ExportRecord, FailureKind, Identity, Outcome, Pipeline};
use opentelemetry::trace::{Span, SpanKind, Tracer};
use opentelemetry::KeyValue;
use serde_json::json;
use std::time::{Duration, Instant};

/// The canary's span name (no personal data: only the marker and the runner's version).
pub const SPAN_NAME: &str = "runner doctor canary";

/// What the canary saw, the check's evidence (typed data) and the report's canary block.
#[derive(Debug)]
pub struct Ran {
    pub diagnosis: Diagnosis,
    pub evidence: serde_json::Value,
    pub canary: Canary,
    pub took: Duration,
}

/// Sends the canary through the pipeline `runner run` would build, for the traces signal.
pub async fn run(loaded: &Loaded, opts: &DoctorOptions) -> Ran {
    let started = Instant::now();
    let (diagnosis, evidence, canary) = run_inner(&loaded.settings, opts).await;
    Ran {
        diagnosis,
        evidence,
        canary,
        took: started.elapsed(),
    }
}

async fn run_inner(
    settings: &Settings,
    opts: &DoctorOptions,
) -> (Diagnosis, serde_json::Value, Canary) {
    let skipped = |skip| (Diagnosis::Skipped(skip), json!(null), Canary::default());
    if !opts.canary {
        return skipped(CanarySkip::Disabled);
    }
    let kind = settings.traces_exporter.value.clone();
    if settings.sdk_disabled.value {
        return skipped(CanarySkip::SdkDisabled);
    }
    if kind == ExporterKind::None {
        return skipped(CanarySkip::ExporterNone);
    }
    let url = settings
        .signal(Signal::Traces)
        .and_then(|s| s.url.clone())
        .unwrap_or_default();
    let pins = pins(settings, opts).await;
    let pipeline = match telemetry::build_pinned(settings, &Identity::default(), &pins) {
        Ok(p) => p,
        Err(e) => {
            let error = e.to_string();
            let evidence = json!({ "error": error });
            return (
                Diagnosis::Unbuildable { error },
                evidence,
                Canary::default(),
            );
        }
    };
    let tracer = pipeline.tracer("runner.doctor");
    let mut span = tracer
        .span_builder(SPAN_NAME)
        .with_kind(SpanKind::Internal)
        .with_attributes([
            KeyValue::new("runner.canary", true),
            KeyValue::new("runner.version", crate::VERSION),
        ])
        .start(&tracer);
    let ctx = span.span_context().clone();
    let sampled = ctx.is_sampled();
    span.end();
    drop(span);
    let mut canary = Canary {
        sent: sampled,
        trace_id: Some(ctx.trace_id().to_string()),
        span_id: Some(ctx.span_id().to_string()),
        ..Canary::default()
    };
    if !sampled {
        close(pipeline, opts.timeout).await;
        let d = Diagnosis::NotSampled {
            sampler: settings.sampler.value.clone(),
            source: settings.sampler.source.clone(),
        };
        return (d, json!(null), canary);
    }
    let sent_at = Instant::now();
    // As long as the runner's exporter waits, and a little more: its own timeout fires first,
    // so a slow collector is judged by the exporter's bound, not the doctor's `--timeout`.
    let bound = flush_bound(settings, opts);
    let flushed = pipeline.flush(bound).await;
    let span_id = ctx.span_id().to_string();
    let record = pipeline
        .exports()
        .into_iter()
        .rev()
        .find(|r| r.span_ids.contains(&span_id));
    let stats = pipeline.stats();
    if flushed.is_ok() {
        close(pipeline, opts.timeout.min(Duration::from_millis(500))).await;
    } else {
        // The export is already judged a failure: waiting again for a hung peer would only add
        // to the time to a verdict. Dropping hands the bounded shutdown to a background thread.
        drop(pipeline);
    }
    canary.latency_ms = Some(
        record
            .as_ref()
            .map(|r| r.latency_ms)
            .unwrap_or_else(|| sent_at.elapsed().as_millis() as u64),
    );
    let evidence = json!({
        "exporter": kind,
        "url": url,
        "export": record,
        "stats": stats,
        "flush": flushed.as_ref().err().map(|e| e.to_string()),
    });
    let d = judge(kind, url, record, bound);
    canary.exported = match &d {
        Diagnosis::Exported { .. } => true,
        Diagnosis::PartiallyRejected { partial, .. } => partial.rejected_spans == 0,
        _ => false,
    };
    (d, evidence, canary)
}

/// With `--dns-server`, the canary's exporter connects to the addresses that server gives for
/// the traces host (TLS server name and `Host` unchanged, as `curl --resolve`), so a name only
/// that server knows (split horizon) is proven end to end. Not through an HTTP proxy, which
/// resolves the name itself.
async fn pins(settings: &Settings, opts: &DoctorOptions) -> telemetry::connect::Pins {
    let mut pins = telemetry::connect::Pins::default();
    let Some(server) = opts.dns_server else {
        return pins;
    };
    let Some(ep) = settings
        .signal(Signal::Traces)
        .and_then(|t| t.endpoint.as_ref().map(|e| (t, e)))
        .filter(|(t, e)| {
            t.protocol.value == crate::config::Protocol::Grpc
                || !matches!(
                    crate::config::proxy::proxy_for(
                        super::dns::bare_host(&e.host),
                        e.port,
                        e.tls,
                        &settings.proxy
                    ),
                    Ok(Some(_))
                )
        })
        .map(|(_, e)| e)
    else {
        return pins;
    };
    let host = super::dns::bare_host(&ep.host);
    if host.parse::<std::net::IpAddr>().is_ok() {
        return pins;
    }
    let addrs: Vec<std::net::SocketAddr> = super::dns::resolve(host, Some(server), opts.timeout)
        .await
        .addresses()
        .into_iter()
        .map(|ip| std::net::SocketAddr::new(ip, ep.port))
        .collect();
    if !addrs.is_empty() {
        pins.pin(host, ep.port, addrs);
    }
    pins
}

/// How long the canary's flush may take: the traces exporter's timeout plus a margin (its own
/// timeout fires first), or an explicit `--timeout` when that is shorter.
pub fn flush_bound(settings: &Settings, opts: &DoctorOptions) -> Duration {
    let exporter = settings
        .signal(Signal::Traces)
        .map(|s| s.timeout.value)
        .unwrap_or(Duration::from_secs(10));
    match opts.answer_bound(exporter) {
        cut if cut < exporter => cut,
        _ => exporter + Duration::from_millis(1500),
    }
}

/// Shuts the pipeline down, bounded; its outcome no longer matters to the verdict.
async fn close(pipeline: Pipeline, bound: Duration) {
    let _ = pipeline.shutdown(bound).await;
}

/// What the export record of the canary says.
fn judge(
    exporter: ExporterKind,
    url: String,
    record: Option<ExportRecord>,
    bound: Duration,
) -> Diagnosis {
    let Some(record) = record else {
        return Diagnosis::NoRecord { url, bound };
    };
    match record.outcome {
        Outcome::Exported => Diagnosis::Exported {
            exporter,
            url,
            latency: Duration::from_millis(record.latency_ms),
        },
        Outcome::PartiallyRejected(partial) => Diagnosis::PartiallyRejected { url, partial },
        Outcome::Failed(failure) if failure.kind == FailureKind::Timeout => Diagnosis::TimedOut {
            url,
            took: Duration::from_millis(record.latency_ms),
            failure,
        },
        Outcome::Failed(failure) => Diagnosis::Failed { url, failure },
    }
}
