//! The canary stage: a real span through the runner's own telemetry pipeline.

use super::{DoctorOptions, StageResult};
use crate::cause::{pipeline_text, Finding, Severity, Stage};
use crate::config::{ExporterKind, Loaded, Settings, Signal};
use crate::facts::Skip;
use crate::report::{Canary, Check, Status};
use crate::telemetry::{self, ExportRecord, FailureKind, Identity, Outcome, Pipeline};
use opentelemetry::trace::{Span, SpanKind, Tracer};
use opentelemetry::KeyValue;
use serde_json::json;
use std::time::{Duration, Instant};

/// The canary's span name (no personal data: only the marker and the runner's version).
pub const SPAN_NAME: &str = "runner doctor canary";

/// Sends the canary through the pipeline `runner run` would build, for the traces signal.
/// `probe_findings` are the network findings for traces, used to explain a failed export.
pub async fn run(
    loaded: &Loaded,
    opts: &DoctorOptions,
    probe_findings: &[Finding],
) -> (StageResult, Canary) {
    run_then_judge(loaded, opts, std::future::ready(probe_findings.to_vec())).await
}

/// Like `run`, started before the probes end: the span goes out at once, and the probes'
/// findings are awaited only to explain a failure (a slow collector costs its latency once).
/// The stage's duration is the canary's own, not the wait for the probes.
pub async fn run_then_judge(
    loaded: &Loaded,
    opts: &DoctorOptions,
    probe_findings: impl std::future::Future<Output = Vec<Finding>>,
) -> (StageResult, Canary) {
    let started = Instant::now();
    let (result, canary) = run_inner(&loaded.settings, opts, probe_findings, started).await;
    let mut result = result;
    if result.check.duration_ms == 0 {
        result.check.duration_ms = started.elapsed().as_millis() as u64;
    }
    (result, canary)
}

async fn run_inner(
    settings: &Settings,
    opts: &DoctorOptions,
    probe_findings: impl std::future::Future<Output = Vec<Finding>>,
    started: Instant,
) -> (StageResult, Canary) {
    if !opts.canary {
        return (
            StageResult::skipped(Stage::Canary, Skip::NoCanaryFlag),
            Canary::default(),
        );
    }
    let kind = settings.traces_exporter.value.clone();
    if settings.sdk_disabled.value || kind == ExporterKind::None {
        let why = if settings.sdk_disabled.value {
            "the SDK is disabled (OTEL_SDK_DISABLED)"
        } else {
            "the traces exporter is `none`"
        };
        return (
            StageResult::skip(Stage::Canary, format!("canary not sent: {why}")),
            Canary::default(),
        );
    }
    let url = settings
        .signal(Signal::Traces)
        .and_then(|s| s.url.clone())
        .unwrap_or_default();
    let pins = pins(settings, opts).await;
    let pipeline = match telemetry::build_pinned(settings, &Identity::default(), &pins) {
        Ok(p) => p,
        Err(e) => {
            let msg = e.to_string();
            let canary = Canary {
                error: Some(msg.clone()),
                ..Canary::default()
            };
            let check = Check::new(
                Stage::Canary,
                Status::Fail,
                "the pipeline could not be built",
            )
            .evidence(json!({ "error": msg }));
            return (
                StageResult::new(check).with(pipeline_text::canary_pipeline_unbuildable(&msg)),
                canary,
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
        let check = Check::new(
            Stage::Canary,
            Status::Fail,
            "the sampler dropped the canary",
        );
        let f =
            pipeline_text::canary_not_sampled(&settings.sampler.value, &settings.sampler.source);
        let check = if f.severity == Severity::Error {
            check
        } else {
            Check {
                status: Status::Warn,
                ..check
            }
        };
        return (StageResult::new(check).with(f), canary);
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
    let took = started.elapsed();
    let probe_findings = probe_findings.await;
    let result = judge(
        &kind,
        &url,
        record.as_ref(),
        bound,
        &probe_findings,
        &mut canary,
    );
    (
        StageResult {
            check: Check {
                evidence,
                duration_ms: (took.as_millis() as u64).max(1),
                ..result.check
            },
            findings: result.findings,
        },
        canary,
    )
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

/// Decides the stage's status and findings from the export record of the canary.
fn judge(
    kind: &ExporterKind,
    url: &str,
    record: Option<&ExportRecord>,
    bound: Duration,
    probe_findings: &[Finding],
    canary: &mut Canary,
) -> StageResult {
    let to = match kind {
        ExporterKind::Console => "standard error (console exporter, no collector)".to_owned(),
        ExporterKind::File(p) => format!("{} (file exporter, no collector)", p.display()),
        _ => url.to_owned(),
    };
    let Some(record) = record else {
        canary.error = Some(format!(
            "export did not finish within {} ms",
            bound.as_millis()
        ));
        let check = Check::new(Stage::Canary, Status::Fail, "the canary export timed out");
        return StageResult::new(check).with(pipeline_text::canary_timeout(url, bound, None));
    };
    match &record.outcome {
        Outcome::Exported => {
            canary.exported = true;
            StageResult::new(Check::new(
                Stage::Canary,
                Status::Pass,
                pipeline_text::canary_exported(&to, Duration::from_millis(record.latency_ms)),
            ))
        }
        Outcome::PartiallyRejected(p) => {
            canary.exported = p.rejected_spans == 0;
            canary.error = Some(format!(
                "partial success: {} span(s) rejected: {}",
                p.rejected_spans, p.message
            ));
            let f = pipeline_text::canary_partial_success(url, p);
            let status = if f.severity == Severity::Error {
                Status::Fail
            } else {
                Status::Warn
            };
            StageResult::new(Check::new(
                Stage::Canary,
                status,
                "the collector reported a partial success",
            ))
            .with(f)
        }
        Outcome::Failed(failure) => {
            canary.error = Some(failure.chain_text());
            let check = Check::new(Stage::Canary, Status::Fail, "the canary export failed");
            if failure.kind == FailureKind::Timeout {
                let bound = Duration::from_millis(record.latency_ms);
                return StageResult::new(check).with(pipeline_text::canary_timeout(
                    url,
                    bound,
                    Some(failure),
                ));
            }
            let matched = matching(&failure.kind, probe_findings);
            let check = match matched.first() {
                // One cause, one error: the orchestrator files this failure under that finding.
                Some(first) => Check {
                    summary: pipeline_text::canary_failed_as_found(first.cause),
                    ..check
                },
                None => check,
            };
            StageResult::new(check)
                .with(pipeline_text::canary_export_failed(url, failure, &matched))
        }
    }
}

/// The probe findings that explain a failure of this kind: network stages for a broken
/// connection; for a refusal (an HTTP or gRPC status), the stages that see a server answer:
/// TLS too, since a server may complete the handshake and then refuse every request over it
/// (nginx: `400 No required SSL certificate was sent`, `400 The plain HTTP request was sent
/// to HTTPS port`).
fn matching<'a>(kind: &FailureKind, probe_findings: &'a [Finding]) -> Vec<&'a Finding> {
    let stages: &[Stage] = match kind {
        FailureKind::Transport | FailureKind::Timeout => &[
            Stage::Dns,
            Stage::Tcp,
            Stage::Tls,
            Stage::Protocol,
            Stage::Export,
        ],
        FailureKind::HttpStatus { .. }
        | FailureKind::GrpcStatus { .. }
        | FailureKind::ClientRejected { .. } => {
            &[Stage::Tls, Stage::Protocol, Stage::Export, Stage::Config]
        }
        FailureKind::Exporter => &[Stage::Config],
    };
    probe_findings
        .iter()
        .filter(|f| f.severity == Severity::Error && stages.contains(&f.stage))
        .filter(|f| f.signal.is_none_or(|s| s == Signal::Traces))
        .collect()
}
