//! Wording of the dns stage: one match over what it saw (`facts::diagnosis::Dns`).

use super::{Cause, Finding, Severity};
use crate::config::Signal;
use crate::facts::diagnosis::dns::{Diagnosis, DnsFailureKind, NoServer};
use crate::facts::Target;
use serde_json::Value;

/// The stage's summary when it passed.
pub fn summary(d: &Diagnosis, _t: &Target<'_>) -> String {
    match d {
        Diagnosis::Literal { ip } => format!("literal address {ip}"),
        Diagnosis::Resolved {
            host,
            addrs,
            source,
        } => {
            let list: Vec<String> = addrs.iter().map(ToString::to_string).collect();
            format!("{host} -> {} ({source})", list.join(", "))
        }
        _ => String::new(),
    }
}

/// The stage's finding: why the endpoint's host gave no address, or nothing.
pub fn finding(d: &Diagnosis, t: &Target<'_>) -> Option<Finding> {
    let signal = t.settings.signal;
    let none = Value::Null;
    Some(match d {
        Diagnosis::Literal { .. } | Diagnosis::Resolved { .. } => return None,
        Diagnosis::ClusterLocal { host, port, nodata } => {
            cluster_local_name(signal, host, *port, *nodata, none)
        }
        Diagnosis::Failed { host, source, kind } => dns_failure(signal, host, source, kind, none),
        Diagnosis::NoAddress { host, source } => dns_no_address(signal, host, source, none),
        Diagnosis::NxDomain { host, source } => dns_nxdomain(signal, host, source, none),
    })
}

fn finding_for(cause: Cause, severity: Severity, signal: Signal, evidence: Value) -> Finding {
    Finding::new(cause, severity, Some(signal)).evidence(evidence)
}

fn dns_nxdomain(signal: Signal, host: &str, server: &str, evidence: Value) -> Finding {
    finding_for(Cause::DnsNxdomain, Severity::Error, signal, evidence).text(
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

fn dns_no_address(signal: Signal, host: &str, server: &str, evidence: Value) -> Finding {
    finding_for(Cause::DnsNoAddress, Severity::Error, signal, evidence).text(
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

fn dns_failure(
    signal: Signal,
    host: &str,
    server: &str,
    kind: &DnsFailureKind,
    evidence: Value,
) -> Finding {
    let what = match kind {
        DnsFailureKind::Timeout => format!("{server} did not answer in time"),
        DnsFailureKind::ResponseCode(code) => format!("{server} answered {code}"),
        DnsFailureKind::NoServer(why) => format!(
            "no name server could be asked ({})",
            match why {
                NoServer::InvalidName => format!("`{host}` is not a valid host name"),
                NoServer::SystemConfig(e) => {
                    format!("cannot read the system resolver configuration: {e}")
                }
                NoServer::Resolver(e) => e.clone(),
            }
        ),
        DnsFailureKind::Truncated => format!(
            "{server} answered with the TC (truncated) flag over UDP, and the query repeated \
             over TCP was truncated too"
        ),
    };
    finding_for(Cause::DnsFailure, Severity::Error, signal, evidence).text(
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
fn cluster_local_name(
    signal: Signal,
    host: &str,
    port: u16,
    nodata: bool,
    evidence: Value,
) -> Finding {
    let outcome = if nodata {
        "has no address"
    } else {
        "does not exist"
    };
    let service = host.split('.').next().unwrap_or(host);
    finding_for(Cause::ClusterLocalName, Severity::Error, signal, evidence).text(
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
