//! Runs the stages for every target: signals sharing a network path (same host, port, TLS
//! settings and protocol family) are probed once through dns, tcp and tls, every path
//! concurrently, so a blocked path costs one timeout, not one per signal or stage; and what does
//! not depend on each other runs at once (the canary once its path is good up to TLS, the export
//! probe beside a slow protocol probe), so a slow collector costs its latency once.

use super::progress::Progress;
use super::{canary, export, protocol, settings_json, DoctorOptions, Probe, StageResult};
use crate::cause::{self, skip_text, Cause, Finding, Severity, Stage};
use crate::config::{Environment, Loaded, ProxySettings, Signal, SignalSettings};
use crate::facts::diagnosis::canary::Skip as CanarySkip;
use crate::facts::Skip;
use crate::report::{Check, Report, Status, Target, SCHEMA};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::sync::{oneshot, watch};

/// How long the protocol probe may wait for its answer before the export probe starts beside
/// it on a connection of its own. A healthy collector answers well within it (the export probe
/// then reuses the protocol probe's connection); a slow one costs its latency once, not twice.
const EXPORT_BESIDE_AFTER: Duration = Duration::from_millis(250);

/// What the probes decided for a canary started early: judge it with these traces findings,
/// or (`None`) drop it, the probes having timed out on its path.
type CanaryGo = Option<Option<Vec<Finding>>>;

/// What probing one target produced.
struct Outcome {
    signal: Signal,
    checks: Vec<Check>,
    findings: Vec<Finding>,
}

fn passed(check: &Check) -> bool {
    matches!(check.status, Status::Pass | Status::Warn)
}

/// Signals whose dns, tcp and tls results are necessarily the same.
fn path_key(s: &SignalSettings) -> Option<String> {
    let ep = s.endpoint.as_ref()?;
    let path = |p: &Option<crate::config::Sourced<std::path::PathBuf>>| {
        p.as_ref().map(|p| p.value.display().to_string())
    };
    Some(format!(
        "{}|{}|{}|{}|{:?}|{:?}|{:?}",
        ep.host,
        ep.port,
        ep.tls,
        s.protocol.value.is_http(),
        path(&s.certificate),
        path(&s.client_certificate),
        path(&s.client_key)
    ))
}

/// True when the configuration makes any exporter for `signal` impossible.
fn exporter_impossible(config_findings: &[Finding], signal: Signal) -> bool {
    config_findings.iter().any(|f| {
        f.severity == Severity::Error
            && f.signal.is_none_or(|s| s == signal)
            && matches!(
                f.cause,
                Cause::EndpointInvalid | Cause::ConfigInvalid | Cause::TlsFilesInvalid
            )
    })
}

/// The cause of a traces probe that waited out its whole timeout, if any: the path blocks
/// rather than refuses (a silent peer or proxy, a stalled handshake, a trickling body).
fn traces_timed_out(findings: &[Finding]) -> Option<Cause> {
    findings
        .iter()
        .filter(|f| f.signal == Some(Signal::Traces) && f.severity == Severity::Error)
        .find(|f| f.stalled || matches!(f.cause, Cause::TcpTimeout | Cause::ResponseTimeout))
        .map(|f| f.cause)
}

pub async fn run(loaded: &Loaded, env: &Environment, opts: &DoctorOptions) -> Report {
    let started = Instant::now();
    let progress = Progress::new(opts.progress, opts.timeout);
    let config = super::stages::config(loaded, env);
    let mut findings = config.findings.clone();

    let mut groups: Vec<(String, Vec<SignalSettings>)> = Vec::new();
    let mut outcomes: Vec<Outcome> = Vec::new();
    for s in &loaded.settings.signals {
        match path_key(s) {
            None => outcomes.push(Outcome {
                signal: s.signal,
                checks: [
                    Stage::Dns,
                    Stage::Tcp,
                    Stage::Tls,
                    Stage::Protocol,
                    Stage::Export,
                ]
                .into_iter()
                .map(|st| Check::new(st, Status::Skip, skip_text::reason(Skip::NoUsableEndpoint)))
                .collect(),
                findings: Vec::new(),
            }),
            Some(key) => match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, members)) => members.push(s.clone()),
                None => groups.push((key, vec![s.clone()])),
            },
        }
    }
    if loaded
        .settings
        .signals
        .iter()
        .any(|s| s.endpoint.as_ref().is_some_and(|e| e.tls))
    {
        // Reading the system's roots takes a while: do it while dns and tcp run.
        drop(tokio::task::spawn_blocking(crate::tlsconf::warm_roots));
    }
    // The canary: once, for traces. Whether it is wanted does not depend on the probes; it
    // starts as soon as the traces path is good up to TLS, beside the protocol and export
    // probes, and is judged (or dropped) once they end.
    let traces = loaded.settings.signal(Signal::Traces);
    let canary_off = if !opts.canary {
        Some(CanarySkip::Disabled)
    } else if traces.is_none_or(|t| t.endpoint.is_none())
        || exporter_impossible(&config.findings, Signal::Traces)
    {
        Some(CanarySkip::NoExporter)
    } else {
        None
    };
    let (path_tx, path_rx) = oneshot::channel::<bool>();
    let (go_tx, go_rx) = watch::channel::<CanaryGo>(None);
    let mut path_tx = Some(path_tx);
    let mut set = tokio::task::JoinSet::new();
    for (_, members) in groups {
        let ready = if members.iter().any(|m| m.signal == Signal::Traces) {
            path_tx.take()
        } else {
            None
        };
        set.spawn(probe_path(
            members,
            loaded.settings.proxy.clone(),
            opts.clone(),
            progress.clone(),
            config.findings.clone(),
            ready,
        ));
    }
    drop(path_tx);
    let canary_run = early_canary(
        loaded,
        opts,
        &progress,
        canary_off.is_none(),
        path_rx,
        go_rx,
    );
    tokio::pin!(canary_run);
    // Drives the canary while the probes run; it ends before them only when it was not sent.
    let mut canary_out = None;
    {
        let probes = async {
            while let Some(joined) = set.join_next().await {
                if let Ok(group) = joined {
                    outcomes.extend(group);
                }
            }
        };
        tokio::pin!(probes);
        loop {
            tokio::select! {
                () = &mut probes => break,
                c = &mut canary_run, if canary_out.is_none() => canary_out = Some(c),
            }
        }
    }

    let mut targets = Vec::new();
    for s in &loaded.settings.signals {
        let Some(pos) = outcomes.iter().position(|o| o.signal == s.signal) else {
            continue;
        };
        let o = outcomes.swap_remove(pos);
        findings.extend(o.findings);
        let mut checks = vec![config.check.clone()];
        checks.extend(o.checks);
        targets.push(Target {
            signal: s.signal,
            url: s
                .url
                .clone()
                .unwrap_or_else(|| s.endpoint_raw.value.clone()),
            protocol: s.protocol.value,
            checks,
        });
    }

    merge_confirmed(&mut findings);
    if let Some(side) = &opts.collector {
        crate::collector::crosscheck::compare(side, &loaded.settings, &mut findings);
    }
    // Each target's config check counts the config findings that concern it and are still
    // config findings (a suspicion confirmed on the wire now stands at its later stage).
    for t in &mut targets {
        let own: Vec<Finding> = findings
            .iter()
            .filter(|f| f.stage == Stage::Config && f.signal.is_none_or(|s| s == t.signal))
            .cloned()
            .collect();
        let (status, summary) = super::stages::config_summary(&own, t.signal.as_str());
        if let Some(c) = t.checks.iter_mut().find(|c| c.stage == Stage::Config) {
            c.status = status;
            c.summary = summary;
        }
    }

    if nothing_configured(loaded) {
        say_nothing_is_configured(&mut targets, &mut findings);
    }

    // The canary: judged with the traces findings, or dropped when the probes already waited
    // the whole timeout on its path (it could only fail the same way: a blocked path costs one
    // timeout). A name only `--dns-server` knows is no reason to skip: the canary is pinned to
    // the addresses that server gave (see `canary::pins`).
    let mut canary_report = None;
    let skip = canary_off
        .or_else(|| traces_timed_out(&findings).map(|c| CanarySkip::ProbesTimedOut(c.code())));
    let traces_findings: Vec<Finding> = findings
        .iter()
        .filter(|f| f.signal.is_none_or(|s| s == Signal::Traces))
        .cloned()
        .collect();
    let _ = go_tx.send(Some(skip.is_none().then_some(traces_findings)));
    let sent = match canary_out {
        Some(c) => c,
        None => canary_run.await,
    };
    let (canary_check, backend_check) = match (skip, sent) {
        (None, Some((c, canary))) => {
            let step = progress.start("traces   backend".to_string());
            let t0 = Instant::now();
            let mut canary = canary;
            let mut b = super::stages::backend(opts, &mut canary).await;
            step.finish();
            if b.check.duration_ms == 0 {
                b.check = b.check.took(t0.elapsed());
            }
            canary_report = Some(canary);
            (c, b)
        }
        (why, _) => {
            let why = why.unwrap_or(CanarySkip::Disabled);
            let skipped = cause::canary::finding(&canary::Diagnosis::Skipped(why), &[]);
            (
                StageResult::skip(Stage::Canary, skipped.summary),
                StageResult::skip(Stage::Backend, cause::backend::NO_CANARY_SENT),
            )
        }
    };
    for t in &mut targets {
        if t.signal == Signal::Traces {
            t.checks.push(canary_check.check.clone());
            t.checks.push(backend_check.check.clone());
        } else {
            t.checks.push(Check::new(
                Stage::Canary,
                Status::Skip,
                cause::canary::CANARY_TRACES_ONLY,
            ));
            t.checks.push(Check::new(
                Stage::Backend,
                Status::Skip,
                cause::canary::NO_CANARY_FOR_SIGNAL,
            ));
        }
    }
    findings.extend(canary_check.findings);
    findings.extend(backend_check.findings);
    file_canary_under_probe(&mut findings);

    // Errors first; within a severity, in stage order; otherwise as found.
    findings.sort_by_key(|f| (std::cmp::Reverse(f.severity), f.stage));
    Report {
        schema: SCHEMA,
        version: crate::VERSION,
        verdict: Report::verdict_of(&findings),
        duration_ms: started.elapsed().as_millis() as u64,
        settings: settings_json(loaded),
        targets,
        findings,
        canary: canary_report,
    }
}

/// Sends the canary and words what it saw: its check, its finding (`probe_findings`, the traces
/// findings of the stages before, explain a failed export) and the report's canary block.
pub async fn canary_stage(
    loaded: &Loaded,
    opts: &DoctorOptions,
    probe_findings: &[Finding],
) -> (StageResult, crate::report::Canary) {
    canary_then_judge(loaded, opts, std::future::ready(probe_findings.to_vec())).await
}

/// Like `canary_stage`, started before the probes end: the span goes out at once, and the
/// probes' findings are awaited only to word the outcome (a slow collector costs its latency
/// once). The stage's duration is the canary's own, not the wait for the probes.
async fn canary_then_judge(
    loaded: &Loaded,
    opts: &DoctorOptions,
    probe_findings: impl std::future::Future<Output = Vec<Finding>>,
) -> (StageResult, crate::report::Canary) {
    let ran = canary::run(loaded, opts).await;
    let probe_findings = probe_findings.await;
    let worded = cause::canary::finding(&ran.diagnosis, &probe_findings);
    let status = match (&ran.diagnosis, worded.finding.as_ref().map(|f| f.severity)) {
        (canary::Diagnosis::Skipped(_), _) => Status::Skip,
        (_, Some(Severity::Error)) => Status::Fail,
        (_, Some(Severity::Warning)) => Status::Warn,
        _ => Status::Pass,
    };
    let check = Check::new(Stage::Canary, status, worded.summary).evidence(ran.evidence);
    let mut result =
        StageResult::new(check.took(ran.took.max(std::time::Duration::from_millis(1))));
    result.findings.extend(worded.finding);
    let mut report = ran.canary;
    report.error = worded.error;
    (result, report)
}

/// Runs the export stage against `addr` on a connection of its own, and words it.
pub async fn export_stage(probe: &Probe<'_>, addr: SocketAddr) -> StageResult {
    export_result(probe, export::run(probe, addr).await)
}

/// Runs the export stage on `ready` (see `export::run_on`), and words it.
pub async fn export_stage_on(
    probe: &Probe<'_>,
    addr: SocketAddr,
    ready: Option<protocol::wire::Ready>,
) -> StageResult {
    export_result(probe, export::run_on(probe, addr, ready).await)
}

/// Runs the protocol stage against `addr` and words it.
pub async fn protocol_stage(probe: &Probe<'_>, addr: SocketAddr) -> StageResult {
    let t0 = Instant::now();
    let seen = protocol::run(probe, addr).await;
    let mut r = protocol_result(probe, &seen);
    r.check = r.check.took(t0.elapsed());
    r
}

/// The protocol stage's check and findings, worded from what it saw.
fn protocol_result(probe: &Probe<'_>, seen: &protocol::Seen) -> StageResult {
    let mut r = protocol_words(probe, &seen.diagnosis);
    let works = r.check.status == Status::Pass;
    r.findings
        .extend(cause::protocol::extra(seen, probe, works));
    r
}

/// A protocol diagnosis (of the protocol stage, or met by the export's exchange) as a result.
fn protocol_words(probe: &Probe<'_>, d: &protocol::Diagnosis) -> StageResult {
    let stage = cause::protocol::stage(d);
    match cause::protocol::finding(d, probe) {
        Ok((summary, evidence)) => {
            StageResult::new(Check::new(stage, Status::Pass, summary).evidence(evidence))
        }
        Err(f) => {
            // A finding's check: fail on an error, warn on a warning; its line and evidence.
            let status = match f.severity {
                Severity::Error => Status::Fail,
                Severity::Warning => Status::Warn,
                Severity::Info => Status::Pass,
            };
            let check = Check::new(stage, status, f.summary.clone()).evidence(f.evidence.clone());
            StageResult::new(check).with(f)
        }
    }
}

/// The export stage's check and finding, worded from its diagnosis, or from the protocol-level
/// failure its exchange met.
fn export_result(
    probe: &Probe<'_>,
    ran: Result<export::Diagnosis, protocol::Diagnosis>,
) -> StageResult {
    let d = match ran {
        Ok(d) => d,
        Err(failed) => return protocol_words(probe, &failed),
    };
    let worded = cause::export::finding(&d, probe);
    let status = match worded.finding.as_ref().map(|f| f.severity) {
        Some(Severity::Error) => Status::Fail,
        Some(Severity::Warning) => Status::Warn,
        _ => Status::Pass,
    };
    let evidence = match (&d, &worded.finding) {
        (export::Diagnosis::Accepted { evidence, .. }, _) => evidence.clone(),
        (_, Some(f)) => f.evidence.clone(),
        (_, None) => serde_json::Value::Null,
    };
    let took = match &d {
        export::Diagnosis::Accepted { took, .. } => *took,
        _ => std::time::Duration::ZERO,
    };
    let check = Check::new(Stage::Export, status, worded.summary).evidence(evidence);
    let mut result = StageResult::new(check.took(took));
    result.findings.extend(worded.finding);
    result
}

/// The canary, sent as soon as the traces path is good up to TLS (`path_ok`), else once the
/// probes decided it should go; judged with the findings the probes send on `go`, or dropped
/// (`None`) when they decide against it.
async fn early_canary(
    loaded: &Loaded,
    opts: &DoctorOptions,
    progress: &Progress,
    wanted: bool,
    path_ok: oneshot::Receiver<bool>,
    go: watch::Receiver<CanaryGo>,
) -> Option<(StageResult, crate::report::Canary)> {
    if !wanted {
        return None;
    }
    let mut decided = go.clone();
    if !matches!(path_ok.await, Ok(true)) {
        // The path failed before TLS: sent after the probes (a refusal is quick), if at all.
        let go_on = decided
            .wait_for(Option::is_some)
            .await
            .is_ok_and(|d| matches!(*d, Some(Some(_))));
        if !go_on {
            return None;
        }
    }
    let mut findings_rx = go;
    let findings = async move {
        match findings_rx.wait_for(Option::is_some).await {
            Ok(d) => d.clone().flatten().unwrap_or_default(),
            Err(_) => Vec::new(),
        }
    };
    let dropped = async move {
        // Dropped when the probes decide against it (or end without deciding).
        let _ = decided.wait_for(|d| matches!(d, Some(None))).await;
    };
    let step = progress.start_bounded(
        "traces   canary".to_string(),
        canary::flush_bound(&loaded.settings, opts),
    );
    let out = tokio::select! {
        r = canary_then_judge(loaded, opts, findings) => Some(r),
        () = dropped => None,
    };
    step.finish();
    out
}

/// No config file, and the traces endpoint and protocol both come from the defaults.
fn nothing_configured(loaded: &Loaded) -> bool {
    use crate::config::Source;
    loaded.path.is_none()
        && loaded.settings.signal(Signal::Traces).is_some_and(|t| {
            t.endpoint_raw.source == Source::Default && t.protocol.source == Source::Default
        })
}

/// Says first that the defaults are being checked, and how to configure an endpoint when
/// nothing listens there.
fn say_nothing_is_configured(targets: &mut [Target], findings: &mut [Finding]) {
    for t in targets.iter_mut().filter(|t| t.signal == Signal::Traces) {
        let line = cause::config::nothing_configured(&t.url, t.protocol);
        if let Some(c) = t
            .checks
            .iter_mut()
            .find(|c| c.stage == Stage::Config && c.status == Status::Pass)
        {
            c.summary = line;
            c.evidence = serde_json::json!({ "nothing_configured": true });
        }
    }
    for f in findings
        .iter_mut()
        .filter(|f| f.cause == Cause::TcpRefused && f.signal.is_none_or(|s| s == Signal::Traces))
    {
        f.fix = format!("{} {}", f.fix, cause::config::HOW_TO_CONFIGURE);
    }
}

/// A config-stage suspicion that a later stage saw on the wire (same cause, same signal) is one
/// finding: the later, evidence-backed one, which takes in what the config finding added.
fn merge_confirmed(findings: &mut Vec<Finding>) {
    let mut i = 0;
    while i < findings.len() {
        let earlier = &findings[i];
        let later = (earlier.stage == Stage::Config && earlier.signal.is_some())
            .then(|| {
                findings.iter().position(|f| {
                    f.stage > Stage::Config
                        && f.cause == earlier.cause
                        && f.signal == earlier.signal
                })
            })
            .flatten();
        match later {
            Some(j) => {
                let earlier = findings.remove(i);
                let j = if j > i { j - 1 } else { j };
                findings[j].absorb_config_finding(earlier);
            }
            None => i += 1,
        }
    }
}

/// One cause, one error: a canary failure that a probe finding already explains becomes
/// evidence (`evidence.canary`) under that finding instead of a second error.
fn file_canary_under_probe(findings: &mut Vec<Finding>) {
    let Some(i) = findings.iter().position(|f| {
        f.cause == Cause::CanaryExportFailed
            && f.evidence["matched_findings"]
                .as_array()
                .is_some_and(|m| !m.is_empty())
    }) else {
        return;
    };
    let first = findings[i].evidence["matched_findings"][0]
        .as_str()
        .and_then(Cause::from_code);
    let Some(j) = findings.iter().position(|f| {
        Some(f.cause) == first
            && f.stage < Stage::Canary
            && f.severity == Severity::Error
            && f.signal.is_none_or(|s| s == Signal::Traces)
    }) else {
        return;
    };
    let canary = findings.remove(i);
    let j = if j > i { j - 1 } else { j };
    let host = &mut findings[j];
    if !host.evidence.is_object() {
        host.evidence = serde_json::json!({ "probe": host.evidence.take() });
    }
    host.evidence["canary"] = cause::canary::canary_as_evidence(&canary);
}

/// Findings of a shared stage, once per signal of the path (each keeps its own signal).
fn per_signal(findings: &[Finding], members: &[SignalSettings]) -> Vec<Vec<Finding>> {
    members
        .iter()
        .map(|m| {
            findings
                .iter()
                .cloned()
                .map(|mut f| {
                    f.signal = Some(m.signal);
                    f
                })
                .collect()
        })
        .collect()
}

/// Probes one network path for all its signals.
async fn probe_path(
    members: Vec<SignalSettings>,
    proxy: ProxySettings,
    opts: DoctorOptions,
    progress: Progress,
    config_findings: Vec<Finding>,
    path_ready: Option<oneshot::Sender<bool>>,
) -> Vec<Outcome> {
    let first = &members[0];
    let endpoint = first
        .endpoint
        .clone()
        .expect("grouped signals have an endpoint");
    let probe = Probe::new(first, &endpoint, &proxy, &opts);
    let names: Vec<&str> = members.iter().map(|m| m.signal.as_str()).collect();
    let label = |stage: Stage| {
        format!(
            "{:<8} {:<8} {}:{}",
            names.join(","),
            stage.as_str(),
            endpoint.host,
            endpoint.port
        )
    };
    let mut shared: Vec<StageResult> = Vec::new();

    let step = progress.start(label(Stage::Dns));
    let (dns, ips) = super::stages::dns(&probe).await;
    step.finish();
    let dns_ok = passed(&dns.check);
    shared.push(dns);

    let mut addr: Option<SocketAddr> = None;
    if dns_ok {
        let step = progress.start(label(Stage::Tcp));
        let (tcp, chosen) = super::stages::tcp(&probe, &ips).await;
        step.finish();
        addr = chosen;
        shared.push(tcp);
    } else {
        shared.push(StageResult::skipped(Stage::Tcp, Skip::NoAddress));
    }

    let mut path_ok = addr.is_some();
    if !endpoint.tls {
        shared.push(StageResult::skipped(Stage::Tls, Skip::PlaintextEndpoint));
    } else if !path_ok {
        shared.push(StageResult::skipped(Stage::Tls, Skip::TcpFailed));
    } else if members
        .iter()
        .any(|m| exporter_impossible(&config_findings, m.signal))
    {
        path_ok = false;
        shared.push(StageResult::skipped(Stage::Tls, Skip::TlsSettingsUnusable));
    } else if let Some(a) = addr {
        let step = progress.start(label(Stage::Tls));
        let tls = super::stages::tls(&probe, a).await;
        step.finish();
        path_ok = passed(&tls.check);
        shared.push(tls);
    }

    if let Some(tx) = path_ready {
        // The canary may go now, beside the protocol and export probes.
        let _ = tx.send(path_ok);
    }

    let shared_findings: Vec<Finding> = shared.iter().flat_map(|r| r.findings.clone()).collect();
    let mut per = per_signal(&shared_findings, &members).into_iter();
    let shared_checks: Vec<Check> = shared.into_iter().map(|r| r.check).collect();

    let mut set = tokio::task::JoinSet::new();
    for (i, m) in members.iter().enumerate() {
        let (m, endpoint, proxy, opts, progress) = (
            m.clone(),
            endpoint.clone(),
            proxy.clone(),
            opts.clone(),
            progress.clone(),
        );
        let gate = match addr {
            Some(a) if path_ok => Ok(a),
            _ if addr.is_none() => Err(Skip::NoConnection),
            _ => Err(Skip::TlsFailed),
        };
        set.spawn(async move {
            let probe = Probe::new(&m, &endpoint, &proxy, &opts);
            let label = |stage: Stage| {
                format!(
                    "{:<8} {:<8} {}:{}",
                    m.signal.as_str(),
                    stage.as_str(),
                    endpoint.host,
                    endpoint.port
                )
            };
            let addr = match gate {
                Ok(a) => a,
                Err(why) => {
                    return (
                        i,
                        vec![
                            StageResult::skipped(Stage::Protocol, why),
                            StageResult::skipped(Stage::Export, why),
                        ],
                    )
                }
            };
            let (waited, exporter) = (probe.bounds().answer, m.timeout.value);
            let note = cause::wait_text::bound_note(waited, exporter);
            let step = progress.start_answer(label(Stage::Protocol), waited, &note);
            // The export probe goes over the protocol probe's connection when it is still open:
            // one connection (and, without TCP_NODELAY at the peer, one Nagle stall) fewer.
            // (`run_keep` times its own check.) When the protocol probe's answer is slow, the
            // export probe starts beside it on its own connection instead.
            let t0 = Instant::now();
            let proto_run = async {
                let (seen, ready) = protocol::run_keep(&probe, addr).await;
                let mut proto = protocol_result(&probe, &seen);
                proto.check = proto.check.took(t0.elapsed());
                (proto, ready)
            };
            tokio::pin!(proto_run);
            let mut beside = None;
            let (proto, ready) = tokio::select! {
                r = &mut proto_run => r,
                () = tokio::time::sleep(EXPORT_BESIDE_AFTER) => {
                    let export_step = progress.start_answer(label(Stage::Export), waited, &note);
                    let export_run = timed(export_stage_on(&probe, addr, None));
                    tokio::pin!(export_run);
                    let mut export_done = None;
                    let r = loop {
                        tokio::select! {
                            r = &mut proto_run => break r,
                            e = &mut export_run, if export_done.is_none() => {
                                export_done = Some(e);
                            }
                        }
                    };
                    // Only a passed protocol probe makes the export probe's answer count.
                    if passed(&r.0.check) {
                        beside = Some(match export_done {
                            Some(e) => e,
                            None => export_run.await,
                        });
                    }
                    export_step.finish();
                    r
                }
            };
            step.finish();
            let export = if let Some(e) = beside {
                e
            } else if passed(&proto.check) {
                let step = progress.start_answer(label(Stage::Export), waited, &note);
                let r = timed(export_stage_on(&probe, addr, ready)).await;
                step.finish();
                r
            } else if proto.check.status == Status::Skip {
                StageResult::skipped(Stage::Export, Skip::ProtocolNotChecked)
            } else {
                StageResult::skipped(Stage::Export, Skip::ProtocolFailed)
            };
            (i, vec![proto, export])
        });
    }
    let mut later: Vec<Option<Vec<StageResult>>> = vec![None; members.len()];
    while let Some(joined) = set.join_next().await {
        if let Ok((i, r)) = joined {
            later[i] = Some(r);
        }
    }

    members
        .iter()
        .zip(later)
        .map(|(m, own)| {
            let mut checks = shared_checks.clone();
            let mut findings = per.next().unwrap_or_default();
            for r in own.unwrap_or_default() {
                checks.push(r.check);
                findings.extend(r.findings);
            }
            Outcome {
                signal: m.signal,
                checks,
                findings,
            }
        })
        .collect()
}

/// Runs a stage and fills in its duration when the stage did not.
async fn timed(f: impl std::future::Future<Output = StageResult>) -> StageResult {
    let t0 = Instant::now();
    let mut r = f.await;
    if r.check.duration_ms == 0 && r.check.status != Status::Skip {
        r.check = r.check.took(t0.elapsed());
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(cause: Cause, stage: Stage, signal: Option<Signal>, text: &str) -> Finding {
        let mut f = Finding::new(cause, Severity::Error, signal).at_stage(stage);
        f.explanation = text.to_string();
        f
    }

    #[test]
    fn a_config_suspicion_confirmed_later_is_one_finding() {
        let traces = Some(Signal::Traces);
        let mut all = vec![
            f(
                Cause::SignalPathDuplicated,
                Stage::Config,
                traces,
                "From the settings.",
            ),
            f(
                Cause::SignalPathDuplicated,
                Stage::Config,
                Some(Signal::Logs),
                "Logs.",
            ),
            f(Cause::ServiceNameMissing, Stage::Config, None, "Global."),
            f(
                Cause::SignalPathDuplicated,
                Stage::Export,
                traces,
                "On the wire.",
            ),
        ];
        merge_confirmed(&mut all);
        let kept: Vec<(Stage, Option<Signal>)> = all.iter().map(|f| (f.stage, f.signal)).collect();
        assert_eq!(
            kept,
            vec![
                (Stage::Config, Some(Signal::Logs)),
                (Stage::Config, None),
                (Stage::Export, traces),
            ]
        );
        assert_eq!(all[2].explanation, "On the wire.");
        assert_eq!(
            all[2].evidence["config"]["explanation"],
            serde_json::json!("From the settings.")
        );
        assert_eq!(all[2].evidence["config"]["evidence"], serde_json::json!({}));
    }

    #[test]
    fn a_canary_failure_a_probe_explains_is_evidence_not_a_second_error() {
        let traces = Some(Signal::Traces);
        let mut canary = f(
            Cause::CanaryExportFailed,
            Stage::Canary,
            traces,
            "Exporter.",
        );
        canary.evidence = serde_json::json!({ "matched_findings": ["tcp_refused"] });
        let mut all = vec![f(Cause::TcpRefused, Stage::Tcp, traces, "Refused."), canary];
        file_canary_under_probe(&mut all);
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].cause, Cause::TcpRefused);
        assert_eq!(
            all[0].evidence["canary"]["explanation"],
            serde_json::json!("Exporter.")
        );

        // Nothing explains it: it stays an error of its own.
        let mut alone = f(Cause::CanaryExportFailed, Stage::Canary, traces, "x");
        alone.evidence = serde_json::json!({ "matched_findings": [] });
        let mut all = vec![alone];
        file_canary_under_probe(&mut all);
        assert_eq!(all.len(), 1);
    }

    #[tokio::test]
    async fn with_nothing_configured_the_doctor_says_so_first() {
        let env = Environment::from_pairs(Vec::<(String, String)>::new());
        let overrides = crate::config::Overrides::default();
        let loaded = crate::config::load(&overrides, &env).expect("defaults load");
        let opts = DoctorOptions {
            timeout: std::time::Duration::from_millis(300),
            canary: false,
            ..DoctorOptions::default()
        };
        let report = run(&loaded, &env, &opts).await;
        let text = crate::report::text::render(&report, false, false);
        assert!(
            text.starts_with(
                "nothing is configured: checking the default http://localhost:4318/v1/traces (OTLP/HTTP)\n"
            ),
            "{text}"
        );
        // When nothing listens there (the usual case on a fresh machine), the fix says how to
        // configure an endpoint.
        for f in report
            .findings
            .iter()
            .filter(|f| f.cause == Cause::TcpRefused)
        {
            assert!(f.fix.contains("OTEL_EXPORTER_OTLP_ENDPOINT="), "{}", f.fix);
        }
        // A configured endpoint is not "nothing".
        let env = Environment::from_pairs([("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")]);
        let loaded = crate::config::load(&overrides, &env).expect("loads");
        assert!(!nothing_configured(&loaded));
    }
}
