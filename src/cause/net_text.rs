//! Wording of network findings (dns, tcp, tls), built from typed facts the stages observed.

use super::{Cause, Finding, Severity};
use crate::config::{Signal, Source};
use serde_json::Value;

/// The setting a user edits to change a value with this source, for fix sentences.
pub fn setting_name(source: &Source, fallback: &str) -> String {
    match source {
        Source::Flag(flag) => format!("the `{flag}` flag"),
        Source::Config(key) => format!("`{key}` in the config file"),
        Source::Env(var) => format!("`{var}`"),
        Source::Default => format!("`{fallback}` (not set: the default applies)"),
    }
}

fn finding(cause: Cause, severity: Severity, signal: Signal, evidence: Value) -> Finding {
    Finding::new(cause, severity, Some(signal)).evidence(evidence)
}

// ---- dns -------------------------------------------------------------------------------------

/// Why a lookup failed, typed from the resolver's error kind and response code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DnsFailureKind {
    Timeout,
    /// The server answered with this error response code (SERVFAIL, REFUSED, ...).
    ResponseCode(String),
    /// No name server could be asked (no configuration, socket error, ...).
    NoServer(String),
    /// The answer had the TC (truncated) flag over UDP, and again over TCP (the retry that
    /// truncation calls for was made).
    Truncated,
}

pub fn dns_nxdomain(signal: Signal, host: &str, server: &str, evidence: Value) -> Finding {
    finding(Cause::DnsNxdomain, Severity::Error, signal, evidence).text(
        format!("The name `{host}` does not exist (NXDOMAIN)."),
        format!(
            "{server} answered NXDOMAIN for both A and AAAA queries of `{host}`: no address, so \
             the exporter never opens a connection."
        ),
        format!(
            "Check the spelling of `{host}` in the endpoint, or use a name or address this \
             machine can resolve (try `getent hosts {host}`)."
        ),
    )
}

pub fn dns_no_address(signal: Signal, host: &str, server: &str, evidence: Value) -> Finding {
    finding(Cause::DnsNoAddress, Severity::Error, signal, evidence).text(
        format!("The name `{host}` exists but has no A or AAAA record."),
        format!(
            "{server} knows `{host}` but returned no IPv4 or IPv6 address for it (NODATA), so \
             there is nothing to connect to."
        ),
        format!(
            "Add an A or AAAA record for `{host}`, or point the endpoint at a name that has one."
        ),
    )
}

pub fn dns_failure(
    signal: Signal,
    host: &str,
    server: &str,
    kind: &DnsFailureKind,
    evidence: Value,
) -> Finding {
    let what = match kind {
        DnsFailureKind::Timeout => format!("{server} did not answer in time"),
        DnsFailureKind::ResponseCode(code) => format!("{server} answered {code}"),
        DnsFailureKind::NoServer(why) => format!("no name server could be asked ({why})"),
        DnsFailureKind::Truncated => format!(
            "{server} answered with the TC (truncated) flag over UDP, and the query repeated \
             over TCP was truncated too"
        ),
    };
    finding(Cause::DnsFailure, Severity::Error, signal, evidence).text(
        format!("Looking up `{host}` failed: {what}."),
        format!(
            "The lookup of `{host}` failed without a definite answer: {what}. The exporter's own \
             lookup will fail the same way."
        ),
        "Check the resolver configuration (/etc/resolv.conf) and that the name server is \
         reachable; compare with another server using `--dns-server <host:port>`."
            .to_string(),
    )
}

/// A Kubernetes service name (or single label) that does not resolve here.
pub fn cluster_local_name(
    signal: Signal,
    host: &str,
    port: u16,
    outcome: &str,
    evidence: Value,
) -> Finding {
    let service = host.split('.').next().unwrap_or(host);
    finding(Cause::ClusterLocalName, Severity::Error, signal, evidence).text(
        format!("`{host}` looks like a Kubernetes service name, and it {outcome} here."),
        format!(
            "Names such as `{host}` (a single label, or ending in `.svc`, `.svc.cluster.local` \
             or `.cluster.local`) are resolved by the cluster's DNS, inside a pod. This machine \
             is not using the cluster's resolver, so the name {outcome}."
        ),
        format!(
            "Run the runner inside the cluster, or forward the port and use a local address \
             (`kubectl port-forward svc/{service} {port}:{port}`, then endpoint \
             `localhost:{port}`), or use a name that resolves outside the cluster (an ingress \
             or load balancer)."
        ),
    )
}

/// Folds a config-stage finding into the later finding (same cause and signal) that a probe
/// confirmed on the wire: the later one's text stays (it rests on evidence and already says
/// what the settings did), and what the config finding said is kept in the evidence under
/// `config`, so nothing is lost and nothing is said twice.
pub fn absorb_config_finding(later: &mut Finding, earlier: Finding) {
    if let Some(o) = later.evidence.as_object_mut() {
        o.insert(
            "config".to_string(),
            serde_json::json!({
                "summary": earlier.summary,
                "explanation": earlier.explanation,
                "fix": earlier.fix,
                "evidence": earlier.evidence,
            }),
        );
    }
}
