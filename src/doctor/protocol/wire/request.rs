//! Request builders (gRPC calls, OTLP/HTTP exports), framing, and body quoting.

use super::{Framing, BODY_LIMIT};
use crate::config::{Compression, Protocol};
use crate::doctor::proxy;
use crate::doctor::Probe;
use bytes::Bytes;
use http::{Request, Version};
use http_body_util::Full;
use std::io::Write;

/// `host:port` of the endpoint at `port`.
pub fn authority(probe: &Probe<'_>, port: u16) -> String {
    format!("{}:{}", proxy::bracket(&probe.endpoint.host), port)
}

fn scheme(probe: &Probe<'_>) -> &'static str {
    if probe.endpoint.tls {
        "https"
    } else {
        "http"
    }
}

/// Adds the configured headers (this is only ever called for the configured host).
fn with_configured_headers(
    mut req: Request<Full<Bytes>>,
    probe: &Probe<'_>,
) -> Request<Full<Bytes>> {
    for (name, value) in crate::config::headers::wire_headers(probe.settings) {
        req.headers_mut().append(name, value);
    }
    req
}

/// gzip of `data`.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = enc.write_all(data);
    enc.finish().unwrap_or_default()
}

/// A gRPC length-prefixed message (compressed with gzip when asked).
pub fn grpc_frame(message: &[u8], gzip_it: bool) -> Bytes {
    let payload = if gzip_it {
        gzip(message)
    } else {
        message.to_vec()
    };
    let mut frame = Vec::with_capacity(5 + payload.len());
    frame.push(u8::from(gzip_it));
    frame.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    frame.extend_from_slice(&payload);
    Bytes::from(frame)
}

/// A unary gRPC call of `path` carrying `message`, with the configured headers.
pub fn grpc_request(
    probe: &Probe<'_>,
    port: u16,
    path: &str,
    message: &[u8],
    gzip_it: bool,
) -> Request<Full<Bytes>> {
    let uri = format!("{}://{}{}", scheme(probe), authority(probe, port), path);
    let mut builder = Request::post(uri)
        .version(Version::HTTP_2)
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .header(
            "user-agent",
            concat!("runner-doctor/", env!("CARGO_PKG_VERSION")),
        )
        .header("grpc-accept-encoding", "gzip");
    if gzip_it {
        builder = builder.header("grpc-encoding", "gzip");
    }
    let req = builder
        .body(Full::new(grpc_frame(message, gzip_it)))
        .unwrap_or_else(|_| Request::new(Full::new(Bytes::new())));
    with_configured_headers(req, probe)
}

/// The empty export body for an HTTP protocol: nothing for protobuf, `{}` for JSON.
pub fn empty_export_body(protocol: Protocol) -> (&'static str, &'static [u8]) {
    match protocol {
        Protocol::HttpJson => ("application/json", b"{}"),
        _ => ("application/x-protobuf", b""),
    }
}

/// An empty OTLP/HTTP export POST to `path_and_query` at `port`, with the configured headers.
pub fn http_request(
    probe: &Probe<'_>,
    framing: Framing,
    port: u16,
    path_and_query: &str,
    protocol: Protocol,
    compression: Compression,
) -> Request<Full<Bytes>> {
    let authority = authority(probe, port);
    let uri = if framing.h2 || framing.absolute_form {
        format!("{}://{}{}", scheme(probe), authority, path_and_query)
    } else {
        path_and_query.to_string()
    };
    let (content_type, body) = empty_export_body(protocol);
    let mut builder = Request::post(uri)
        .header("content-type", content_type)
        .header(
            "user-agent",
            concat!("runner-doctor/", env!("CARGO_PKG_VERSION")),
        );
    if framing.h2 {
        builder = builder.version(Version::HTTP_2);
    } else {
        builder = builder.header("host", authority);
    }
    let body = if compression == Compression::Gzip {
        builder = builder.header("content-encoding", "gzip");
        gzip(body)
    } else {
        body.to_vec()
    };
    let req = builder
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_else(|_| Request::new(Full::new(Bytes::new())));
    with_configured_headers(req, probe)
}

/// The path and query of the effective URL (`/` when it has none).
pub fn url_path(probe: &Probe<'_>) -> String {
    // The real URL (query keys included): this is the request sent to the configured peer.
    let from_url = crate::config::endpoint::real_url(probe.settings)
        .and_then(|u| url::Url::parse(&u).ok())
        .map(|u| match u.query() {
            Some(q) => format!("{}?{}", u.path(), q),
            None => u.path().to_string(),
        });
    from_url.unwrap_or_else(|| {
        if probe.endpoint.path.is_empty() {
            "/".to_string()
        } else {
            probe.endpoint.path.clone()
        }
    })
}

/// Quotes a body for evidence: a `PeerText` of at most 500 characters (8 Ki when verbose),
/// control characters escaped.
pub fn quote(body: &[u8], verbose: bool) -> crate::facts::peer_text::PeerText {
    let limit = if verbose { 8 * 1024 } else { 500 };
    crate::facts::peer_text::PeerText::with_limit(body, limit)
}

/// The OTLP/gRPC export method of a signal.
pub fn export_path(signal: crate::config::Signal) -> &'static str {
    use crate::config::Signal;
    match signal {
        Signal::Traces => "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
        Signal::Metrics => "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
        Signal::Logs => "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
    }
}

/// The message inside a gRPC length-prefixed frame (gunzipped when flagged), at most
/// `BODY_LIMIT` bytes. `None` when the frame is incomplete or does not decompress.
pub fn grpc_message(body: &[u8]) -> Option<Vec<u8>> {
    let (&flag, rest) = body.split_first()?;
    let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
    let payload = rest.get(4..4 + len)?;
    if flag == 0 {
        return Some(payload.to_vec());
    }
    let mut out = Vec::new();
    let decoder = flate2::read::GzDecoder::new(payload);
    std::io::Read::read_to_end(
        &mut std::io::Read::take(decoder, BODY_LIMIT as u64),
        &mut out,
    )
    .ok()?;
    Some(out)
}
