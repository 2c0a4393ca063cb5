//! Wording of gRPC export answers (grpc-status, non-gRPC responses).

use crate::cause::protocol::describe::grpc_code_name;
use crate::cause::protocol::setting_fix::{endpoint_value, endpoint_where, scheme, set_endpoint};
use crate::cause::{Cause, Finding, Severity, Stage};
use crate::facts::answer::{HttpClass, Unavailable};
use crate::facts::peer_text::PeerText;
use crate::facts::Target;

type Ev = serde_json::Value;

fn new(probe: &Target<'_>, cause: Cause, severity: Severity) -> Finding {
    Finding::new(cause, severity, Some(probe.settings.signal)).at_stage(Stage::Export)
}

fn quoted(message: &PeerText) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(" with the message {message}")
    }
}

/// An HTTP/2 answer that is not gRPC (status != 200 or content-type not application/grpc),
/// and not a gateway error (see `grpc_gateway_unavailable`).
pub fn grpc_non_grpc_response(
    probe: &Target<'_>,
    status: u16,
    media: Option<&str>,
    ev: Ev,
) -> Finding {
    let value = endpoint_value(probe, scheme(probe), 4317, None);
    new(probe, Cause::GrpcNonGrpcResponse, Severity::Error)
        .text(
            format!(
                "{} answered the gRPC export with HTTP {status} ({}), not a gRPC response.",
                probe.endpoint.display,
                media.unwrap_or("no content-type")
            ),
            "A gRPC server answers 200 with content-type application/grpc and a grpc-status. \
             This answer comes from something else: an HTTP server or proxy that does not \
             route gRPC to a collector. SDKs report it as `unexpected HTTP status code received \
             from server` or `Received message larger than max`.",
            format!(
                "Point the endpoint at the collector's OTLP/gRPC port (4317 by default: {}), \
                 or make the proxy forward gRPC.",
                set_endpoint(probe, &value)
            ),
        )
        .evidence(ev)
}

/// An HTTP answer to the gRPC export that names its own cause (`facts::answer::classify`): an
/// auth proxy's 401/403, a body limit's 413, a rate limit's 429, a gateway's 502-504. gRPC
/// clients map these from the HTTP status (401 UNAUTHENTICATED, 403 PERMISSION_DENIED, 429 and
/// 502-504 UNAVAILABLE), and the cause is what the front said, not the protocol.
pub fn grpc_http_refusal(
    probe: &Target<'_>,
    class: HttpClass,
    status: u16,
    media: Option<&str>,
    ev: Ev,
) -> Finding {
    let ep = &probe.endpoint.display;
    let media = media.unwrap_or("no content-type");
    match class {
        HttpClass::AuthRejected => {
            let (name, code) = match status {
                401 => ("Unauthorized", "UNAUTHENTICATED"),
                _ => ("Forbidden", "PERMISSION_DENIED"),
            };
            new(probe, Cause::HttpAuthRejected, Severity::Error).text(
                format!(
                    "{ep} refused the gRPC export's credentials with HTTP {status} {name} \
                     ({media}): an HTTP front rejected them before any collector saw the call."
                ),
                format!(
                    "The answer is no gRPC response (no grpc-status): an authenticating proxy or \
                     gateway answered it. gRPC clients report HTTP {status} as `{code}`. {}.",
                    super::http::headers_named(probe)
                ),
                "Set the header the front expects (usually `authorization=Bearer <token>` or a \
                 vendor API key header) in OTEL_EXPORTER_OTLP_HEADERS or `otel.headers`, with \
                 values URL-encoded (`Bearer%20<token>` in the variable): gRPC sends them as \
                 metadata. Check the token is valid.",
            )
        }
        HttpClass::PayloadTooLarge => new(probe, Cause::HttpPayloadTooLarge, Severity::Error).text(
            format!(
                "{ep} refused the gRPC export as too large with HTTP 413 ({media}): an HTTP \
                     front's body limit."
            ),
            "A proxy in front of the collector has a request body limit that even an empty \
                 export exceeds; real batches are dropped as permanent failures. gRPC clients \
                 report `unexpected HTTP status code received from server: 413` or \
                 `RESOURCE_EXHAUSTED`.",
            "Raise the proxy's body limit (nginx `client_max_body_size`, which applies to \
                 `grpc_pass` too), or lower the exporter's batch size.",
        ),
        HttpClass::Throttled => new(probe, Cause::HttpThrottled, Severity::Error).text(
            format!("{ep} answered the gRPC export with HTTP 429 Too Many Requests ({media})."),
            "A proxy in front of the collector rate-limits exports and answered for it; gRPC \
             clients report HTTP 429 as `UNAVAILABLE` and retry.",
            "Raise the proxy's rate limit for the runner, or export less often (a larger \
             batch delay).",
        ),
        HttpClass::UpstreamUnavailable { by } => {
            let haproxy = by == Unavailable::Haproxy;
            let name = match status {
                502 => "Bad Gateway",
                503 => "Service Unavailable",
                _ => "Gateway Timeout",
            };
            new(probe, Cause::HttpUpstreamUnavailable, Severity::Error).text(
                format!(
                    "{ep} answered the gRPC export with HTTP {status} {name} ({media}): \
                     UNAVAILABLE, the collector behind the proxy is unreachable."
                ),
                format!(
                    "The endpoint is reached, but what answers there is a proxy or load \
                     balancer{}: it sent its own HTTP {status} page (quoted in the evidence) \
                     instead of forwarding the call, because it cannot reach its upstream. gRPC \
                     maps HTTP 502, 503 and 504 to UNAVAILABLE (14); SDKs report `UNAVAILABLE`, \
                     `unexpected HTTP status code received from server: {status}` or `received \
                     message with invalid compression flag`.",
                    if haproxy {
                        " (haproxy: `No server is available`)"
                    } else {
                        ""
                    }
                ),
                "Check the collector behind the proxy: that it runs, and that the proxy's \
                 upstream points at its OTLP/gRPC port (4317 by default) over HTTP/2 (nginx \
                 `grpc_pass`). The runner's endpoint needs no change.",
            )
        }
        _ => return grpc_non_grpc_response(probe, status, Some(media), ev),
    }
    .evidence(ev)
}

/// A gRPC answer without grpc-status.
pub fn grpc_missing_status(probe: &Target<'_>, ev: Ev) -> Finding {
    new(probe, Cause::GrpcNonGrpcResponse, Severity::Error)
        .text(
            format!(
                "{} answered gRPC without a grpc-status.",
                probe.endpoint.display
            ),
            "The answer claimed content-type application/grpc but carried no grpc-status in \
             headers or trailers: the stream was cut, or a proxy mangles gRPC trailers.",
            "Check the proxies between the runner and the collector: they must pass HTTP/2 \
             trailers through (nginx `grpc_pass`, not `proxy_pass`).",
        )
        .evidence(ev)
}

/// grpc-status 12 for the export method.
pub fn grpc_unimplemented(probe: &Target<'_>, path: &str, message: &PeerText, ev: Ev) -> Finding {
    new(probe, Cause::GrpcUnimplemented, Severity::Error)
        .text(
            format!(
                "{} does not serve the OTLP {} service (UNIMPLEMENTED).",
                probe.endpoint.display, probe.settings.signal
            ),
            format!(
                "The call `{path}` was answered UNIMPLEMENTED{}: the server speaks gRPC but has \
                 no such service. Either the collector has no {} pipeline with an OTLP receiver, \
                 or this is not an OpenTelemetry collector.",
                quoted(message),
                probe.settings.signal
            ),
            format!(
                "Add a {} pipeline with the `otlp` receiver to the collector, or disable this \
                 signal in the runner; check the endpoint ({}) is the collector.",
                probe.settings.signal,
                endpoint_where(probe)
            ),
        )
        .evidence(ev)
}

/// grpc-status 16 (UNAUTHENTICATED) or 7 (PERMISSION_DENIED).
pub fn grpc_unauthenticated(probe: &Target<'_>, code: u32, message: &PeerText, ev: Ev) -> Finding {
    let sent = super::http::headers_sent(probe, "No headers are configured");
    new(probe, Cause::GrpcUnauthenticated, Severity::Error)
        .text(
            format!(
                "{} rejected the export's credentials ({}).",
                probe.endpoint.display,
                grpc_code_name(code)
            ),
            format!(
                "The export was answered grpc-status {code} ({}){}. {sent}.",
                grpc_code_name(code),
                quoted(message)
            ),
            if code == 7 {
                "The credentials are known but not allowed to write: check the token's scopes \
                 or the tenant it belongs to."
                    .to_string()
            } else {
                "Set the header the receiver expects (usually `authorization=Bearer <token>`) in \
                 OTEL_EXPORTER_OTLP_HEADERS or `otel.headers`, URL-encoded, with a valid token."
                    .to_string()
            },
        )
        .evidence(ev)
}

/// grpc-status 14.
pub fn grpc_unavailable(probe: &Target<'_>, message: &PeerText, ev: Ev) -> Finding {
    new(probe, Cause::GrpcUnavailable, Severity::Error)
        .text(
            format!("{} answered the export UNAVAILABLE.", probe.endpoint.display),
            format!(
                "grpc-status 14{}: typically a proxy (nginx `grpc_pass`, Envoy) whose collector \
                 is down, or a collector refusing data while its pipeline is full or shutting down.",
                quoted(message)
            ),
            "Check the collector behind this address: that it runs, its exporters keep up, and \
             the proxy's upstream points at its gRPC port.",
        )
        .evidence(ev)
}

/// grpc-status 8.
pub fn grpc_resource_exhausted(probe: &Target<'_>, message: &PeerText, ev: Ev) -> Finding {
    new(probe, Cause::GrpcResourceExhausted, Severity::Error)
        .text(
            format!(
                "{} answered the export RESOURCE_EXHAUSTED.",
                probe.endpoint.display
            ),
            format!(
                "grpc-status 8{}: a rate limit, quota or memory limiter refuses data, or the \
                 message exceeds the receiver's size limit.",
                quoted(message)
            ),
            "Check the collector's memory_limiter and the receiver's `max_recv_msg_size_mib`, \
             or the vendor's quota; lower the batch size or volume.",
        )
        .evidence(ev)
}

/// Any other non-OK grpc-status.
pub fn grpc_other_status(probe: &Target<'_>, code: u32, message: &PeerText, ev: Ev) -> Finding {
    new(probe, Cause::HttpServerError, Severity::Error)
        .text(
            format!(
                "{} failed the export with grpc-status {code} ({}).",
                probe.endpoint.display,
                grpc_code_name(code)
            ),
            format!(
                "A valid empty export was answered {}{}.",
                grpc_code_name(code),
                quoted(message)
            ),
            "Check the receiver's logs around this time.",
        )
        .evidence(ev)
}
