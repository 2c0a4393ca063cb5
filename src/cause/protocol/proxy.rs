//! Wording of proxy findings: a failing proxy, and proxies the gRPC exporter ignores.

use crate::cause::{Cause, Finding, Severity};
use crate::config::proxy::{InvalidProxy, ProxyTarget};
use crate::facts::ConnectFailure;
use crate::facts::ProxyError;
use crate::facts::Target;

/// The proxy the exporter uses refused or failed.
pub fn proxy_failure(
    probe: &Target<'_>,
    proxy: &ProxyTarget,
    error: &ProxyError,
    timeout: std::time::Duration,
    ev: serde_json::Value,
) -> Finding {
    let t = humantime::format_duration(timeout);
    let what = match error {
        ProxyError::Resolve => "its name does not resolve".to_string(),
        ProxyError::Connect(c) => match c {
            ConnectFailure::Refused => "it refused the connection (nothing listens there)".into(),
            ConnectFailure::Timeout => format!("connecting to it did not finish within {t}"),
            ConnectFailure::Unreachable => "it is unreachable (no route)".into(),
            ConnectFailure::Reset => "it reset the connection".into(),
            ConnectFailure::Other(kind) => format!("connecting to it failed ({kind})"),
        },
        ProxyError::Refused { status: 407, .. } if proxy.has_credentials => {
            "it answered 407 Proxy Authentication Required (the doctor does not send proxy \
             credentials, so this may be only the doctor's limitation)"
                .to_string()
        }
        ProxyError::Refused { status: 407, .. } => {
            "it answered 407 Proxy Authentication Required and no credentials are configured"
                .to_string()
        }
        ProxyError::Refused { status, .. } => format!("it refused the tunnel with HTTP {status}"),
        ProxyError::Closed { .. } => "it closed the connection without a complete answer".into(),
        ProxyError::Timeout => format!(
            "it gave {}",
            crate::cause::wait_text::no_answer_within(timeout, probe.settings.timeout.value)
        ),
        ProxyError::Garbage { .. } => "its answer was not HTTP".into(),
        ProxyError::UnsupportedScheme => format!(
            "its scheme `{}` is not supported (only http:// proxies are)",
            proxy.scheme
        ),
    };
    let f = Finding::new(
        Cause::ProxyFailure,
        Severity::Error,
        Some(probe.settings.signal),
    )
    .text(
        format!(
            "The exporter reaches {} through the proxy {}, and {what}.",
            probe.endpoint.display, proxy.display
        ),
        format!(
            "The proxy comes from {}. The HTTP exporter sends every request through it unless \
             NO_PROXY lists the host, so the collector is unreachable while the proxy fails.",
            proxy.source
        ),
        format!(
            "Fix or replace the proxy in {}, or add `{}` to NO_PROXY if the collector is \
             reachable directly.",
            proxy.source, probe.endpoint.host
        ),
    )
    .evidence(ev);
    if error.stalled() {
        f.stalled()
    } else {
        f
    }
}

/// TLS with the endpoint failed inside the proxy's tunnel: `stalled` when the handshake did not
/// finish within the timeout, `received` bytes came back through the tunnel.
pub fn proxy_tunnel_tls(
    probe: &Target<'_>,
    proxy: &ProxyTarget,
    stalled: bool,
    received: u64,
    timeout: std::time::Duration,
    ev: serde_json::Value,
) -> Finding {
    let t = humantime::format_duration(timeout);
    let (summary, explanation) = match (stalled, received) {
        (true, 0) => (
            format!(
                "The proxy {} accepted the tunnel to {}, then nothing came back through it \
                 within {t}.",
                proxy.display, probe.endpoint.display
            ),
            "The proxy answered CONNECT with success, the doctor sent a TLS ClientHello into the \
             tunnel, and no byte came back: the proxy cannot reach the endpoint (and does not \
             say so), or holds tunnels open without forwarding them. The exporter waits its \
             whole timeout on every export."
                .to_string(),
        ),
        (true, _) => (
            format!(
                "The proxy {} opened a tunnel to {}, but TLS through it stalled for {t}.",
                proxy.display, probe.endpoint.display
            ),
            "The proxy accepted CONNECT and the TLS handshake began inside the tunnel, then \
             stopped: the proxy (or whatever it forwards to) stalls mid-handshake, so the \
             exporter waits its whole timeout on every export."
                .to_string(),
        ),
        (false, _) => (
            format!(
                "The proxy {} opened a tunnel to {}, but TLS through it failed.",
                proxy.display, probe.endpoint.display
            ),
            "The proxy accepted CONNECT, then the TLS handshake with the endpoint failed inside \
             the tunnel: the proxy may intercept TLS with its own certificate, or forward \
             elsewhere."
                .to_string(),
        ),
    };
    let f = Finding::new(
        Cause::ProxyFailure,
        Severity::Error,
        Some(probe.settings.signal),
    )
    .text(
        summary,
        explanation,
        format!(
            "If the proxy intercepts TLS, add its CA to the certificate setting; otherwise fix \
             the proxy in {} or add `{}` to NO_PROXY if the collector is reachable directly.",
            proxy.source, probe.endpoint.host
        ),
    )
    .evidence(ev);
    if stalled {
        f.stalled()
    } else {
        f
    }
}

/// A proxy setting that is not a URL.
pub fn proxy_invalid(probe: &Target<'_>, invalid: &InvalidProxy) -> Finding {
    Finding::new(
        Cause::ProxyFailure,
        Severity::Error,
        Some(probe.settings.signal),
    )
    .text(
        format!(
            "The proxy setting from {} is not a usable URL.",
            invalid.source
        ),
        "The HTTP exporter cannot send through a proxy it cannot parse.",
        format!(
            "Set {} to `http://HOST:PORT` (the proxy's address), or {}.",
            crate::cause::config::where_(&invalid.source),
            super::setting_fix::unset_setting(&invalid.source)
        ),
    )
    .evidence(serde_json::json!({ "proxy": invalid.value, "source": invalid.source }))
}

/// A proxy is set, but the gRPC exporter (tonic) connects directly.
pub fn grpc_ignores_proxy(probe: &Target<'_>, proxy: &ProxyTarget, direct_works: bool) -> Finding {
    let severity = if direct_works {
        Severity::Info
    } else {
        Severity::Warning
    };
    Finding::new(Cause::ProxyFailure, severity, Some(probe.settings.signal))
        .text(
            format!(
            "A proxy is set ({} from {}), but the gRPC exporter ignores proxies and connects to \
             {} directly.",
            proxy.display, proxy.source, probe.endpoint.display
        ),
            format!(
            "The runner's gRPC exporter (tonic) has no proxy support: HTTPS_PROXY, HTTP_PROXY and \
             NO_PROXY do not apply to it. The doctor probed the direct path, which is the one the \
             exporter takes; it {}.",
            if direct_works { "works" } else { "does not work" }
        ),
            if direct_works {
                "Nothing to do if the direct path is intended. To send through the proxy, use \
             protocol `http/protobuf` (the HTTP exporter honours the proxy settings)."
                    .to_string()
            } else {
                "If the collector is reachable only through the proxy, switch to protocol \
             `http/protobuf` with the collector's HTTP endpoint: the HTTP exporter honours \
             HTTPS_PROXY/HTTP_PROXY/NO_PROXY."
                    .to_string()
            },
        )
        .evidence(serde_json::json!({ "proxy": proxy.display, "source": proxy.source }))
}
