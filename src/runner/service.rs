//! The poll loop: asks each runner's coordinator for jobs, up to `concurrent` at once.
//!
//! Stops asking when the lifecycle leaves `Running`, then gives running jobs the grace period
//! and, when that is over, aborts them (their children are killed, their state reported).

use super::client::{Coordinator, JobRequest};
use super::execute::{self, JobEnv, Outcome, Requested};
use super::job::JobSpec;
use super::lifecycle::Phase;
use super::shell::Procs;
use crate::config::RunnerEntry;
use opentelemetry_sdk::trace::SdkTracer;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

/// Everything the loop needs, decoupled from the config file so tests can build it by hand.
#[derive(Clone, Debug)]
pub struct Service {
    pub runners: Vec<RunnerEntry>,
    pub concurrent: usize,
    pub check_interval: Duration,
    pub shutdown_timeout: Duration,
    /// Bound of every coordinator call.
    pub http_timeout: Duration,
    /// How often a running job's log is streamed.
    pub trace_interval: Duration,
    /// `builds_dir` of runners that set none.
    pub default_builds_dir: PathBuf,
}

impl Service {
    /// The loop's settings from a validated config file.
    pub fn from_config(cfg: &crate::config::RunnerConfig) -> Service {
        Service {
            runners: cfg.runners.clone(),
            concurrent: cfg.concurrent.max(1),
            // Bounded: an absurd value must not overflow a deadline.
            check_interval: Duration::from_secs(cfg.check_interval.clamp(1, 3600)),
            shutdown_timeout: Duration::from_secs(cfg.shutdown_timeout.min(3600)),
            http_timeout: Duration::from_secs(10),
            trace_interval: Duration::from_secs(3),
            default_builds_dir: std::env::current_dir()
                .unwrap_or_else(|_| PathBuf::from("."))
                .join("builds"),
        }
    }
}

/// What the loop did, for logs and tests.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub outcomes: Vec<Outcome>,
    /// Jobs still running when the grace period ended (aborted).
    pub aborted: usize,
    /// When the shutdown must be over: the signal plus `shutdown_timeout`.
    pub deadline: Option<tokio::time::Instant>,
}

/// What one job request came to, for the fleet view (README, "For operators"): whether the coordinator
/// gave an HTTP answer, and the bounded cause of a failure (`refused`, `timeout`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CoordinatorSeen {
    pub answered: bool,
    pub error: Option<&'static str>,
}

/// Told of every job request's outcome (`runner_coordinator_up`, `/healthz`).
pub type OnRequest<'a> = &'a (dyn Fn(CoordinatorSeen) + Sync);

struct Poller {
    entry: RunnerEntry,
    client: Coordinator,
    /// Last request failed: log again only on recovery, not on every poll.
    failing: bool,
}

/// Runs until the lifecycle says stop, then drains.
/// `procs` is shared with the signal handler, which kills every job's children on a second signal.
pub async fn run(
    svc: Service,
    tracer: SdkTracer,
    phase: watch::Receiver<Phase>,
    procs: Procs,
) -> Summary {
    run_observed(svc, tracer, phase, procs, &|_| {}, &|_| {}).await
}

/// `run`, telling `done` of each job's outcome as it ends (the metrics count them).
pub async fn run_observed(
    svc: Service,
    tracer: SdkTracer,
    mut phase: watch::Receiver<Phase>,
    procs: Procs,
    on_done: &(dyn Fn(&Outcome) + Sync),
    on_request: OnRequest<'_>,
) -> Summary {
    let (abort_tx, abort_rx) = watch::channel(false);
    let mut pollers: Vec<Poller> = Vec::new();
    for entry in &svc.runners {
        match Coordinator::new(&entry.url, svc.http_timeout) {
            Ok(client) => pollers.push(Poller {
                entry: entry.clone(),
                client,
                failing: false,
            }),
            Err(e) => tracing::error!(runner = %entry.name, error = %e, "runner skipped"),
        }
    }
    let permits = Arc::new(Semaphore::new(svc.concurrent.max(1)));
    let mut jobs: JoinSet<Outcome> = JoinSet::new();
    let mut summary = Summary::default();
    tracing::info!(
        runners = pollers.len(),
        concurrent = svc.concurrent,
        check_interval_s = svc.check_interval.as_secs_f64(),
        "taking jobs"
    );

    'poll: loop {
        for p in &mut pollers {
            loop {
                if *phase.borrow() != Phase::Running {
                    break 'poll;
                }
                let Ok(permit) = permits.clone().try_acquire_owned() else {
                    break;
                };
                // A signal cancels the request in flight: a coordinator that never answers
                // must not hold the shutdown for its whole HTTP timeout.
                let asked = tokio::select! {
                    r = request(p, on_request) => r,
                    _ = phase.wait_for(|ph| *ph != Phase::Running) => break 'poll,
                };
                let Some((job, req)) = asked else {
                    break;
                };
                let env = JobEnv {
                    runner: p.entry.clone(),
                    builds_dir: p
                        .entry
                        .builds_dir
                        .clone()
                        .unwrap_or_else(|| svc.default_builds_dir.clone()),
                    client: p.client.clone(),
                    tracer: tracer.clone(),
                    procs: procs.clone(),
                    abort: abort_rx.clone(),
                    trace_interval: svc.trace_interval,
                };
                tracing::info!(runner = %p.entry.name, job = job.id, name = %job.name(), "job received");
                jobs.spawn(async move {
                    let outcome = execute::run(job, req, &env).await;
                    drop(permit);
                    outcome
                });
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(svc.check_interval) => {}
            _ = phase.changed() => {}
            Some(done) = jobs.join_next(), if !jobs.is_empty() => {
                if let Ok(o) = done { on_done(&o); summary.outcomes.push(o); }
            }
        }
    }

    if !jobs.is_empty() {
        tracing::info!(
            running = jobs.len(),
            grace_s = svc.shutdown_timeout.as_secs_f64(),
            "stopping: no new jobs; waiting for running jobs to finish"
        );
    } else {
        tracing::info!("stopping: no job running");
    }
    let deadline = tokio::time::Instant::now() + svc.shutdown_timeout;
    summary.deadline = Some(deadline);
    let grace = tokio::time::sleep_until(deadline);
    tokio::pin!(grace);
    loop {
        tokio::select! {
            done = jobs.join_next() => match done {
                Some(Ok(o)) => { on_done(&o); summary.outcomes.push(o) }
                Some(Err(_)) => {}
                None => break,
            },
            _ = &mut grace => {
                summary.aborted = jobs.len();
                tracing::warn!(
                    running = jobs.len(),
                    "grace period over: aborting running jobs (their state is reported as failed)"
                );
                let _ = abort_tx.send(true);
                procs.kill_all();
                // Aborted jobs still upload their log and report; bound that too.
                let _ = tokio::time::timeout(Duration::from_secs(15), async {
                    while let Some(done) = jobs.join_next().await {
                        if let Ok(o) = done { on_done(&o); summary.outcomes.push(o); }
                    }
                })
                .await;
                jobs.abort_all();
                break;
            }
        }
    }
    summary
}

/// One job request; `None` when there is no job or the coordinator could not be asked.
async fn request(p: &mut Poller, seen: OnRequest<'_>) -> Option<(JobSpec, Requested)> {
    let started = SystemTime::now();
    let url = p.client.url("api/v4/jobs/request").to_string();
    let answer = p.client.request_job(&p.entry.token, info(&p.entry)).await;
    let ended = SystemTime::now();
    seen(match &answer {
        Ok(JobRequest::Refused(_)) => CoordinatorSeen {
            answered: true,
            error: Some("refused"),
        },
        Ok(_) => CoordinatorSeen {
            answered: true,
            error: None,
        },
        Err(e) => CoordinatorSeen {
            answered: e.answered(),
            error: Some(e.cause_label()),
        },
    });
    let (status, job) = match answer {
        Ok(JobRequest::Job(job)) => (201, Some(job)),
        Ok(JobRequest::NoJob) => (204, None),
        Ok(JobRequest::Refused(status)) => {
            if !p.failing {
                tracing::warn!(runner = %p.entry.name, %status, %url, "coordinator refused the job request (is the runner token right?)");
            }
            p.failing = true;
            return None;
        }
        Err(e) => {
            if !p.failing {
                tracing::warn!(runner = %p.entry.name, error = %e, "cannot reach the coordinator; retrying every check_interval");
            }
            p.failing = true;
            return None;
        }
    };
    if p.failing {
        tracing::info!(runner = %p.entry.name, "coordinator reachable again");
        p.failing = false;
    }
    let job = job?;
    Some((
        *job,
        Requested {
            started,
            ended,
            status,
            url,
        },
    ))
}

/// The `info` object of a job request: who is asking and what it can do.
fn info(entry: &RunnerEntry) -> serde_json::Value {
    serde_json::json!({
        "name": entry.name,
        "version": crate::VERSION,
        "platform": std::env::consts::OS,
        "architecture": std::env::consts::ARCH,
        "executor": entry.executor,
        "shell": "bash",
        "features": {"trace_reset": false, "trace_checksum": false, "trace_size": false,
                      "cancelable": false, "return_exit_code": true},
    })
}
