//! `runner doctor otel`: walks every configured signal's path stage by stage.
//!
//! One module per stage; each returns a typed `StageResult`. Orchestration lives here.

pub mod backend;
pub mod canary;
pub mod config;
pub mod dns;
pub mod export;
pub mod net;
mod orchestrate;
pub use orchestrate::{canary_stage, export_stage, export_stage_on, protocol_stage};
pub mod progress;
pub mod protocol;
pub mod proxy;
pub mod tcp;
pub mod tls;

use crate::cause::{Finding, Stage};
use crate::config::{Endpoint, Environment, Loaded, ProxySettings, SignalSettings};
use crate::facts::{Skip, Target};
use crate::report::{Check, Report, Status};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// `--timeout` when not given: the bound of each connection step.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(3);

/// How the doctor runs (not what it checks: that is `Settings`).
#[derive(Clone, Debug)]
pub struct DoctorOptions {
    /// Bound of each connection step (DNS, TCP, TLS, proxy): `--timeout`, default 3 s.
    pub timeout: Duration,
    /// `--timeout` was given explicitly: it then bounds the waits for an answer too, which
    /// otherwise last the exporter's own timeout (`docs/settings.md`).
    pub timeout_given: bool,
    /// Ask this name server instead of the system's.
    pub dns_server: Option<SocketAddr>,
    pub canary: bool,
    pub verbose: bool,
    /// Show spinners (only on a terminal, never with JSON output).
    pub progress: bool,
    pub backend: Option<BackendOptions>,
    /// `--collector-config`: the collector's receivers, compared with the settings.
    pub collector: Option<std::sync::Arc<crate::collector::crosscheck::CollectorSide>>,
}

impl DoctorOptions {
    /// How long to wait for an answer the exporter would wait `exporter` for: as long, unless
    /// `--timeout` was given and is shorter (a slow collector is not called dead by default).
    pub fn answer_bound(&self, exporter: Duration) -> Duration {
        if self.timeout_given {
            exporter.min(self.timeout)
        } else {
            exporter
        }
    }
}

impl Default for DoctorOptions {
    fn default() -> Self {
        DoctorOptions {
            timeout: STEP_TIMEOUT,
            timeout_given: false,
            dns_server: None,
            canary: true,
            verbose: false,
            progress: false,
            backend: None,
            collector: None,
        }
    }
}

/// Proof of arrival: poll a backend's trace-by-id API for the canary.
#[derive(Clone, Debug)]
pub struct BackendOptions {
    pub kind: BackendKind,
    pub url: String,
}

pub use crate::facts::diagnosis::backend::BackendKind;

/// What a stage saw (its typed diagnosis), with the evidence and duration of its check: the
/// orchestrator words it (`cause::<stage>`).
#[derive(Debug)]
pub struct Seen<D> {
    pub diagnosis: D,
    pub evidence: serde_json::Value,
    pub took: std::time::Duration,
}

impl<D> Seen<D> {
    /// A diagnosis made since `started`.
    pub fn new(diagnosis: D, evidence: serde_json::Value, started: std::time::Instant) -> Seen<D> {
        Seen {
            diagnosis,
            evidence,
            took: started.elapsed(),
        }
    }
}

/// What one stage produced for one target.
#[derive(Clone, Debug)]
pub struct StageResult {
    pub check: Check,
    pub findings: Vec<Finding>,
}

impl StageResult {
    pub fn new(check: Check) -> StageResult {
        StageResult {
            check,
            findings: Vec::new(),
        }
    }

    pub fn with(mut self, finding: Finding) -> StageResult {
        self.findings.push(finding);
        self
    }

    /// A stage's result from its findings: the worst one sets the status and the line, a clean
    /// stage shows `pass_summary`; evidence falls back to the first finding's.
    pub(crate) fn from_findings(
        stage: Stage,
        findings: Vec<Finding>,
        pass_summary: String,
        evidence: serde_json::Value,
    ) -> StageResult {
        let worst = findings.iter().map(|f| f.severity).max();
        let status = match worst {
            Some(crate::cause::Severity::Error) => Status::Fail,
            Some(crate::cause::Severity::Warning) => Status::Warn,
            _ => Status::Pass,
        };
        let summary = match findings.iter().find(|f| Some(f.severity) == worst) {
            Some(f) if status != Status::Pass => f.summary.clone(),
            _ => pass_summary,
        };
        let evidence = match (&evidence, findings.first()) {
            (serde_json::Value::Null, Some(f)) => f.evidence.clone(),
            _ => evidence,
        };
        let mut result = StageResult::new(Check::new(stage, status, summary).evidence(evidence));
        result.findings = findings;
        result
    }

    pub fn skip(stage: Stage, reason: impl Into<String>) -> StageResult {
        StageResult::new(Check::new(stage, Status::Skip, reason))
    }

    /// A skipped stage, with the reason worded by `cause::skip_text`.
    pub fn skipped(stage: Stage, why: Skip) -> StageResult {
        StageResult::skip(stage, crate::cause::skip_text::reason(why))
    }
}

/// Everything a network stage needs to know: its target (what wording may name) and how the
/// doctor runs. Derefs to the target, so `probe.settings` reads as before and a `&Probe` is
/// accepted wherever wording takes a `&Target`.
#[derive(Clone, Copy, Debug)]
pub struct Probe<'a> {
    pub target: Target<'a>,
    pub opts: &'a DoctorOptions,
}

impl<'a> Probe<'a> {
    pub fn new(
        settings: &'a SignalSettings,
        endpoint: &'a Endpoint,
        proxy: &'a ProxySettings,
        opts: &'a DoctorOptions,
    ) -> Probe<'a> {
        Probe {
            target: Target {
                settings,
                endpoint,
                proxy,
            },
            opts,
        }
    }

    /// The exchange bounds of the stages that ask for an answer: connection-level steps keep
    /// `--timeout`; the answer gets as long as the runner's exporter would give it, unless a
    /// `--timeout` given explicitly is shorter.
    pub fn bounds(&self) -> protocol::wire::Bounds {
        protocol::wire::Bounds {
            step: self.opts.timeout,
            answer: self.opts.answer_bound(self.settings.timeout.value),
        }
    }

    /// Bounds for a side probe (trying a fix): every step within `--timeout`.
    pub fn step_bounds(&self) -> protocol::wire::Bounds {
        protocol::wire::Bounds {
            step: self.opts.timeout,
            answer: self.opts.timeout,
        }
    }
}

impl<'a> std::ops::Deref for Probe<'a> {
    type Target = Target<'a>;
    fn deref(&self) -> &Target<'a> {
        &self.target
    }
}

/// Runs the whole diagnosis and returns the report. Never fails: problems are findings.
pub async fn run(loaded: &Loaded, env: &Environment, opts: &DoctorOptions) -> Report {
    let mut report = orchestrate::run(loaded, env, opts).await;
    // Whatever a peer sent, the report has an upper size.
    crate::report::bound::bound(&mut report);
    report
}

/// The network stages, worded: each runs its stage module (which observes and returns a typed
/// diagnosis) and words what it saw with `cause::<stage>` (one match per stage).
pub mod stages {
    use super::{backend, config, dns, tcp, tls, DoctorOptions, Probe, Seen, StageResult};
    use crate::cause::{self, Finding, Severity, Stage};
    use crate::config::{Environment, Loaded};
    use crate::facts::diagnosis::Backend;
    use crate::report::{Canary, Check, Status};
    use std::net::{IpAddr, SocketAddr};

    /// A stage's check and findings from its wording: failed on an error, warned on a warning,
    /// passed otherwise; a finding without evidence of its own carries the stage's.
    fn worded<D>(
        stage: Stage,
        seen: Seen<D>,
        findings: Vec<Finding>,
        pass_summary: String,
    ) -> StageResult {
        let findings = findings
            .into_iter()
            .map(|f| match f.evidence.is_null() {
                true => f.evidence(seen.evidence.clone()),
                false => f,
            })
            .collect();
        let mut r = StageResult::from_findings(stage, findings, pass_summary, seen.evidence);
        r.check = r.check.took(seen.took);
        r
    }

    /// The config stage: the `config` check (shared by every target) and its findings.
    pub fn config(loaded: &Loaded, env: &Environment) -> StageResult {
        let seen = config::run(loaded, env);
        let findings = cause::config::findings(&seen.diagnosis);
        let signals: Vec<&str> = loaded
            .settings
            .signals
            .iter()
            .map(|s| s.signal.as_str())
            .collect();
        let (status, summary) = config_summary(&findings, &signals.join(", "));
        let check = Check::new(Stage::Config, status, summary)
            .evidence(seen.evidence)
            .took(seen.took);
        let mut r = StageResult::new(check);
        r.findings = findings;
        r
    }

    /// The config check's status and line for these config findings; `signals` names what the
    /// settings were resolved for (shown when there is nothing to report).
    pub fn config_summary(findings: &[Finding], signals: &str) -> (Status, String) {
        let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
        let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
        let status = match (errors, warnings) {
            (0, 0) => Status::Pass,
            (0, _) => Status::Warn,
            _ => Status::Fail,
        };
        (status, cause::config::summary(errors, warnings, signals))
    }

    /// The backend stage: did the canary arrive (updates `canary.arrived`).
    pub async fn backend(opts: &DoctorOptions, canary: &mut Canary) -> StageResult {
        let seen = backend::run(opts, canary).await;
        let d = &seen.diagnosis;
        let status = match d {
            Backend::Skipped(_) => Status::Skip,
            Backend::Found { .. } => Status::Pass,
            Backend::Unqueryable { .. } => Status::Warn,
            Backend::NotFound { .. } => Status::Fail,
        };
        let mut check = Check::new(Stage::Backend, status, cause::backend::summary(d));
        if status != Status::Skip {
            check = check.evidence(seen.evidence.clone()).took(seen.took);
        }
        let mut r = StageResult::new(check);
        r.findings.extend(cause::backend::finding(d));
        r
    }

    /// The dns stage; also the addresses found (possibly none).
    pub async fn dns(probe: &Probe<'_>) -> (StageResult, Vec<IpAddr>) {
        let (seen, ips) = dns::run(probe).await;
        let d = &seen.diagnosis;
        let findings = cause::dns::finding(d, probe).into_iter().collect();
        let summary = cause::dns::summary(d, probe);
        (worded(Stage::Dns, seen, findings, summary), ips)
    }

    /// The tcp stage; also the address later stages use.
    pub async fn tcp(probe: &Probe<'_>, ips: &[IpAddr]) -> (StageResult, Option<SocketAddr>) {
        let (seen, chosen) = tcp::run(probe, ips).await;
        let d = &seen.diagnosis;
        let findings = cause::tcp::finding(d, probe).into_iter().collect();
        let summary = cause::tcp::summary(d, probe);
        (worded(Stage::Tcp, seen, findings, summary), chosen)
    }

    /// The tls stage against `addr` (or through the exporter's proxy).
    pub async fn tls(probe: &Probe<'_>, addr: SocketAddr) -> StageResult {
        let seen = tls::run(probe, addr).await;
        let d = &seen.diagnosis;
        let summary = cause::tls::summary(d, probe);
        if cause::tls::skipped(d) {
            let mut r = StageResult::skip(Stage::Tls, summary);
            r.check = r.check.took(seen.took);
            return r;
        }
        let findings = cause::tls::finding(d, probe).into_iter().collect();
        worded(Stage::Tls, seen, findings, summary)
    }
}

/// Milliseconds with two decimals, for timing evidence.
pub fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 100_000.0).round() / 100.0
}

/// The endpoint URL with another scheme and/or host (an address literal), for fix sentences.
pub fn suggest_url(endpoint: &Endpoint, scheme: Option<&str>, ip: Option<&IpAddr>) -> String {
    let scheme = scheme.unwrap_or(&endpoint.scheme);
    let host = match ip {
        Some(IpAddr::V6(v6)) => format!("[{v6}]"),
        Some(v4) => v4.to_string(),
        None if endpoint.host.contains(':') && !endpoint.host.starts_with('[') => {
            format!("[{}]", endpoint.host)
        }
        None => endpoint.host.clone(),
    };
    let path = if endpoint.path == "/" {
        ""
    } else {
        &endpoint.path
    };
    if scheme.is_empty() {
        format!("{host}:{}{path}", endpoint.port)
    } else {
        format!("{scheme}://{host}:{}{path}", endpoint.port)
    }
}

/// The effective settings with their sources, as the report's `settings` object.
pub fn settings_json(loaded: &Loaded) -> serde_json::Value {
    crate::config::report_json(loaded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(scheme: &str, host: &str, path: &str) -> Endpoint {
        Endpoint {
            display: String::new(),
            scheme: scheme.into(),
            host: host.into(),
            port: 4318,
            path: path.into(),
            tls: false,
            password: None,
            real: Default::default(),
        }
    }

    #[test]
    fn suggested_urls() {
        let ep = endpoint("https", "localhost", "/v1/traces");
        assert_eq!(
            suggest_url(&ep, Some("http"), None),
            "http://localhost:4318/v1/traces"
        );
        let v6: IpAddr = "::1".parse().unwrap();
        assert_eq!(
            suggest_url(&endpoint("http", "localhost", "/"), None, Some(&v6)),
            "http://[::1]:4318"
        );
        assert_eq!(
            suggest_url(&endpoint("", "::1", "/"), None, None),
            "[::1]:4318"
        );
    }
}
