//! The job's trace: span names and attributes (OpenTelemetry CI/CD semantic conventions).
//!
//! One trace per job. The root span `job <name>` holds the pipeline and task attributes; its
//! children are `request job`, `prepare`, `step <name>`, `upload log` and `report result`.

use super::job::{display_url, JobSpec};
use crate::config::RunnerEntry;
use opentelemetry::trace::{Span, SpanContext, SpanRef, Status};
use opentelemetry::KeyValue;
use sha2::{Digest, Sha256};

pub const REQUEST: &str = "request job";
pub const PREPARE: &str = "prepare";
pub const UPLOAD: &str = "upload log";
pub const REPORT: &str = "report result";

pub fn root_name(job: &JobSpec) -> String {
    format!("job {}", job.name())
}

pub fn step_name(step: &str) -> String {
    format!("step {step}")
}

/// The root span's attributes.
pub fn root_attributes(job: &JobSpec, runner: &RunnerEntry) -> Vec<KeyValue> {
    let mut a = vec![
        KeyValue::new("cicd.pipeline.name", job.pipeline_name()),
        KeyValue::new("cicd.pipeline.task.name", job.name()),
        KeyValue::new("cicd.pipeline.task.run.id", job.id.to_string()),
        KeyValue::new("cicd.worker.name", runner.name.clone()),
        KeyValue::new("cicd.worker.id", worker_id(runner)),
        KeyValue::new("runner.name", runner.name.clone()),
        KeyValue::new("runner.executor", runner.executor.clone()),
        KeyValue::new("runner.job.stage", job.job_info.stage.clone()),
        KeyValue::new(
            "vcs.repository.url.full",
            display_url(&job.git_info.repo_url),
        ),
        KeyValue::new("vcs.ref.head.revision", job.git_info.sha.clone()),
    ];
    if let Some(id) = job.pipeline_id() {
        a.push(KeyValue::new("cicd.pipeline.run.id", id));
    }
    if !job.git_info.git_ref.is_empty() {
        a.push(KeyValue::new(
            "vcs.ref.head.name",
            job.git_info.git_ref.clone(),
        ));
    }
    if let Some(url) = job.variable("CI_JOB_URL") {
        a.push(KeyValue::new(
            "cicd.pipeline.task.run.url.full",
            url.to_owned(),
        ));
    }
    if job.job_info.project_id != 0 {
        a.push(KeyValue::new(
            "runner.project.id",
            job.job_info.project_id as i64,
        ));
    }
    a
}

/// A stable, non-secret id for the runner: a short hash of its token.
pub fn worker_id(runner: &RunnerEntry) -> String {
    let d = Sha256::digest(runner.token.expose().as_bytes());
    hex::encode(&d[..4])
}

/// Marks a span failed: status error plus an `exception` event with the message.
pub fn fail<S: Span>(span: &mut S, kind: &str, message: &str) {
    span.add_event(
        "exception",
        vec![
            KeyValue::new("exception.type", kind.to_owned()),
            KeyValue::new("exception.message", crate::redact::egress::scrub(message)),
        ],
    );
    span.set_status(Status::error(crate::redact::egress::scrub(message)));
}

/// `fail` for the span a context owns (the job's root).
pub fn fail_ref(span: &SpanRef<'_>, kind: &str, message: &str) {
    span.add_event(
        "exception",
        vec![
            KeyValue::new("exception.type", kind.to_owned()),
            KeyValue::new("exception.message", crate::redact::egress::scrub(message)),
        ],
    );
    span.set_status(Status::error(crate::redact::egress::scrub(message)));
}

/// W3C `traceparent` of a span, handed to the job's scripts as `TRACEPARENT`.
pub fn traceparent(cx: &SpanContext) -> String {
    format!(
        "00-{}-{}-{:02x}",
        cx.trace_id(),
        cx.span_id(),
        cx.trace_flags().to_u8()
    )
}
