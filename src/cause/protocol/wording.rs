//! Sentences of the protocol stage's match (`cause::protocol`), shared with the export's: what
//! the peer did, timeouts, and the verified fixes tried.

use super::describe::{describe_change, describe_observed, describe_peer};
use super::setting_fix::{endpoint_value, scheme, set_endpoint, set_setting, unset_setting};
use crate::cause::{Cause, Finding, Severity, Stage};
use crate::config::Protocol;
use crate::facts::PeerDid;
use crate::facts::{Change, Observed, Target, TlsSign, Tried, Waiting};

/// An error finding at `stage` whose cause is the exporter's protocol's name for one failure
/// (it has a gRPC name and an HTTP one).
fn per_protocol(probe: &Target<'_>, stage: Stage, grpc_cause: Cause, http_cause: Cause) -> Finding {
    let cause = match probe.settings.protocol.value {
        Protocol::Grpc => grpc_cause,
        _ => http_cause,
    };
    Finding::new(cause, Severity::Error, Some(probe.settings.signal)).at_stage(stage)
}

/// The peer reset the request's HTTP/2 stream with `REFUSED_STREAM`: it did not process the
/// request (overloaded, shutting down, or at its limit of concurrent streams).
pub fn stream_refused(probe: &Target<'_>, stage: Stage, ev: serde_json::Value) -> Finding {
    let grpc = probe.settings.protocol.value == Protocol::Grpc;
    per_protocol(probe, stage, Cause::GrpcUnavailable, Cause::HttpThrottled)
        .text(
            format!(
                "{} refused the request's HTTP/2 stream (REFUSED_STREAM): it did not process it.",
                probe.endpoint.display
            ),
            format!(
                "The server reset the stream with RST_STREAM(REFUSED_STREAM) before doing any \
                 work on it. HTTP/2 servers do this when they are overloaded, shutting down \
                 (draining), or at their limit of concurrent streams \
                 (SETTINGS_MAX_CONCURRENT_STREAMS, 0 on a server that takes no new work). The \
                 request is safe to retry, and exporters retry it{}; while it lasts nothing is \
                 exported.",
                if grpc {
                    " (gRPC reports it as UNAVAILABLE)"
                } else {
                    ""
                }
            ),
            format!(
                "Check the load and state of whatever answers at {} (the collector, or a proxy or \
                 load balancer in front of it): its concurrent-stream limit, whether it is \
                 restarting or draining, and its memory limiter. Run the doctor again once it \
                 takes requests.",
                probe.endpoint.display
            ),
        )
        .evidence(ev)
}

/// How to set the protocol to `p`, where it is set now.
pub(crate) fn set_protocol(probe: &Target<'_>, p: Protocol) -> String {
    set_setting(
        &probe.settings.protocol.source,
        "OTEL_EXPORTER_OTLP_PROTOCOL",
        "protocol",
        &p.to_string(),
    )
}

/// "The doctor tried ...: it worked/did not" sentences, and whether any attempt worked.
pub(crate) fn tried_text(tried: &[Tried]) -> (String, bool) {
    let mut text = String::new();
    for t in tried {
        text.push_str(&format!(
            " The doctor tried {} on {}: {}{}.",
            describe_change(&t.change),
            t.target,
            describe_observed(&t.observed),
            match (t.worked, &t.observed) {
                (true, _) => ", so this works",
                (false, Observed::ServerHello(_)) => "",
                (false, _) => ", so this did not work either",
            },
        ));
    }
    (text, tried.iter().any(|t| t.worked))
}

pub(crate) fn finish(mut f: Finding, tried: &[Tried], evidence: serde_json::Value) -> Finding {
    let (text, verified) = tried_text(tried);
    f.fix.push_str(&text);
    f.fix_verified = verified;
    let mut evidence = evidence;
    if let serde_json::Value::Object(map) = &mut evidence {
        if !tried.is_empty() {
            map.insert(
                "tried".into(),
                serde_json::Value::Array(tried.iter().map(Tried::evidence).collect()),
            );
        }
    }
    f.evidence(evidence)
}

/// The fix sentence for switching protocol/port, preferring what worked.
pub(crate) fn switch_fix(probe: &Target<'_>, tried: &[Tried], fallback: String) -> String {
    let first = tried.iter().find(|t| t.worked).or(tried.first());
    match first.map(|t| &t.change) {
        Some(Change::Grpc) => format!(
            "Set the protocol to `grpc`: {}; the endpoint stays {}.",
            set_protocol(probe, Protocol::Grpc),
            probe.endpoint.display
        ),
        Some(Change::Http(p)) => format!(
            "Set the protocol to `{p}`: {}; the endpoint stays {}.",
            set_protocol(probe, *p),
            probe.endpoint.display
        ),
        Some(Change::Port(port, p)) => {
            let path = p.is_http().then(|| probe.settings.signal.http_path());
            let value = endpoint_value(probe, scheme(probe), *port, path);
            format!(
                "Point the endpoint at the {p} port: {} instead of {}.",
                set_endpoint(probe, &value),
                probe.endpoint.display
            )
        }
        _ => fallback,
    }
}

/// An HTTP exporter talking to a gRPC (HTTP/2-only) port.
pub fn http_to_grpc_port(
    probe: &Target<'_>,
    did: PeerDid,
    tried: &[Tried],
    ev: serde_json::Value,
) -> Finding {
    let fix = switch_fix(
        probe,
        tried,
        "Use the collector's OTLP/HTTP port (4318 by default) in the endpoint, or set the \
         protocol to `grpc`."
            .to_string(),
    );
    let f = Finding::new(
        Cause::HttpToGrpcPort,
        Severity::Error,
        Some(probe.settings.signal),
    )
    .text(
        format!(
            "The {} exporter speaks HTTP/1.1 to {}, which is a gRPC (HTTP/2) port.",
            probe.settings.protocol.value, probe.endpoint.display
        ),
        format!(
            "The doctor sent an HTTP/1.1 POST, and {}. A gRPC server expects the HTTP/2 preface \
             first and rejects anything else; SDKs report this as `malformed HTTP response`, \
             `invalid HTTP version parsed` or a connection reset.",
            describe_peer(did)
        ),
        fix,
    );
    finish(f, tried, ev)
}

/// A gRPC exporter talking to an HTTP/1 port.
pub fn grpc_to_http_port(
    probe: &Target<'_>,
    did: Option<PeerDid>,
    tried: &[Tried],
    ev: serde_json::Value,
) -> Finding {
    let fix = switch_fix(
        probe,
        tried,
        "Use the collector's OTLP/gRPC port (4317 by default) in the endpoint, or set the \
         protocol to `http/protobuf`."
            .to_string(),
    );
    let seen = match did {
        Some(d) => describe_peer(d).to_string(),
        None => {
            "the peer answered the gRPC call with a plain HTTP response, not a gRPC one".to_string()
        }
    };
    let f = Finding::new(
        Cause::GrpcToHttpPort,
        Severity::Error,
        Some(probe.settings.signal),
    )
    .text(
        format!(
            "The gRPC exporter talks to {}, which is an OTLP/HTTP port.",
            probe.endpoint.display
        ),
        format!(
            "The doctor opened an HTTP/2 connection for gRPC and {seen}. SDKs report this as \
             `frame too large`, `FRAME_SIZE_ERROR` or `Received http2 header with status: 404`."
        ),
        fix,
    );
    finish(f, tried, ev)
}

/// Plaintext settings against a TLS port.
pub fn plaintext_to_tls(
    probe: &Target<'_>,
    sign: TlsSign,
    tried: &[Tried],
    ev: serde_json::Value,
) -> Finding {
    let seen = match sign {
        TlsSign::TlsRecord => "answered plaintext with a TLS record",
        TlsSign::PlainHttpToHttpsPort => {
            "answered `400 The plain HTTP request was sent to HTTPS port`"
        }
        TlsSign::GoPlainHttpToHttpsPort => {
            "answered `400 Bad Request` with `Client sent an HTTP request to an HTTPS server` \
             (Go's net/http, as in the collector's own receivers)"
        }
        TlsSign::Closed => "closed the plaintext connection without answering",
        TlsSign::Http1Answer => {
            "answered the plaintext HTTP/2 preface with an HTTP/1 error page, OTLP/HTTP on \
             the same port did not work either, and a TLS ClientHello there got a ServerHello"
        }
    };
    // The endpoint's own path: the exporter treats it exactly as before, only the scheme moves.
    let path = probe
        .settings
        .protocol
        .value
        .is_http()
        .then_some(probe.endpoint.path.as_str());
    let https = match path {
        Some(p) => format!(
            "https://{}:{}{p}",
            crate::config::proxy::bracket(&probe.endpoint.host),
            probe.endpoint.port
        ),
        None => endpoint_value(probe, "https", probe.endpoint.port, None),
    };
    let mut fix = format!("Use TLS: {}.", set_endpoint(probe, &https));
    if probe.settings.insecure.value {
        fix.push_str(&format!(
            " Also {} (`insecure=true` turns TLS off).",
            unset_setting(&probe.settings.insecure.source)
        ));
    }
    let f = Finding::new(
        Cause::PlaintextToTls,
        Severity::Error,
        Some(probe.settings.signal),
    )
    .at_stage(Stage::Tls)
    .text(
        format!(
            "{} expects TLS, but the exporter is configured for plaintext.",
            probe.endpoint.display
        ),
        format!(
            "The doctor spoke plaintext and the peer {seen}: it is a TLS port. SDKs report \
                 this as {}.",
            match sign {
                TlsSign::Http1Answer =>
                    "`frame with invalid size`, `FRAME_SIZE_ERROR` or `frame too large`",
                TlsSign::PlainHttpToHttpsPort | TlsSign::GoPlainHttpToHttpsPort =>
                    "a failed export with status `400 Bad Request`",
                _ => "`error reading server preface: EOF` or a reset",
            }
        ),
        fix,
    );
    finish(f, tried, ev)
}

impl Waiting {
    /// The request whose answer the doctor waited for, as a phrase.
    pub fn request(self) -> &'static str {
        match self {
            Waiting::Protocol => "the first request",
            Waiting::Export => "the empty export request",
        }
    }
}

/// The peer's answer is not a usable HTTP (or gRPC) response.
pub fn unparseable(
    probe: &Target<'_>,
    stage: Stage,
    did: PeerDid,
    ev: serde_json::Value,
) -> Finding {
    let grpc = probe.settings.protocol.value == Protocol::Grpc;
    per_protocol(
        probe,
        stage,
        Cause::GrpcNonGrpcResponse,
        Cause::NotOtlpEndpoint,
    )
    .text(
        format!(
            "{} does not answer like an OTLP receiver.",
            probe.endpoint.display
        ),
        format!(
            "{} (first bytes in the evidence). An OTLP receiver answers with a \
                 well-formed {} response.",
            capitalize(describe_peer(did)),
            if grpc { "HTTP/2 gRPC" } else { "HTTP" }
        ),
        "Check that the endpoint names the collector's OTLP port and not some other service, \
             and that nothing in between rewrites the traffic.",
    )
    .evidence(ev)
}

pub(crate) fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
