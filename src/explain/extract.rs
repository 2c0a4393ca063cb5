//! What an error line says about where it went: URL, host and port, HTTP status, the client
//! that printed it, and from those the exact `runner doctor otel` command that settles it.

use crate::cause::{Cause, Stage};
use serde::Serialize;

/// The facts read from a line; every field is optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Context {
    /// A URL quoted in the line (`http://…` or `https://…`), without credentials.
    pub url: Option<String>,
    pub host: Option<String>,
    pub port: Option<u16>,
    /// An HTTP status named in the line.
    pub status: Option<u16>,
    /// Which client printed it, when its wording gives it away.
    pub client: Option<&'static str>,
    /// The line is about a gRPC call.
    pub grpc: bool,
}

/// Longest text looked at: a line is cut before extraction.
const MAX_SCAN: usize = 8192;

/// Reads the line's facts.
pub fn context(text: &str) -> Context {
    let text = super::cut(text, MAX_SCAN).0;
    let lower = text.to_ascii_lowercase();
    let url = first_url(text);
    let (host, port) = match url.as_deref().and_then(url_host_port) {
        Some((h, p)) => (Some(h), p),
        None => match host_port(text) {
            Some((h, p)) => (Some(h), Some(p)),
            None => (None, None),
        },
    };
    Context {
        url,
        host,
        port,
        status: status(&lower),
        client: client(&lower),
        grpc: is_grpc(&lower),
    }
}

const CLIENTS: &[(&str, &str)] = &[
    ("curl: (", "curl"),
    ("s_client", "openssl"),
    ("otlpexportererror", "node"),
    ("@grpc/grpc-js", "node"),
    ("econnrefused", "node"),
    ("enotfound", "node"),
    ("rpc error: code =", "go"),
    ("dial tcp", "go"),
    ("x509:", "go"),
    ("post \"http", "go"),
    ("exporting failed.", "collector"),
    ("exporterhelper", "collector"),
    ("statuscode.", "python"),
    ("errno", "python"),
    ("httpconnectionpool", "python"),
    ("httpsconnectionpool", "python"),
    ("transient error", "python"),
    ("failed to export spans batch", "python"),
    ("javax.net", "java"),
    ("io.grpc.", "java"),
    ("io.netty", "java"),
    ("okhttp", "java"),
    ("java.", "java"),
    ("system.net", ".net"),
    ("grpc.core", ".net"),
    ("httprequestexception", ".net"),
    ("tonic", "rust"),
    ("hyper", "rust"),
    ("rustls", "rust"),
];

fn client(lower: &str) -> Option<&'static str> {
    CLIENTS
        .iter()
        .find(|(needle, _)| lower.contains(needle))
        .map(|(_, c)| *c)
}

fn is_grpc(lower: &str) -> bool {
    [
        "rpc error",
        "grpc",
        "unavailable:",
        "14 unavailable",
        "unimplemented",
        "unauthenticated",
        "statuscode.",
        "status(stat",
        "deadline_exceeded",
        "http2",
        "server preface",
    ]
    .iter()
    .any(|n| lower.contains(n))
}

/// The first `http://` or `https://` URL, cut at white space or quoting punctuation.
fn first_url(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let start = ["https://", "http://"]
        .iter()
        .filter_map(|s| lower.find(s))
        .min()?;
    let rest = &text[start..];
    let end = rest
        .find(|c: char| {
            c.is_whitespace()
                || matches!(
                    c,
                    '"' | '\'' | ')' | ',' | ';' | '>' | '<' | '`' | ']' | '\\'
                )
        })
        .unwrap_or(rest.len());
    let url = rest[..end].trim_end_matches([':', '.']);
    Some(crate::redact::redact_url(url))
}

fn url_host_port(url: &str) -> Option<(String, Option<u16>)> {
    let parsed = url::Url::parse(url).ok()?;
    let host = parsed.host_str()?.trim_matches(['[', ']']).to_string();
    Some((host, parsed.port_or_known_default()))
}

/// `host:port` (or `[v6]:port`) forms, curl's `HOST port N`, OkHttp's `name/ip:port`,
/// urllib3's `host='h', port=N`.
fn host_port(text: &str) -> Option<(String, u16)> {
    if let Some(i) = text.find("host='") {
        let rest = &text[i + 6..];
        let host = rest.split('\'').next()?;
        let port = rest.find("port=").and_then(|j| digits(&rest[j + 5..]));
        if let Some(p) = port {
            return Some((host.to_string(), p));
        }
    }
    if let Some(i) = text.find(" port ") {
        let host = text[..i].rsplit(' ').next().unwrap_or("");
        if let Some(p) = digits(&text[i + 6..]) {
            if plausible_host(host) {
                return Some((host.to_string(), p));
            }
        }
    }
    for token in text.split(|c: char| {
        c.is_whitespace() || matches!(c, '"' | '\'' | '(' | ')' | ',' | '=' | '\\')
    }) {
        let token = token.trim_end_matches([':', '.', ';']);
        let Some(colon) = token.rfind(':') else {
            continue;
        };
        let Some(port) = digits(&token[colon + 1..])
            .filter(|_| token[colon + 1..].bytes().all(|b| b.is_ascii_digit()))
        else {
            continue;
        };
        let host = &token[..colon];
        let host = host.rsplit('/').next().unwrap_or(host);
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if plausible_host(host) || host.parse::<std::net::Ipv6Addr>().is_ok() {
            return Some((host.to_string(), port));
        }
    }
    None
}

/// Source files in stack traces (`ssl3_record.c:350`, `call.js:32`) look like `host:port`.
const SOURCE_EXTENSIONS: &[&str] = &[
    "c", "cc", "cpp", "h", "go", "rs", "py", "js", "mjs", "ts", "java", "kt", "rb", "cs", "scala",
];

fn plausible_host(h: &str) -> bool {
    if h == "localhost" || h.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    let tld = h.rsplit('.').next().unwrap_or("");
    !h.is_empty()
        && h.len() <= 253
        && h.contains('.')
        && h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && tld.len() >= 2
        && tld.bytes().all(|b| b.is_ascii_alphabetic())
        && !SOURCE_EXTENSIONS.contains(&tld)
}

fn digits(s: &str) -> Option<u16> {
    let d: String = s.chars().take_while(char::is_ascii_digit).collect();
    d.parse().ok().filter(|p| *p > 0)
}

/// An HTTP status the line names: `status code 404`, `code: 401`, `returned error: 502`,
/// `: 401 Unauthorized`, `HTTP/1.1 503`, `(404 Not Found)`.
fn status(lower: &str) -> Option<u16> {
    const BEFORE: &[&str] = &[
        "status code ",
        "status code: ",
        "status: ",
        "status=",
        "code: ",
        "http.code=",
        "returned error: ",
        "http/1.1 ",
        "http/1.0 ",
        "http/2 ",
        "error (",
        "statuscode: ",
        "response code: ",
    ];
    for b in BEFORE {
        let mut pos = 0;
        while let Some(i) = lower[pos..].find(b) {
            let at = pos + i + b.len();
            if let Some(s) = status_at(&lower[at..]) {
                return Some(s);
            }
            pos = at;
        }
    }
    const REASONS: &[&str] = &[
        " bad gateway",
        " unauthorized",
        " forbidden",
        " not found",
        " moved permanently",
        " found",
        " service unavailable",
        " gateway timeout",
        " too many requests",
        " payload too large",
        " request entity too large",
        " unsupported media type",
        " internal server error",
        " bad request",
        " method not allowed",
        " temporary redirect",
        " permanent redirect",
    ];
    for r in REASONS {
        if let Some(i) = lower.find(r) {
            let before = lower[..i].trim_end();
            if let Some(tail) = before.get(before.len().saturating_sub(3)..) {
                if let Some(s) = status_at(tail) {
                    let ok =
                        before.len() == 3 || !before.as_bytes()[before.len() - 4].is_ascii_digit();
                    if ok {
                        return Some(s);
                    }
                }
            }
        }
    }
    None
}

fn status_at(s: &str) -> Option<u16> {
    let b = s.as_bytes();
    if b.len() >= 3
        && b[..3].iter().all(u8::is_ascii_digit)
        && b.get(3).is_none_or(|c| !c.is_ascii_digit())
        && (b'1'..=b'5').contains(&b[0])
    {
        s[..3].parse().ok()
    } else {
        None
    }
}

/// The exact doctor command for this line and its best cause.
pub fn settle_command(ctx: &Context, best: Option<Cause>) -> String {
    let mut cmd = String::from("runner doctor otel");
    if let Some(endpoint) = endpoint(ctx, best) {
        cmd.push_str(" --endpoint ");
        cmd.push_str(&endpoint);
    }
    if let Some(p) = protocol(ctx, best) {
        cmd.push_str(" --protocol ");
        cmd.push_str(p);
    }
    if best.is_some_and(|c| c.stage() == Stage::Backend) {
        cmd.push_str(" --backend jaeger --backend-url URL");
    }
    cmd
}

/// The endpoint the doctor should test: the URL's base (its path kept when it is not the signal
/// path the SDK appends), or `scheme://host:port` built from the line.
pub fn endpoint(ctx: &Context, best: Option<Cause>) -> Option<String> {
    if let Some(url) = &ctx.url {
        if let Ok(mut u) = url::Url::parse(url) {
            let path = u.path().to_string();
            let grpc = protocol(ctx, best) == Some("grpc");
            if grpc
                || matches!(
                    path.as_str(),
                    "/v1/traces" | "/v1/metrics" | "/v1/logs" | "/"
                )
            {
                u.set_path("");
            }
            u.set_query(None);
            u.set_fragment(None);
            return Some(u.as_str().trim_end_matches('/').to_string());
        }
    }
    let host = ctx.host.as_deref()?;
    let port = ctx.port?;
    let tls = match best {
        Some(Cause::TlsToPlaintext) => true,
        Some(Cause::PlaintextToTls) => false,
        Some(c) if c.stage() == Stage::Tls => true,
        _ => false,
    };
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    Some(format!(
        "{}://{host}:{port}",
        if tls { "https" } else { "http" }
    ))
}

fn protocol(ctx: &Context, best: Option<Cause>) -> Option<&'static str> {
    let grpc_cause = best.is_some_and(|c| {
        matches!(
            c,
            Cause::GrpcToHttpPort
                | Cause::GrpcUnavailable
                | Cause::GrpcUnauthenticated
                | Cause::GrpcUnimplemented
                | Cause::GrpcNonGrpcResponse
                | Cause::GrpcResourceExhausted
                | Cause::GrpcEndpointHasPath
        )
    });
    let http_cause = best.is_some_and(|c| {
        matches!(
            c,
            Cause::HttpToGrpcPort | Cause::SignalPathMissing | Cause::SignalPathDuplicated
        ) || c.code().starts_with("http_")
    });
    let path_is_signal = ctx.url.as_deref().is_some_and(|u| u.contains("/v1/"));
    if grpc_cause || (ctx.grpc && !http_cause && !path_is_signal) {
        Some("grpc")
    } else if http_cause || path_is_signal || ctx.port == Some(4318) {
        Some("http/protobuf")
    } else if ctx.port == Some(4317) {
        Some("grpc")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_urls_ports_statuses_and_clients() {
        let c = context("curl: (7) Failed to connect to 127.0.0.1 port 4318 after 0 ms: Couldn't connect to server");
        assert_eq!(
            (c.host.as_deref(), c.port, c.client),
            (Some("127.0.0.1"), Some(4318), Some("curl"))
        );
        let c = context("Failed to connect to localhost/127.0.0.1:4318");
        assert_eq!((c.host.as_deref(), c.port), (Some("127.0.0.1"), Some(4318)));
        let c = context("failed to send to http://127.0.0.1:4318/: 404 Not Found");
        assert_eq!(c.status, Some(404));
        assert_eq!(
            settle_command(&c, Some(Cause::SignalPathMissing)),
            "runner doctor otel --endpoint http://127.0.0.1:4318 --protocol http/protobuf"
        );
        let c = context("rpc error: code = Unavailable desc = connection error: desc = \"transport: Error while dialing dial tcp 127.0.0.1:4317: connect: connection refused\"");
        assert_eq!(
            settle_command(&c, Some(Cause::TcpRefused)),
            "runner doctor otel --endpoint http://127.0.0.1:4317 --protocol grpc"
        );
        let c = context("HTTPConnectionPool(host='localhost', port=4318): Max retries exceeded");
        assert_eq!((c.host.as_deref(), c.port), (Some("localhost"), Some(4318)));
        let c = context("Failed to export spans batch code: 401, reason: Unauthorized");
        assert_eq!(c.status, Some(401));
        let c = context("2024-01-01T12:00:00Z error at 12:00:01");
        assert_eq!(c.host, None);
        let c = context("error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../ssl/record/ssl3_record.c:350:");
        assert_eq!(c.host, None);
        let c = context("at callErrorFromStatus (/x/grpc-js/build/src/call.js:32:19) for collector.invalid:4317");
        assert_eq!(
            (c.host.as_deref(), c.port),
            (Some("collector.invalid"), Some(4317))
        );
        let c = context("OTLPExporterError: Moved Permanently");
        assert_eq!(c.status, None);
        let c = context("x509: certificate signed by unknown authority (dial tcp [::1]:4317)");
        assert_eq!(
            settle_command(&c, Some(Cause::TlsUnknownCa)),
            "runner doctor otel --endpoint https://[::1]:4317 --protocol grpc"
        );
    }
}
