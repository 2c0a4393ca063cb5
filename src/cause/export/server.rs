//! Wording of OTLP/HTTP answers about the server's state rather than the request: a rate
//! limit, a gateway without a live upstream, the collector's memory limiter, other 5xx.

use super::http::new;
use crate::cause::{Cause, Finding, Severity};
use crate::facts::answer::Unavailable;
use crate::facts::peer_text::PeerText;
use crate::facts::Target;

type Ev = serde_json::Value;

/// 429.
pub fn http_throttled(probe: &Target<'_>, retry_after: Option<&str>, ev: Ev) -> Finding {
    new(probe, Cause::HttpThrottled, Severity::Warning)
        .text(
            format!("{} is throttling exports (429).", probe.endpoint.display),
            format!(
                "The receiver or a gateway rate-limits this client{}. Exporters retry, but data \
                 is dropped when the limit persists.",
                retry_after
                    .map(|r| format!(" and asks to retry after {r}"))
                    .unwrap_or_default()
            ),
            "Check the receiver's or vendor's rate limits and quotas; reduce export volume \
             (sampling, batching) or raise the limit.",
        )
        .evidence(ev)
}

/// 502/503/504 from a proxy or load balancer, or the collector's memory limiter's 503.
pub fn http_upstream_unavailable(
    probe: &Target<'_>,
    status: u16,
    by: Unavailable,
    message: Option<&PeerText>,
    ev: Ev,
) -> Finding {
    if by == Unavailable::MemoryLimiter {
        return new(probe, Cause::HttpUpstreamUnavailable, Severity::Error)
            .text(
                format!(
                    "The collector at {} refuses data for memory ({status}).",
                    probe.endpoint.display
                ),
                format!(
                    "The collector itself answered{}: its `memory_limiter` processor is over its \
                     limit and refuses every export until memory drops. No proxy is involved.",
                    message.map(|m| format!(" ({m})")).unwrap_or_default()
                ),
                memory_limiter_fix(),
            )
            .evidence(ev);
    }
    let haproxy = by == Unavailable::Haproxy;
    new(probe, Cause::HttpUpstreamUnavailable, Severity::Error)
        .text(
            format!(
                "The proxy at {} has no working collector behind it ({status}).",
                probe.endpoint.display
            ),
            format!(
                "{status} is a gateway's answer: it accepted the request but could not reach its \
                 upstream{}.",
                if haproxy {
                    " (haproxy: `No server is available to handle this request.`)"
                } else {
                    ""
                }
            ),
            "Check the collector behind the proxy or load balancer: that it runs, and that the \
             proxy's upstream address and port point at its OTLP receiver.",
        )
        .evidence(ev)
}

/// Other 5xx.
pub fn http_server_error(
    probe: &Target<'_>,
    status: u16,
    message: Option<&PeerText>,
    ev: Ev,
) -> Finding {
    new(probe, Cause::HttpServerError, Severity::Error)
        .text(
            format!(
                "{} failed the export with {status}.",
                probe.endpoint.display
            ),
            format!(
                "The receiver reported an internal error{}.",
                message.map(|m| format!(": {m}")).unwrap_or_default()
            ),
            "Check the receiver's logs around this time; the doctor's request was an empty, \
             valid export.",
        )
        .evidence(ev)
}

/// The fix when the collector's memory limiter refuses data.
pub fn memory_limiter_fix() -> &'static str {
    "Give the collector more memory, or raise its `memory_limiter` `limit_mib` / \
     `limit_percentage` if the host has room; find what holds memory (a slow exporter's queue, \
     large batches) in its log and metrics (`runner doctor collector --metrics-url URL`). \
     The runner's settings need no change."
}
