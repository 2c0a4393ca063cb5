//! One job from start to end: prepare, steps, log upload and final state, all traced.
//!
//! GitLab's order is kept: the whole log is sent before the final state, since the coordinator
//! refuses log chunks once the job is finished. Telemetry never changes a job's outcome.

use super::client::Coordinator;
use super::job::JobSpec;
use super::joblog::{JobLog, Uploader};
use super::shell::{self, Ctx, Ended, Procs, Workspace};
use super::spans;
use crate::config::RunnerEntry;
use opentelemetry::trace::{Span, SpanKind, TraceContextExt, Tracer};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::trace::SdkTracer;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::{watch, Mutex};

/// GitLab's default job timeout, used when the coordinator sends none.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3600);
/// GitLab's bound on `after_script`.
const AFTER_SCRIPT_TIMEOUT: Duration = Duration::from_secs(300);

/// What a job needs from the runner around it.
#[derive(Clone, Debug)]
pub struct JobEnv {
    pub runner: RunnerEntry,
    pub builds_dir: PathBuf,
    pub client: Coordinator,
    pub tracer: SdkTracer,
    pub procs: Procs,
    /// Set when running jobs must stop now (grace period over).
    pub abort: watch::Receiver<bool>,
    /// How often the log is streamed while the job runs.
    pub trace_interval: Duration,
}

/// The job request that brought this job, recorded before the trace existed.
#[derive(Clone, Debug)]
pub struct Requested {
    pub started: SystemTime,
    pub ended: SystemTime,
    pub status: u16,
    pub url: String,
}

/// How the job ended, as reported to the coordinator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub state: &'static str,
    pub failure_reason: Option<&'static str>,
    pub exit_code: Option<i32>,
    pub trace_id: String,
    /// The final state reached the coordinator.
    pub reported: bool,
}

/// Runs the job and reports it; never panics on a coordinator or telemetry problem.
pub async fn run(job: JobSpec, req: Requested, env: &JobEnv) -> Outcome {
    let tracer = &env.tracer;
    let root = tracer
        .span_builder(spans::root_name(&job))
        .with_kind(SpanKind::Internal)
        .with_start_time(req.started)
        .with_attributes(spans::root_attributes(&job, &env.runner))
        .start_with_context(tracer, &Context::new());
    let root_sc = root.span_context().clone();
    let trace_id = root_sc.trace_id().to_string();
    // The context owns the root span, so children link to it as a local parent.
    let cx = Context::new().with_span(root);
    let root = cx.span();

    let mut request = tracer
        .span_builder(spans::REQUEST)
        .with_kind(SpanKind::Client)
        .with_start_time(req.started)
        .with_attributes(vec![
            KeyValue::new("http.request.method", "POST"),
            KeyValue::new("http.response.status_code", i64::from(req.status)),
            KeyValue::new("url.full", req.url.clone()),
        ])
        .start_with_context(tracer, &cx);
    request.end_with_timestamp(req.ended);

    // The job's token and masked values are secrets of this run from now on, for every output.
    let mut secrets = crate::redact::egress::Secrets::new();
    for v in job.masked_values() {
        secrets.add_exact(&v);
    }
    crate::redact::egress::install(&secrets);
    let log = JobLog::new(job.masked_values());
    log.line(&format!(
        "Running with runner {} on {} (executor {})",
        crate::VERSION,
        env.runner.name,
        env.runner.executor
    ));
    let sampled = if root_sc.is_sampled() {
        ""
    } else {
        " (not sampled)"
    };
    log.line(&format!("Trace ID: {trace_id}{sampled}"));
    log.line(&format!(
        "Job {} \"{}\" (stage {}), pipeline {}",
        job.id,
        job.name(),
        job.job_info.stage,
        job.pipeline_id().unwrap_or_else(|| "?".into())
    ));

    let uploader = Arc::new(Mutex::new(Uploader::new(
        env.client.clone(),
        job.id,
        job.token.clone(),
    )));
    let (stop_tx, stop_rx) = watch::channel(false);
    let streamer = tokio::spawn(stream(
        uploader.clone(),
        log.clone(),
        env.trace_interval,
        stop_rx,
    ));

    let ws = Workspace::for_job(&env.builds_dir, &env.runner.name, &job);
    let (state, reason, exit_code) = execute(&job, &ws, &log, &cx, env).await;
    match state {
        "success" => log.line("Job succeeded"),
        _ => log.line(&format!(
            "ERROR: Job failed: {}",
            exit_code.map_or_else(
                || reason.unwrap_or("unknown_failure").to_owned(),
                |c| format!("exit code {c}")
            )
        )),
    }

    let _ = stop_tx.send(true);
    let _ = streamer.await;
    let mut upload = tracer
        .span_builder(spans::UPLOAD)
        .with_kind(SpanKind::Client)
        .start_with_context(tracer, &cx);
    let mut up = uploader.lock().await;
    let uploaded = up.push(&log).await;
    upload.set_attributes(vec![
        KeyValue::new("runner.log.bytes", log.len() as i64),
        KeyValue::new("runner.log.chunks", up.stats.chunks as i64),
        KeyValue::new("runner.log.resumes", up.stats.resumes as i64),
    ]);
    if let Some(s) = up.stats.last_status {
        upload.set_attribute(KeyValue::new("http.response.status_code", i64::from(s)));
    }
    if let Err(e) = &uploaded {
        tracing::warn!(job = job.id, error = %e, "could not upload the whole job log");
        spans::fail(&mut upload, "log_upload", &e.to_string());
    }
    upload.end();
    drop(up);

    let mut report = tracer
        .span_builder(spans::REPORT)
        .with_kind(SpanKind::Client)
        .with_attributes(vec![
            KeyValue::new("http.request.method", "PUT"),
            KeyValue::new("runner.job.state", state),
        ])
        .start_with_context(tracer, &cx);
    let reported = match env
        .client
        .update_job(job.id, &job.token, state, reason, exit_code)
        .await
    {
        Ok(status) => {
            report.set_attribute(KeyValue::new(
                "http.response.status_code",
                i64::from(status.as_u16()),
            ));
            if !status.is_success() {
                tracing::warn!(job = job.id, %status, "coordinator refused the job's final state");
                spans::fail(&mut report, "http", &format!("HTTP {status}"));
            }
            status.is_success()
        }
        Err(e) => {
            tracing::warn!(job = job.id, error = %e, "could not report the job's final state");
            spans::fail(&mut report, "http", &e.to_string());
            false
        }
    };
    report.end();

    let result = if state == "success" {
        "success"
    } else if reason == Some("job_execution_timeout") {
        "timeout"
    } else {
        "failure"
    };
    root.set_attribute(KeyValue::new("cicd.pipeline.task.run.result", result));
    if state != "success" {
        let reason = reason.unwrap_or("unknown_failure");
        spans::fail_ref(&root, reason, &format!("job failed: {reason}"));
    }
    root.end();
    tracing::info!(job = job.id, name = %job.name(), state, trace_id = %trace_id, "job finished");
    Outcome {
        state,
        failure_reason: reason,
        exit_code,
        trace_id,
        reported,
    }
}

/// Prepare and steps. Returns (state, failure_reason, exit_code).
async fn execute(
    job: &JobSpec,
    ws: &Workspace,
    log: &JobLog,
    cx: &Context,
    env: &JobEnv,
) -> (&'static str, Option<&'static str>, Option<i32>) {
    let tracer = &env.tracer;
    let timeout = job
        .runner_info
        .timeout
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_TIMEOUT);
    let deadline = tokio::time::Instant::now() + timeout;
    let mut ctx = Ctx {
        vars: variables(job, ws, env),
        abort: env.abort.clone(),
        procs: env.procs.clone(),
    };

    let mut prepare = tracer
        .span_builder(spans::PREPARE)
        .with_attributes(vec![
            KeyValue::new("vcs.ref.head.revision", job.git_info.sha.clone()),
            KeyValue::new("runner.git.depth", i64::from(job.git_info.depth)),
        ])
        .start_with_context(tracer, cx);
    if let Err(e) = shell::fetch_sources(&job.git_info, ws, log, timeout, &ctx).await {
        log.line(&format!("ERROR: preparing the sources failed: {e}"));
        spans::fail(&mut prepare, "prepare", &e.to_string());
        prepare.end();
        return ("failed", Some("runner_system_failure"), None);
    }
    prepare.end();

    let mut failed: Option<(&'static str, Option<i32>)> = None;
    for step in &job.steps {
        // An empty step (no `after_script` defined) runs nothing and gets no span.
        if step.script.is_empty() || !step.runs(failed.is_some()) {
            continue;
        }
        let mut span = tracer
            .span_builder(spans::step_name(&step.name))
            .with_attributes(vec![
                KeyValue::new("runner.step.name", step.name.clone()),
                KeyValue::new("runner.step.lines", step.script.len() as i64),
            ])
            .start_with_context(tracer, cx);
        ctx.vars.insert(
            "TRACEPARENT".into(),
            spans::traceparent(span.span_context()),
        );
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let bound = if step.affects_result() {
            step.timeout
                .map_or(left, |t| Duration::from_secs(t).min(left))
        } else {
            step.timeout
                .map_or(AFTER_SCRIPT_TIMEOUT, Duration::from_secs)
                .min(AFTER_SCRIPT_TIMEOUT)
        };
        log.line("");
        log.line(&format!("Running {}...", step.name));
        let ended = shell::run_step(step, ws, log, bound, &ctx).await;
        if let Some(code) = ended.exit_code() {
            span.set_attribute(KeyValue::new("process.exit.code", i64::from(code)));
        }
        if !ended.success() {
            let message = format!("{} {}", step.name, ended.describe());
            spans::fail(&mut span, "step", &message);
            if step.affects_result() {
                let reason = match ended {
                    Ended::TimedOut => "job_execution_timeout",
                    Ended::Aborted | Ended::SpawnFailed(_) => "runner_system_failure",
                    _ => "script_failure",
                };
                failed.get_or_insert((reason, ended.exit_code()));
            } else {
                log.line(&format!("WARNING: {message}"));
            }
        }
        span.end();
    }
    match failed {
        None => ("success", None, None),
        Some((reason, code)) => ("failed", Some(reason), code),
    }
}

/// The job's variables plus the ones the runner defines (GitLab's predefined `CI_*`).
fn variables(job: &JobSpec, ws: &Workspace, env: &JobEnv) -> BTreeMap<String, String> {
    let mut v = BTreeMap::new();
    let mut put = |k: &str, val: String| {
        v.insert(k.to_owned(), val);
    };
    put("CI", "true".into());
    put("GITLAB_CI", "true".into());
    put("CI_SERVER", "yes".into());
    put("CI_JOB_ID", job.id.to_string());
    put("CI_JOB_NAME", job.name());
    put("CI_JOB_STAGE", job.job_info.stage.clone());
    put("CI_COMMIT_SHA", job.git_info.sha.clone());
    put("CI_COMMIT_BEFORE_SHA", job.git_info.before_sha.clone());
    put("CI_COMMIT_REF_NAME", job.git_info.git_ref.clone());
    put("CI_PROJECT_ID", job.job_info.project_id.to_string());
    put("CI_PROJECT_NAME", job.job_info.project_name.clone());
    put("CI_RUNNER_DESCRIPTION", env.runner.name.clone());
    put("CI_RUNNER_EXECUTOR", env.runner.executor.clone());
    put("CI_RUNNER_VERSION", crate::VERSION.into());
    for var in &job.variables {
        v.insert(var.key.clone(), var.value.clone());
    }
    v.insert("CI_BUILDS_DIR".into(), ws.builds_dir.display().to_string());
    v.insert(
        "CI_PROJECT_DIR".into(),
        ws.project_dir.display().to_string(),
    );
    v
}

/// Streams the log every `interval` until told to stop; failures wait for the final push.
async fn stream(
    uploader: Arc<Mutex<Uploader>>,
    log: JobLog,
    interval: Duration,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        let mut up = uploader.lock().await;
        if let Err(e) = up.push(&log).await {
            tracing::debug!(error = %e, "log chunk not accepted; retrying at the next interval");
        }
    }
}
