//! Wording of HTTP export answers (status codes, bodies).

use crate::cause::protocol::setting_fix::{
    endpoint_value, endpoint_where, scheme, set_endpoint, set_setting,
};
use crate::cause::protocol::wording::{finish, set_protocol};
use crate::cause::{Cause, Finding, Severity, Stage};
use crate::facts::peer_text::PeerText;
use crate::facts::{Change, Tried};
use crate::facts::{PartialSuccess, PathProblem, Target};

type Ev = serde_json::Value;

/// The export check's summary when the empty export was accepted.
pub fn export_ok_summary(probe: &Target<'_>, partial: Option<&PartialSuccess>) -> String {
    match partial {
        Some(p) => format!(
            "the empty {} export was accepted, with partial_success ({} rejected{})",
            probe.settings.signal,
            p.rejected,
            if p.message.is_empty() {
                String::new()
            } else {
                format!(": {}", p.message)
            }
        ),
        None => format!("the empty {} export was accepted", probe.settings.signal),
    }
}

pub(super) fn headers_named(probe: &Target<'_>) -> String {
    headers_sent(
        probe,
        "No headers are configured (OTEL_EXPORTER_OTLP_HEADERS, `otel.headers`, --header)",
    )
}

/// Which headers were sent (names only, never values), or `none` when there are none.
pub(super) fn headers_sent(probe: &Target<'_>, none: &str) -> String {
    let names: Vec<String> = probe
        .settings
        .headers
        .value
        .iter()
        .map(|h| format!("`{}`", h.name))
        .collect();
    if names.is_empty() {
        none.to_owned()
    } else {
        format!(
            "The configured headers {} (from {}) were sent; their values are not shown",
            names.join(", "),
            probe.settings.headers.source
        )
    }
}

pub(super) fn new(probe: &Target<'_>, cause: Cause, severity: Severity) -> Finding {
    Finding::new(cause, severity, Some(probe.settings.signal)).at_stage(Stage::Export)
}

/// A 2xx that is not an OTLP response (e.g. a web UI).
pub fn not_otlp_endpoint(
    probe: &Target<'_>,
    status: u16,
    media: Option<&str>,
    empty: bool,
    ev: Ev,
) -> Finding {
    let severity = if empty && media.is_none() {
        Severity::Warning
    } else {
        Severity::Error
    };
    new(probe, Cause::NotOtlpEndpoint, severity)
        .text(
            format!(
                "{} answered the export with {status} but not with an OTLP response.",
                probe.endpoint.display
            ),
            format!(
                "An OTLP receiver answers a successful export with a protobuf or JSON \
                 ExportServiceResponse; this answer had content-type {} and a body that does \
                 not decode as one (quoted in the evidence). It is some other HTTP service, \
                 such as a backend's web UI, a health endpoint or a catch-all proxy route, and \
                 it probably discards what it is sent.",
                media.unwrap_or("(none)")
            ),
            format!(
                "Point the endpoint at the collector's OTLP/HTTP receiver, usually port 4318 \
                 with path `{}`: {}.",
                probe.settings.signal.http_path(),
                otlp_http_endpoint(probe)
            ),
        )
        .evidence(ev)
}

/// 3xx: never followed, since it would carry the configured headers elsewhere.
pub fn http_redirect(probe: &Target<'_>, status: u16, location: Option<&str>, ev: Ev) -> Finding {
    let location = location
        .map(redact_url)
        .unwrap_or_else(|| "(no Location)".into());
    new(probe, Cause::HttpRedirect, Severity::Error)
        .text(
            format!(
                "{} redirects the export ({status}) to {location}.",
                probe.endpoint.display
            ),
            "OTLP exporters do not follow redirects, so every export is lost. The doctor did not \
             follow it either: that would send the configured headers to another place.",
            format!(
                "If {location} is the real receiver, set the endpoint to it directly ({}); a \
                 redirect from http:// to https:// means the endpoint needs https://.",
                set_endpoint(probe, &location)
            ),
        )
        .evidence(ev)
}

fn redact_url(u: &str) -> String {
    match url::Url::parse(u) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("REDACTED"));
            url.to_string()
        }
        _ => u.to_string(),
    }
}

/// nginx's `400 No required SSL certificate was sent`.
pub fn client_cert_required_by_http(probe: &Target<'_>, ev: Ev) -> Finding {
    Finding::new(
        Cause::TlsClientCertRequired,
        Severity::Error,
        Some(probe.settings.signal),
    )
    .at_stage(Stage::Tls)
    .text(
        format!(
            "{} requires a client certificate, and none was sent.",
            probe.endpoint.display
        ),
        "The TLS handshake completed, then the server (nginx with `ssl_verify_client on`) \
             answered HTTP 400 `No required SSL certificate was sent`.",
        "Set the client certificate and key (OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE and \
             OTEL_EXPORTER_OTLP_CLIENT_KEY, or `--client-cert`/`--client-key`).",
    )
    .evidence(ev)
}

/// 401/403.
pub fn http_auth_rejected(
    probe: &Target<'_>,
    status: u16,
    www_authenticate: Option<&str>,
    ev: Ev,
) -> Finding {
    let challenge = www_authenticate
        .map(|c| format!(" The server asks for `{c}`."))
        .unwrap_or_default();
    new(probe, Cause::HttpAuthRejected, Severity::Error)
        .text(
            format!(
                "{} rejected the export's credentials ({status} {}).",
                probe.endpoint.display,
                if status == 401 {
                    "Unauthorized"
                } else {
                    "Forbidden"
                }
            ),
            format!("{}.{challenge}", headers_named(probe)),
            "Set the header the receiver expects (usually `authorization=Bearer <token>` or a \
             vendor API key header) in OTEL_EXPORTER_OTLP_HEADERS or `otel.headers`, with values \
             URL-encoded (`Bearer%20<token>` in the variable), and check the token is valid.",
        )
        .evidence(ev)
}

/// 404, with the path analysed and the corrected path tried.
pub fn http_not_found(
    probe: &Target<'_>,
    path: &str,
    problem: &PathProblem,
    tried: &[Tried],
    ev: Ev,
) -> Finding {
    // A signal path problem only when the corrected path worked, else `http_not_found` (the
    // path may be right and the route missing).
    let verified = tried.iter().any(|t| t.worked);
    let cause = match problem {
        PathProblem::Missing { .. } if verified => Cause::SignalPathMissing,
        PathProblem::Duplicated { .. } if verified => Cause::SignalPathDuplicated,
        _ => Cause::HttpNotFound,
    };
    let source = endpoint_where(probe);
    // The endpoint value that sends exports to `corrected`.
    let set_path = |corrected: &str| {
        let value = endpoint_value(probe, scheme(probe), probe.endpoint.port, Some(corrected));
        set_endpoint(probe, &value)
    };
    let (summary, why, fix) = match problem {
        PathProblem::Missing { corrected } => (
            format!(
                "The export URL path `{path}` lacks `{}`.",
                probe.settings.signal.http_path()
            ),
            "A signal-specific endpoint (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT and the like) or an \
             endpoint set in code is used as-is: nothing appends the signal path to it."
                .to_string(),
            format!(
                "Use the path `{corrected}`: {}, or move the base URL to the generic \
                 OTEL_EXPORTER_OTLP_ENDPOINT, which gets `/v1/<signal>` appended.",
                set_path(corrected)
            ),
        ),
        PathProblem::Duplicated { corrected } => (
            format!(
                "The export URL path `{path}` repeats `{}`.",
                probe.settings.signal.http_path()
            ),
            "The generic OTEL_EXPORTER_OTLP_ENDPOINT gets `/v1/<signal>` appended, so a value \
             that already ends in it is doubled."
                .to_string(),
            format!(
                "Use the path `{corrected}`: remove `{}` from the endpoint ({}).",
                probe.settings.signal.http_path(),
                set_path(corrected)
            ),
        ),
        PathProblem::OtherSignal { corrected } => (
            format!(
                "The {} export goes to `{path}`, another signal's route.",
                probe.settings.signal
            ),
            "Each signal has its own route; this endpoint was probably copied from another \
             signal's setting."
                .to_string(),
            format!("Use the path `{corrected}`: {}.", set_path(corrected)),
        ),
        PathProblem::LooksRight => (
            format!(
                "{} has no OTLP route at `{path}` (404).",
                probe.endpoint.display
            ),
            "The path is what OTLP expects, so the receiver has no pipeline for this signal, is \
             not an OpenTelemetry receiver, or sits behind a proxy that needs a path prefix."
                .to_string(),
            format!(
                "Enable a {} pipeline with an OTLP receiver in the collector, or find the \
                 receiver's real URL (a proxy prefix) and set it in the endpoint ({source}).",
                probe.settings.signal
            ),
        ),
    };
    let f = new(probe, cause, Severity::Error).text(
        summary,
        format!("The receiver answered 404 Not Found to POST `{path}`. {why}"),
        fix,
    );
    finish(f, tried, ev)
}

/// 405.
pub fn http_method_not_allowed(probe: &Target<'_>, allow: Option<&str>, ev: Ev) -> Finding {
    new(probe, Cause::HttpMethodNotAllowed, Severity::Error)
        .text(
            format!("{} does not accept POST (405).", probe.endpoint.display),
            format!(
                "OTLP/HTTP exports are POSTs; this route allows {}. It is not an OTLP export \
                 route (a UI or query API, or a read-only proxy rule).",
                allow
                    .map(|a| format!("only `{a}`"))
                    .unwrap_or_else(|| "other methods".into())
            ),
            format!(
                "Point the endpoint at the collector's OTLP/HTTP receiver (port 4318, path \
                 `{}`): {}.",
                probe.settings.signal.http_path(),
                otlp_http_endpoint(probe)
            ),
        )
        .evidence(ev)
}

/// 413, or the Go collector's 400 `http: request body too large`.
pub fn http_payload_too_large(
    probe: &Target<'_>,
    status: u16,
    message: Option<&PeerText>,
    ev: Ev,
) -> Finding {
    new(probe, Cause::HttpPayloadTooLarge, Severity::Error)
        .text(
            format!(
                "{} rejects even an empty export as too large ({status}).",
                probe.endpoint.display
            ),
            format!(
                "A proxy or receiver in front has a body limit that an empty request already \
                 exceeds{}; real batches will be dropped as permanent failures.",
                message.map(|m| format!(" ({m})")).unwrap_or_default()
            ),
            "Raise the body limit of the proxy or receiver (nginx `client_max_body_size`, the \
             collector's `max_request_body_size`), or lower the exporter's batch size.",
        )
        .evidence(ev)
}

/// The receiver cannot decompress gzip.
pub fn compression_unsupported(probe: &Target<'_>, tried: &[Tried], ev: Ev) -> Finding {
    let f = new(probe, Cause::CompressionUnsupported, Severity::Error).text(
        format!(
            "{} refuses gzip-compressed exports.",
            probe.endpoint.display
        ),
        "The export was sent with gzip compression, as configured, and the receiver rejected \
         its encoding (HTTP 415, or gRPC UNIMPLEMENTED naming the encoding). An OpenTelemetry \
         collector answers 400 `unsupported Content-Encoding` when gzip is left out of its \
         receiver's `compression_algorithms`.",
        format!(
            "Turn compression off: {}.",
            set_setting(
                &probe.settings.compression.source,
                "OTEL_EXPORTER_OTLP_COMPRESSION",
                "compression",
                "none"
            )
        ),
    );
    finish(f, tried, ev)
}

/// 415.
pub fn http_unsupported_media_type(
    probe: &Target<'_>,
    status: u16,
    message: Option<&PeerText>,
    tried: &[Tried],
    ev: Ev,
) -> Finding {
    let other = tried.first().and_then(|t| match t.change {
        Change::Http(p) => Some(p),
        _ => None,
    });
    let f = new(probe, Cause::HttpUnsupportedMediaType, Severity::Error).text(
        format!(
            "{} does not accept {} exports ({status}).",
            probe.endpoint.display, probe.settings.protocol.value
        ),
        format!(
            "The receiver rejected the content-type that protocol {} sends{}.",
            probe.settings.protocol.value,
            message.map(|m| format!(": {m}")).unwrap_or_default()
        ),
        match other {
            Some(p) => format!("Set the protocol to `{p}`: {}.", set_protocol(probe, p)),
            None => format!(
                "Set the protocol to the one the receiver supports: {} or {}.",
                set_protocol(probe, crate::config::Protocol::HttpProtobuf),
                set_protocol(probe, crate::config::Protocol::HttpJson)
            ),
        },
    );
    finish(f, tried, ev)
}

/// A status no OTLP receiver gives to a valid empty export (e.g. 400, 406, 422).
pub fn http_unexpected_status(
    probe: &Target<'_>,
    status: u16,
    message: Option<&PeerText>,
    ev: Ev,
) -> Finding {
    new(probe, Cause::NotOtlpEndpoint, Severity::Error)
        .text(
            format!(
                "{} rejected a valid empty export with {status}.",
                probe.endpoint.display
            ),
            format!(
                "An OTLP receiver accepts an empty export request; this one answered {status}{}, \
                 so it is not an OTLP receiver or expects something else at this URL.",
                message.map(|m| format!(" ({m})")).unwrap_or_default()
            ),
            format!(
                "Check that the endpoint ({}) is the collector's OTLP/HTTP receiver; for a \
                 collector on its default port: {}.",
                endpoint_where(probe),
                otlp_http_endpoint(probe)
            ),
        )
        .evidence(ev)
}

/// The endpoint setting for an OTLP/HTTP receiver on the default port of this host.
fn otlp_http_endpoint(probe: &Target<'_>) -> String {
    let path = probe.settings.signal.http_path();
    let value = endpoint_value(probe, scheme(probe), 4318, Some(path));
    set_endpoint(probe, &value)
}
