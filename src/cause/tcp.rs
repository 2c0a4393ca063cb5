//! Wording of the tcp stage: one match over what it saw (`facts::diagnosis::Tcp`), plus the
//! close and reset findings the tls and protocol stages share.

use super::{Cause, Finding, Severity, Stage};
use crate::facts::diagnosis::tcp::{CloseKind, Diagnosis};
use crate::facts::{ConnectFailure, Target};
use std::net::SocketAddr;
use std::time::Duration;

fn list(addrs: &[SocketAddr]) -> String {
    addrs
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The stage's summary when it passed.
pub fn summary(d: &Diagnosis, t: &Target<'_>) -> String {
    match d {
        Diagnosis::Connected { addrs } => format!("connected to {}", list(addrs)),
        Diagnosis::ViaProxy { proxy, peer } => {
            let at = peer.map_or(String::new(), |a| format!(" at {a}"));
            format!(
                "connected to the proxy {}{at} ({}), which the exporter goes through to reach \
                 {}:{}",
                proxy.display, proxy.source, t.endpoint.host, t.endpoint.port
            )
        }
        _ => String::new(),
    }
}

/// The stage's finding: what went wrong, or nothing.
pub fn finding(d: &Diagnosis, t: &Target<'_>) -> Option<Finding> {
    let signal = t.settings.signal;
    Some(match d {
        Diagnosis::Connected { .. } | Diagnosis::ViaProxy { .. } => return None,
        Diagnosis::ProxyFailed {
            proxy,
            error,
            timeout,
        } => super::protocol::proxy::proxy_failure(
            t,
            proxy,
            error,
            *timeout,
            serde_json::Value::Null,
        )
        .at_stage(Stage::Tcp),
        Diagnosis::Failed {
            failure,
            addrs,
            timeout,
        } => connect_failed(signal, failure, addrs, *timeout),
        Diagnosis::SomeFailed {
            failure,
            failed,
            timeout,
        } => {
            // Another address of the same family answers: clients that try every address work.
            let mut f = connect_failed(signal, failure, failed, *timeout);
            f.severity = Severity::Warning;
            f
        }
        Diagnosis::FamilyMismatch {
            failed,
            working,
            suggested_url,
            setting,
        } => {
            let host = &t.endpoint.host;
            let setting = setting_name(setting, "OTEL_EXPORTER_OTLP_ENDPOINT");
            let cert_note = if t.endpoint.tls {
                " With TLS, the server's certificate must then name that address."
            } else {
                ""
            };
            let fam = |a: &SocketAddr| if a.is_ipv6() { "IPv6" } else { "IPv4" };
            let failed_fam = failed.first().map(fam).unwrap_or("the other family");
            let mut f = Finding::new(
                Cause::AddressFamilyMismatch,
                Severity::Warning,
                Some(signal),
            )
            .text(
                format!(
                    "`{host}` answers on {} ({working}) but not on {failed_fam} ({}).",
                    fam(working),
                    list(failed)
                ),
                format!(
                    "`{host}` resolves to addresses of both families. Clients that try \
                         {failed_fam} first (Node before 20, some gRPC and Java clients) fail or \
                         stall, while others fall back. Typical: the collector listens on \
                         `127.0.0.1` only and `localhost` is tried as `::1` first."
                ),
                format!(
                    "Set {setting} to `{suggested_url}`: the doctor connected to {working}. \
                         Or make the collector listen on both families.{cert_note}"
                ),
            );
            // The fix was tried: `working` connected.
            f.fix_verified = true;
            f
        }
    })
}

/// No connection to `addrs`, for the way it failed.
fn connect_failed(
    signal: crate::config::Signal,
    failure: &ConnectFailure,
    addrs: &[SocketAddr],
    timeout: Duration,
) -> Finding {
    let f = |cause| Finding::new(cause, Severity::Error, Some(signal));
    match failure {
        // A reset seen by connect came after the peer's SYN-ACK (a refused SYN is `Refused`):
        // the peer accepted, then reset before a byte was sent either way.
        ConnectFailure::Reset => accept_then_close(
            signal,
            Stage::Tcp,
            addrs[0],
            "the TCP handshake, before the doctor sent a byte,",
            CloseKind::Reset,
            serde_json::Value::Null,
        ),
        ConnectFailure::Refused => {
            let port = addrs.first().map(|a| a.port()).unwrap_or(0);
            f(Cause::TcpRefused).text(
                format!("Connection refused by {}.", list(addrs)),
                format!(
                    "The host answered the TCP SYN with a reset: it is reachable, but nothing \
                     listens on port {port} at that address. Often the collector is not running, \
                     listens on another port, or binds only `localhost` (the collector's default \
                     since v0.104) while being reached from another container or pod."
                ),
                format!(
                    "Start the collector, or check its receiver's `endpoint` (e.g. \
                     `0.0.0.0:{port}`) and the port in the exporter's endpoint."
                ),
            )
        }
        ConnectFailure::Timeout => f(Cause::TcpTimeout).text(
            format!(
                "No answer to the TCP connection from {} within {}.",
                list(addrs),
                humantime::format_duration(timeout)
            ),
            "The SYN got neither a SYN-ACK nor a reset: a firewall or security group drops the \
             packets, or the address is not the collector's."
                .to_string(),
            "Check firewalls and security groups between this machine and the collector, and \
             that the address is right; raise `--timeout` only if the path is known to be slow."
                .to_string(),
        ),
        ConnectFailure::Unreachable | ConnectFailure::Other(_) => f(Cause::TcpUnreachable).text(
            format!("{} cannot be reached from this machine.", list(addrs)),
            "The operating system reported no route to the host or network (or no address of \
             that family on this machine), so no packet left for it."
                .to_string(),
            "Check the routes and the network this machine is attached to, or use an address of \
             a family this machine has (IPv4 versus IPv6)."
                .to_string(),
        ),
    }
}

/// The peer accepted TCP, then closed or reset it before answering our first bytes.
/// `sent` says what was sent (e.g. "a TLS ClientHello", "an HTTP/2 preface").
/// For the protocol stage too: pass `Stage::Protocol`.
pub fn accept_then_close(
    signal: crate::config::Signal,
    stage: Stage,
    addr: SocketAddr,
    sent: &str,
    how: CloseKind,
    evidence: serde_json::Value,
) -> Finding {
    let how = match how {
        CloseKind::Eof => "closed the connection",
        CloseKind::Reset => "reset the connection",
    };
    Finding::new(Cause::AcceptThenClose, Severity::Error, Some(signal))
        .evidence(evidence)
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
    signal: crate::config::Signal,
    stage: Stage,
    addr: SocketAddr,
    during: &str,
    evidence: serde_json::Value,
) -> Finding {
    Finding::new(Cause::ConnectionReset, Severity::Error, Some(signal))
        .evidence(evidence)
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

/// The setting a user edits to change a value with this source, for fix sentences.
fn setting_name(source: &crate::config::Source, fallback: &str) -> String {
    match source {
        crate::config::Source::Flag(flag) => format!("the `{flag}` flag"),
        crate::config::Source::Config(key) => format!("`{key}` in the config file"),
        crate::config::Source::Env(var) => format!("`{var}`"),
        crate::config::Source::Default => format!("`{fallback}` (not set: the default applies)"),
    }
}
