//! Wording of network findings (dns, tcp, tls), built from typed facts the stages observed.

use super::{Cause, Finding, Severity, Stage};
use crate::config::{Signal, Source};
use serde_json::Value;
use std::net::SocketAddr;
use std::time::Duration;

/// The setting a user edits to change a value with this source, for fix sentences.
pub fn setting_name(source: &Source, fallback: &str) -> String {
    match source {
        Source::Flag(flag) => format!("the `{flag}` flag"),
        Source::Config(key) => format!("`{key}` in the config file"),
        Source::Env(var) => format!("`{var}`"),
        Source::Default => format!("`{fallback}` (not set: the default applies)"),
    }
}

fn list(addrs: &[SocketAddr]) -> String {
    addrs
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
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

// ---- tcp -------------------------------------------------------------------------------------

pub fn tcp_refused(signal: Signal, addrs: &[SocketAddr], evidence: Value) -> Finding {
    let port = addrs.first().map(|a| a.port()).unwrap_or(0);
    finding(Cause::TcpRefused, Severity::Error, signal, evidence).text(
        format!("Connection refused by {}.", list(addrs)),
        format!(
            "The host answered the TCP SYN with a reset: it is reachable, but nothing listens on \
             port {port} at that address. Often the collector is not running, listens on another \
             port, or binds only `localhost` (the collector's default since v0.104) while being \
             reached from another container or pod."
        ),
        format!(
            "Start the collector, or check its receiver's `endpoint` (e.g. `0.0.0.0:{port}`) and \
             the port in the exporter's endpoint."
        ),
    )
}

pub fn tcp_timeout(
    signal: Signal,
    addrs: &[SocketAddr],
    timeout: Duration,
    evidence: Value,
) -> Finding {
    finding(Cause::TcpTimeout, Severity::Error, signal, evidence).text(
        format!(
            "No answer to the TCP connection from {} within {}.",
            list(addrs),
            humantime::format_duration(timeout)
        ),
        "The SYN got neither a SYN-ACK nor a reset: a firewall or security group drops the \
         packets, or the address is not the collector's."
            .to_string(),
        "Check firewalls and security groups between this machine and the collector, and that \
         the address is right; raise `--timeout` only if the path is known to be slow."
            .to_string(),
    )
}

pub fn tcp_unreachable(signal: Signal, addrs: &[SocketAddr], evidence: Value) -> Finding {
    finding(Cause::TcpUnreachable, Severity::Error, signal, evidence).text(
        format!("{} cannot be reached from this machine.", list(addrs)),
        "The operating system reported no route to the host or network (or no address of that \
         family on this machine), so no packet left for it."
            .to_string(),
        "Check the routes and the network this machine is attached to, or use an address of a \
         family this machine has (IPv4 versus IPv6)."
            .to_string(),
    )
}

/// One family answers, the other does not. `fix_verified`: `working` was connected.
#[allow(clippy::too_many_arguments)]
pub fn address_family_mismatch(
    signal: Signal,
    host: &str,
    failed: &[SocketAddr],
    working: SocketAddr,
    suggested_url: &str,
    setting: &str,
    tls: bool,
    evidence: Value,
) -> Finding {
    let cert_note = if tls {
        " With TLS, the server's certificate must then name that address."
    } else {
        ""
    };
    let fam = |a: &SocketAddr| if a.is_ipv6() { "IPv6" } else { "IPv4" };
    let failed_fam = failed.first().map(fam).unwrap_or("the other family");
    let mut f = finding(
        Cause::AddressFamilyMismatch,
        Severity::Warning,
        signal,
        evidence,
    )
    .text(
        format!(
            "`{host}` answers on {} ({working}) but not on {failed_fam} ({}).",
            fam(&working),
            list(failed)
        ),
        format!(
            "`{host}` resolves to addresses of both families. Clients that try {failed_fam} \
             first (Node before 20, some gRPC and Java clients) fail or stall, while others fall \
             back. Typical: the collector listens on `127.0.0.1` only and `localhost` is tried \
             as `::1` first."
        ),
        format!(
            "Set {setting} to `{suggested_url}`: the doctor connected to {working}. Or make the \
             collector listen on both families.{cert_note}"
        ),
    );
    f.fix_verified = true;
    f
}

/// How a peer ended a connection without sending a byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseKind {
    Eof,
    Reset,
}

/// The peer accepted TCP, then closed or reset it before answering our first bytes.
/// `sent` says what was sent (e.g. "a TLS ClientHello", "an HTTP/2 preface").
/// For the protocol stage too: pass `Stage::Protocol`.
pub fn accept_then_close(
    signal: Signal,
    stage: Stage,
    addr: SocketAddr,
    sent: &str,
    how: CloseKind,
    evidence: Value,
) -> Finding {
    let how = match how {
        CloseKind::Eof => "closed the connection",
        CloseKind::Reset => "reset the connection",
    };
    finding(Cause::AcceptThenClose, Severity::Error, signal, evidence)
        .at_stage(stage)
        .text(
            format!("{addr} accepted the connection, then {how} without answering."),
            format!(
                "TCP connected, but after {sent} the peer {how} having sent nothing back. This \
                 is what a load balancer, ingress or `kubectl port-forward` does when it has no \
                 live backend: it accepts, tries the backend, and gives up; a server that \
                 rejects the request's protocol outright does it too."
            ),
            "Check the backend behind this address: is the collector running and healthy, does \
             the load balancer or port-forward point at the right service and port, and do the \
             endpoint's scheme and protocol match what it serves?"
                .to_string(),
        )
}

/// The peer reset the connection during `during` (a handshake, a request).
pub fn connection_reset(
    signal: Signal,
    stage: Stage,
    addr: SocketAddr,
    during: &str,
    evidence: Value,
) -> Finding {
    finding(Cause::ConnectionReset, Severity::Error, signal, evidence)
        .at_stage(stage)
        .text(
            format!("{addr} reset the connection during {during}."),
            format!(
                "The peer sent a TCP reset during {during}: something in the path (the server, \
                 a proxy, a firewall) aborted the connection."
            ),
            "Check the collector's and any proxy's logs for the aborted connection, and that \
             the protocol setting matches the port: a server or proxy that expects another \
             protocol on this port resets like this."
                .to_string(),
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

mod tls;
pub use tls::*;

/// Why the server's TLS version did not fit, from rustls' typed reason.
pub fn version_not_offered(p: &rustls::PeerIncompatible) -> String {
    use rustls::PeerIncompatible as P;
    let why = match p {
        P::ServerDoesNotSupportTls12Or13 => "it supports neither TLS 1.2 nor TLS 1.3",
        P::ServerTlsVersionIsDisabledByOurConfig => {
            "its version is disabled on the exporter's side"
        }
        P::SupportedVersionsExtensionRequired => "it requires the supported_versions extension",
        P::Tls12NotOffered | P::Tls12NotOfferedOrEnabled => {
            "it wants TLS 1.2, which the exporter did not offer"
        }
        _ => "rustls found the versions incompatible",
    };
    format!("the server chose a version the exporter does not offer ({why})")
}

/// The tcp stage's summary when the exporter goes through a proxy: the connection it made is
/// the proxy's.
pub fn tcp_via_proxy_summary(
    endpoint: &crate::config::Endpoint,
    proxy: &crate::config::proxy::ProxyTarget,
    peer: Option<SocketAddr>,
) -> String {
    let at = peer.map_or(String::new(), |a| format!(" at {a}"));
    format!(
        "connected to the proxy {}{at} ({}), which the exporter goes through to reach {}:{}",
        proxy.display, proxy.source, endpoint.host, endpoint.port
    )
}

/// The start of a stage summary that went through `proxy` (empty when direct).
pub fn through_proxy(proxy: Option<&crate::config::proxy::ProxyTarget>) -> String {
    proxy.map_or(String::new(), |p| {
        format!("through the proxy {} ({}): ", p.display, p.source)
    })
}
