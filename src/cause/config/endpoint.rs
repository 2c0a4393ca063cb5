//! Wording of endpoint findings: invalid URL, missing scheme, paths, protocol/port.

use super::{set_to, where_};
use crate::cause::{Cause, Finding, Severity};
use crate::config::endpoint::EndpointError;
use crate::config::{Protocol, Signal, Source};
use serde_json::json;
pub fn endpoint_invalid(
    signal: Signal,
    source: &Source,
    display: &str,
    error: &EndpointError,
) -> Finding {
    let why = match error {
        EndpointError::Whitespace => "it contains whitespace (a pasted line break or a space)".to_owned(),
        EndpointError::BadPort => "its port is not a number from 1 to 65535 (a doubled `:port` such as `host:4317:4317` is a common cause)".to_owned(),
        EndpointError::NoHost => "it has no host name after the scheme".to_owned(),
        EndpointError::UnknownScheme(s) => format!("its scheme `{s}` is not one of http, https, grpc, grpcs (no SDK takes it)"),
        EndpointError::UnixSocket => "it names a Unix domain socket (`unix://`), which the runner's exporter does not support: it connects over TCP only".to_owned(),
        EndpointError::MalformedScheme => "its scheme is not followed by `//` (write `http://host:port`)".to_owned(),
        EndpointError::Syntax(e) => format!("it is not a valid URL ({e})"),
    };
    let example = match error {
        // `tcp://host:4317` is usually meant as gRPC: keep its host and port.
        EndpointError::UnknownScheme(_) => {
            let rest = display.split_once("://").map_or(display, |(_, r)| r);
            format!("https://{}", rest.trim_end_matches('/'))
        }
        _ => format!("http://collector:{}", 4318),
    };
    let grpc_too = match error {
        EndpointError::UnknownScheme(_) => {
            " (`http://` if the collector listens in plaintext), with the protocol `grpc` for a \
             collector's gRPC port (OTEL_EXPORTER_OTLP_PROTOCOL=grpc, `protocol` in the [otel] \
             table)"
        }
        EndpointError::UnixSocket => " (the collector's TCP port)",
        _ => "",
    };
    Finding::new(Cause::EndpointInvalid, Severity::Error, Some(signal))
        .text(
            format!(
                "The endpoint `{display}` from {} is not a valid URL",
                where_(source)
            ),
            format!(
                "The endpoint cannot be parsed because {why}. No connection is ever attempted: \
                 SDKs fail with messages like `too many colons in address` or `unknown port`."
            ),
            format!(
                "Set {} to a URL of the form scheme://host:port, e.g. {}{grpc_too}.",
                where_(source),
                set_to(source, &example, "OTEL_EXPORTER_OTLP_ENDPOINT")
            ),
        )
        .evidence(json!({ "setting": source, "endpoint": display }))
}

pub fn endpoint_missing_scheme(
    signal: Signal,
    source: &Source,
    display: &str,
    protocol: Protocol,
    tls: bool,
) -> Finding {
    let (severity, what, scheme) = if protocol == Protocol::Grpc {
        let what = if tls {
            "For gRPC, tonic (the runner's client) and the Go SDK treat an endpoint without a \
             scheme as `https`: the runner will use TLS. If the collector listens in plaintext \
             (the default for port 4317), the handshake fails."
        } else {
            "For gRPC, the runner uses plaintext here because insecure is set; other SDKs \
             reading the same value may use TLS or reject it."
        };
        (Severity::Warning, what, if tls { "https" } else { "http" })
    } else {
        (
            Severity::Error,
            "HTTP exporters need a full URL: Python fails with `No connection adapters were \
             found`, Go with `first path segment in URL cannot contain colon`.",
            "http",
        )
    };
    let fixed = format!("{scheme}://{display}");
    Finding::new(Cause::EndpointMissingScheme, severity, Some(signal))
        .text(
            format!(
                "The endpoint `{display}` from {} has no scheme",
                where_(source)
            ),
            format!("The specification requires a URL with a scheme. {what}"),
            format!(
                "Write the scheme explicitly: {} (use https:// only if the collector serves TLS).",
                set_to(source, &fixed, "OTEL_EXPORTER_OTLP_ENDPOINT")
            ),
        )
        .evidence(json!({ "setting": source, "endpoint": display, "protocol": protocol }))
}

pub fn grpc_endpoint_has_path(
    signal: Signal,
    source: &Source,
    display: &str,
    path: &str,
) -> Finding {
    let trimmed = display.strip_suffix(path).unwrap_or(display);
    Finding::new(Cause::GrpcEndpointHasPath, Severity::Warning, Some(signal))
        .text(
            format!("The gRPC endpoint `{display}` has a path (`{path}`)"),
            "gRPC sends every export to the fixed method path \
             `/opentelemetry.proto.collector.<signal>.v1.<Service>/Export`: the runner's client \
             ignores an endpoint path, and Go's fails with `unknown port` or `too many colons`. A \
             path such as /v1/traces usually means an OTLP/HTTP URL was given to a gRPC exporter."
                .to_string(),
            format!(
                "Remove the path: {}; or, if this is an OTLP/HTTP URL, set the protocol to \
                 http/protobuf (`OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf`) and use port 4318.",
                set_to(source, trimmed, "OTEL_EXPORTER_OTLP_ENDPOINT")
            ),
        )
        .evidence(json!({ "setting": source, "endpoint": display, "path": path }))
}

pub fn signal_path_missing(signal: Signal, source: &Source, display: &str, path: &str) -> Finding {
    let bare = path == "/" || path.is_empty();
    let fixed = format!("{}{}", display.trim_end_matches('/'), signal.http_path());
    let fixed = if bare {
        fixed
    } else {
        format!(
            "{}{}",
            display
                .strip_suffix(path)
                .unwrap_or(display)
                .trim_end_matches('/'),
            signal.http_path()
        )
    };
    Finding::new(
        Cause::SignalPathMissing,
        if bare { Severity::Error } else { Severity::Warning },
        Some(signal),
    )
    .text(
        format!("The {signal} endpoint `{display}` from {} does not end in `{}`", where_(source), signal.http_path()),
        format!(
            "A signal-specific endpoint is used exactly as written: nothing is appended. The \
             exporter will POST to `{path}`, where a collector answers 404 (`404 page not found`); \
             OTLP/HTTP receivers listen on `{}`.{}",
            signal.http_path(),
            if bare { "" } else { " A vendor with a custom path may be fine; check its documentation." }
        ),
        format!(
            "Set {}, or put the base URL in the generic `OTEL_EXPORTER_OTLP_ENDPOINT` (which gets `{}` appended).",
            set_to(source, &fixed, ""),
            signal.http_path()
        ),
    )
    .evidence(json!({ "setting": source, "endpoint": display, "path": path }))
}

pub fn signal_path_duplicated(
    signal: Signal,
    source: &Source,
    display: &str,
    url: &str,
) -> Finding {
    let base = display
        .trim_end_matches('/')
        .rsplit_once("/v1/")
        .map(|(b, _)| b)
        .unwrap_or(display);
    Finding::new(Cause::SignalPathDuplicated, Severity::Error, Some(signal))
        .text(
            format!(
                "The generic endpoint `{display}` from {} already ends in a signal path, so {signal} go to `{url}`",
                where_(source)
            ),
            format!(
                "The specification appends `{}` to the generic endpoint. With the path already in it, \
                 the exporter posts to a path the collector does not serve and gets 404 \
                 (Ruby: `received http.code=404 for uri: '/v1/v1/traces'`).",
                signal.http_path()
            ),
            format!(
                "Remove the path from the generic endpoint: {}; or keep the full URL and move it to \
                 the signal-specific `OTEL_EXPORTER_OTLP_{}_ENDPOINT` (used as-is).",
                set_to(source, base, "OTEL_EXPORTER_OTLP_ENDPOINT"),
                signal.env_infix()
            ),
        )
        .evidence(json!({ "setting": source, "endpoint": display, "url": url }))
}

pub fn protocol_port_mismatch(
    signal: Signal,
    protocol: Protocol,
    protocol_source: &Source,
    port: u16,
    endpoint_source: &Source,
) -> Finding {
    let other = if protocol == Protocol::Grpc {
        "http/protobuf"
    } else {
        "grpc"
    };
    let symptom = if protocol == Protocol::Grpc {
        "gRPC to an OTLP/HTTP port fails with `http2: frame too large` (Go) or `FRAME_SIZE_ERROR` (Java, tonic)"
    } else {
        "HTTP to a gRPC port fails with `malformed HTTP response \"\\x00\\x00\\x06\\x04...\"` (Go) or a connection reset"
    };
    Finding::new(Cause::ProtocolPortMismatch, Severity::Warning, Some(signal))
        .text(
            format!(
                "Protocol {protocol} (from {}) but port {port} (from {}) is the collector's default {other} port",
                where_(protocol_source),
                where_(endpoint_source)
            ),
            format!(
                "The collector listens for OTLP/gRPC on 4317 and OTLP/HTTP on 4318. This is a static \
                 suspicion: the network stages check what the port really speaks. Typically, {symptom}."
            ),
            format!(
                "Either set the protocol to match the port ({}), or point the endpoint at port {}.",
                set_to(protocol_source, other, "OTEL_EXPORTER_OTLP_PROTOCOL"),
                protocol.default_port()
            ),
        )
        .evidence(json!({ "protocol": protocol, "port": port }))
}
