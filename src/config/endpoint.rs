//! Endpoint strings: redaction of URL passwords, parsing into `Endpoint`, and the spec's
//! `/v1/<signal>` rules for the URL an exporter actually sends to.

use super::settings::{Endpoint, Protocol, Signal, SignalSettings};
use crate::redact::Secret;

/// Why an endpoint string is not a usable URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EndpointError {
    /// Whitespace inside the string (often a pasted line break or a space before the port).
    Whitespace,
    /// The port is not a number from 1 to 65535 (also `host:4317:4317`).
    BadPort,
    /// No host after the scheme.
    NoHost,
    /// A scheme other than http, https, grpc, grpcs (`tcp://`: no SDK takes it).
    UnknownScheme(String),
    /// `unix://`: a Unix domain socket, which the runner's exporter does not connect to.
    UnixSocket,
    /// `http:/host` and similar: the scheme is not followed by `//`.
    MalformedScheme,
    /// Any other URL syntax error, described by the URL parser's typed error.
    Syntax(String),
}

/// Splits the password out of `scheme://user:password@host...`: returns the display form (the
/// password and key-like query parameters replaced by the redacted marker) and the password. Works on unparsable strings too,
/// so a password is redacted even when the rest of the URL is broken.
pub fn redact_userinfo(raw: &str) -> (String, Option<Secret>) {
    // The display form also hides key-like query parameters (`?api_key=...`).
    let display = crate::redact::redact_url(raw);
    let Some(start) = raw.find("://").map(|i| i + 3) else {
        return (display, None);
    };
    let rest = &raw[start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return (display, None);
    };
    let userinfo = &authority[..at];
    let Some(colon) = userinfo.find(':') else {
        return (display, None);
    };
    (display, Some(Secret::new(&userinfo[colon + 1..])))
}

/// Parses an endpoint. A string without `://` is parsed as `host:port[/path]` and returned
/// with an empty `scheme`: the config stage reports it (`endpoint_missing_scheme`). For gRPC,
/// such an endpoint uses TLS unless `insecure` is set, as tonic and the Go SDK do.
pub fn parse(raw: &str, protocol: Protocol, insecure: bool) -> Result<Endpoint, EndpointError> {
    let raw = raw.trim();
    if raw.chars().any(char::is_whitespace) {
        return Err(EndpointError::Whitespace);
    }
    let (display, password) = redact_userinfo(raw);
    let (scheme, with_scheme) = match raw.find("://") {
        Some(i) => (raw[..i].to_ascii_lowercase(), raw.to_owned()),
        None => {
            let lower = raw.to_ascii_lowercase();
            if ["http:", "https:", "grpc:", "grpcs:"].iter().any(|s| {
                lower.starts_with(s) && !lower[s.len()..].starts_with(|c: char| c.is_ascii_digit())
            }) {
                return Err(EndpointError::MalformedScheme);
            }
            (String::new(), format!("http://{raw}"))
        }
    };
    if scheme == "unix" {
        return Err(EndpointError::UnixSocket);
    }
    if !["", "http", "https", "grpc", "grpcs"].contains(&scheme.as_str()) {
        return Err(EndpointError::UnknownScheme(scheme));
    }
    let url = url::Url::parse(&with_scheme).map_err(|e| match e {
        url::ParseError::InvalidPort => EndpointError::BadPort,
        url::ParseError::EmptyHost => EndpointError::NoHost,
        other => EndpointError::Syntax(other.to_string()),
    })?;
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or(EndpointError::NoHost)?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let tls = match scheme.as_str() {
        "https" | "grpcs" => true,
        "" => protocol == Protocol::Grpc && !insecure,
        _ => false,
    };
    // URL semantics: without a port, http/grpc mean 80 and https/grpcs 443 (what the exporter
    // dials after mapping grpc -> http and grpcs -> https).
    let port = url.port().unwrap_or(if tls { 443 } else { 80 });
    if port == 0 {
        return Err(EndpointError::BadPort);
    }
    let path = match url.path() {
        "" => "/".to_owned(),
        p => p.to_owned(),
    };
    Ok(Endpoint {
        display,
        scheme,
        host,
        port,
        path,
        tls,
        password,
        real: Secret::new(raw),
    })
}

/// The protocol an endpoint's scheme names: GitLab Runner's `grpc://` (plaintext) and
/// `grpcs://` (TLS) mean gRPC (`docs/settings.md`); `http`, `https` and no scheme name none.
pub fn scheme_protocol(raw: &str) -> Option<Protocol> {
    let (scheme, _) = raw.trim().split_once("://")?;
    ["grpc", "grpcs"]
        .contains(&scheme.to_ascii_lowercase().as_str())
        .then_some(Protocol::Grpc)
}

/// The endpoint string with the scheme the exporter dials: `https` when the one TLS decision
/// (`Endpoint.tls`) says TLS, else `http`, whatever was written (`grpcs`, `grpc`, none), so
/// the HTTP exporter and the probes never disagree on TLS or the port.
fn dialled(raw: &str, ep: &Endpoint) -> String {
    let rest = raw.trim().split_once("://").map_or(raw.trim(), |(_, r)| r);
    // Without a port, `parse` resolved 443 for TLS and 80 otherwise: the dialled scheme's
    // own defaults, so the port needs no rewriting.
    let scheme = if ep.tls { "https" } else { "http" };
    format!("{scheme}://{rest}")
}

/// The URL the exporter sends to, from the endpoint string as written (display or real form).
/// HTTP: a generic endpoint gets `/v1/<signal>` appended (one slash between), a signal-specific
/// one is used as-is. gRPC: used as-is (the service path is fixed by the protocol).
pub fn signal_url(base: &str, protocol: Protocol, signal: Signal, specific: bool) -> String {
    if protocol.is_http() && !specific {
        // The signal path goes at the end of the path, before any `?query` or `#fragment`.
        let base = base.trim();
        let split = base
            .find("://")
            .map(|i| i + 3)
            .and_then(|start| base[start..].find(['?', '#']).map(|j| start + j))
            .unwrap_or(base.len());
        let (head, tail) = base.split_at(split);
        format!("{}{}{tail}", head.trim_end_matches('/'), signal.http_path())
    } else {
        base.trim().to_owned()
    }
}

/// Whether a source names a signal-specific setting (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`,
/// `otel.traces_endpoint`), whose value is used as-is.
pub fn is_signal_specific(source: &super::Source) -> bool {
    match source {
        super::Source::Env(v) => ["TRACES_", "METRICS_", "LOGS_"]
            .iter()
            .any(|s| v.starts_with(&format!("OTEL_EXPORTER_OTLP_{s}"))),
        super::Source::Config(k) => {
            k.ends_with("traces_endpoint")
                || k.ends_with("metrics_endpoint")
                || k.ends_with("logs_endpoint")
        }
        _ => false,
    }
}

/// The real URL for one signal, with the password put back: only for the exporter and probes
/// that send to it, never for output.
pub fn real_url(settings: &SignalSettings) -> Option<String> {
    let ep = settings.endpoint.as_ref()?;
    settings.url.as_ref()?;
    Some(signal_url(
        &dialled(ep.real.expose(), ep),
        settings.protocol.value,
        settings.signal,
        is_signal_specific(&settings.endpoint_raw.source),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(raw: &str) -> Result<Endpoint, EndpointError> {
        parse(raw, Protocol::Grpc, false)
    }

    #[test]
    fn schemes_and_default_ports() {
        let e = p("grpc://collector:4317").unwrap();
        assert_eq!((e.scheme.as_str(), e.port, e.tls), ("grpc", 4317, false));
        let e = p("grpcs://collector").unwrap();
        assert_eq!((e.port, e.tls, e.host.as_str()), (443, true, "collector"));
        let e = p("https://collector/").unwrap();
        assert_eq!((e.port, e.tls, e.path.as_str()), (443, true, "/"));
        let e = p("http://[::1]:4318/v1/traces").unwrap();
        assert_eq!((e.host.as_str(), e.port), ("::1", 4318));
        assert_eq!(e.path, "/v1/traces");
    }

    #[test]
    fn missing_scheme_grpc_means_tls_unless_insecure() {
        let e = p("collector:4317").unwrap();
        assert_eq!((e.scheme.as_str(), e.tls, e.port), ("", true, 4317));
        let e = parse("collector:4317", Protocol::Grpc, true).unwrap();
        assert!(!e.tls);
        let e = parse("collector:4318", Protocol::HttpProtobuf, false).unwrap();
        assert!(!e.tls);
    }

    #[test]
    fn invalid_endpoints() {
        assert_eq!(p("http://localhost:4317:4317"), Err(EndpointError::BadPort));
        assert_eq!(p("http://localhost:99999"), Err(EndpointError::BadPort));
        assert_eq!(p("http://localhost :4317"), Err(EndpointError::Whitespace));
        assert_eq!(p("http://"), Err(EndpointError::NoHost));
        assert_eq!(
            p("tcp://localhost:4317"),
            Err(EndpointError::UnknownScheme("tcp".into()))
        );
        assert_eq!(p("http:/localhost"), Err(EndpointError::MalformedScheme));
        assert_eq!(p("unix:///run/otel.sock"), Err(EndpointError::UnixSocket));
    }

    #[test]
    fn query_keys_are_redacted_and_the_signal_path_goes_before_the_query() {
        let e = p("https://collector:4318/otlp?api_key=PLANTED&x=1").unwrap();
        assert!(!e.display.contains("PLANTED"), "{}", e.display);
        assert_eq!(
            e.real.expose(),
            "https://collector:4318/otlp?api_key=PLANTED&x=1"
        );
        assert_eq!(
            signal_url(
                e.real.expose(),
                Protocol::HttpProtobuf,
                Signal::Traces,
                false
            ),
            "https://collector:4318/otlp/v1/traces?api_key=PLANTED&x=1"
        );
    }

    #[test]
    fn password_is_redacted_even_when_unparsable() {
        let (d, pw) = redact_userinfo("https://user:s3cr3t@host:4318/x");
        assert!(
            !d.contains("s3cr3t") && d.starts_with("https://user:<redacted"),
            "{d}"
        );
        assert_eq!(pw.unwrap().expose(), "s3cr3t");
        let e = p("https://user:s3cr3t@host:4318").unwrap();
        assert!(!e.display.contains("s3cr3t"));
        assert_eq!(e.password.unwrap().expose(), "s3cr3t");
        let (d, _) = redact_userinfo("https://user:s3cr3t@host:1:2");
        assert!(!d.contains("s3cr3t"));
        assert_eq!(redact_userinfo("http://host:1").0, "http://host:1");
    }

    #[test]
    fn v1_signal_rules() {
        use Protocol::*;
        let t = Signal::Traces;
        assert_eq!(
            signal_url("http://c:4318", HttpProtobuf, t, false),
            "http://c:4318/v1/traces"
        );
        assert_eq!(
            signal_url("http://c:4318/", HttpProtobuf, t, false),
            "http://c:4318/v1/traces"
        );
        assert_eq!(
            signal_url("http://c:4318/otlp/", HttpJson, Signal::Logs, false),
            "http://c:4318/otlp/v1/logs"
        );
        assert_eq!(
            signal_url("http://c:4318/v1/traces", HttpProtobuf, t, false),
            "http://c:4318/v1/traces/v1/traces"
        );
        assert_eq!(
            signal_url("http://c:4318", HttpProtobuf, t, true),
            "http://c:4318"
        );
        assert_eq!(signal_url("grpc://c:4317", Grpc, t, false), "grpc://c:4317");
    }
}
