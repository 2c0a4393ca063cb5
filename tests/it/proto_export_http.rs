//! The OTLP/HTTP export stage against in-process HTTP servers: each cause on real sockets.

use crate::support::probe::*;
use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;
use runner::cause::{Cause, Severity, Stage};
use runner::config::Protocol;
use runner::report::Status;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

fn reply(status: u16, content_type: &str, body: &'static [u8]) -> Response<Full<Bytes>> {
    let mut b = Response::builder().status(status);
    if !content_type.is_empty() {
        b = b.header("content-type", content_type);
    }
    b.body(Full::new(Bytes::from_static(body))).unwrap()
}

/// Serves OTLP/HTTP protobuf at /v1/traces only (like the Collector), 404 elsewhere.
async fn collector() -> std::net::SocketAddr {
    http1_server(|req| {
        if req.uri().path() == "/v1/traces" {
            reply(200, "application/x-protobuf", b"")
        } else {
            reply(404, "text/plain", b"404 page not found")
        }
    })
    .await
}

async fn export_at(url: &str, protocol: Protocol) -> runner::doctor::StageResult {
    let fx = Fixture::new(url, protocol);
    bounded(runner::doctor::export_stage(&fx.probe(), fx.addr())).await
}

#[tokio::test]
async fn healthy_collector_passes() {
    let addr = collector().await;
    let r = export_at(&format!("http://{addr}/v1/traces"), Protocol::HttpProtobuf).await;
    assert_eq!(r.check.status, Status::Pass, "{r:#?}");
    assert!(r.findings.is_empty());
}

#[tokio::test]
async fn partial_success_is_evidence() {
    use opentelemetry_proto::tonic::collector::trace::v1::*;
    let body = prost::Message::encode_to_vec(&ExportTraceServiceResponse {
        partial_success: Some(ExportTracePartialSuccess {
            rejected_spans: 2,
            error_message: "dropped".into(),
        }),
    });
    let body: &'static [u8] = Box::leak(body.into_boxed_slice());
    let addr = http1_server(move |_| reply(200, "application/x-protobuf", body)).await;
    let r = export_at(&format!("http://{addr}/v1/traces"), Protocol::HttpProtobuf).await;
    assert_eq!(r.check.status, Status::Pass);
    assert_eq!(r.check.evidence["partial_success"]["rejected_spans"], 2);
}

#[tokio::test]
async fn missing_signal_path_is_verified() {
    let addr = collector().await;
    let r = export_at(&format!("http://{addr}/"), Protocol::HttpProtobuf).await;
    let f = finding(&r, Cause::SignalPathMissing);
    assert_eq!(f.stage, Stage::Export);
    assert_eq!(f.severity, Severity::Error);
    assert!(f.fix_verified);
    assert!(
        f.fix.contains("/v1/traces") && f.fix.contains("tried"),
        "{}",
        f.fix
    );
}

#[tokio::test]
async fn duplicated_signal_path_is_verified() {
    let addr = collector().await;
    let r = export_at(
        &format!("http://{addr}/v1/traces/v1/traces"),
        Protocol::HttpProtobuf,
    )
    .await;
    let f = finding(&r, Cause::SignalPathDuplicated);
    assert!(f.fix_verified);
}

#[tokio::test]
async fn not_found_on_the_right_path() {
    let addr = http1_server(|_| reply(404, "text/plain", b"404 page not found")).await;
    let r = export_at(&format!("http://{addr}/v1/traces"), Protocol::HttpProtobuf).await;
    let f = finding(&r, Cause::HttpNotFound);
    assert_eq!(
        (f.stage, f.severity, f.fix_verified),
        (Stage::Export, Severity::Error, false)
    );
    // A wrong path whose correction fails too stays http_not_found, unverified.
    let r = export_at(&format!("http://{addr}/"), Protocol::HttpProtobuf).await;
    let f = finding(&r, Cause::HttpNotFound);
    assert!(!f.fix_verified);
    assert!(f.summary.contains("lacks"), "{}", f.summary);
}

#[tokio::test]
async fn status_codes_map_to_causes() {
    let cases: [(u16, &str, &'static [u8], Cause, Severity); 8] = [
        (405, "text/plain", b"", Cause::HttpMethodNotAllowed, Severity::Error),
        (413, "text/plain", b"", Cause::HttpPayloadTooLarge, Severity::Error),
        (429, "text/plain", b"", Cause::HttpThrottled, Severity::Warning),
        (503, "text/html", b"<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>", Cause::HttpUpstreamUnavailable, Severity::Error),
        (502, "text/html", b"<html>502 Bad Gateway</html>", Cause::HttpUpstreamUnavailable, Severity::Error),
        (500, "text/plain", b"boom", Cause::HttpServerError, Severity::Error),
        (200, "text/html", b"<html>Jaeger UI</html>", Cause::NotOtlpEndpoint, Severity::Error),
        (400, "text/html", b"<html>400 No required SSL certificate was sent</html>", Cause::TlsClientCertRequired, Severity::Error),
    ];
    for (status, ct, body, cause, severity) in cases {
        let addr = http1_server(move |_| {
            let mut r = reply(status, ct, body);
            if status == 429 {
                r.headers_mut().insert("retry-after", "30".parse().unwrap());
            }
            r
        })
        .await;
        let r = export_at(&format!("http://{addr}/v1/traces"), Protocol::HttpProtobuf).await;
        let f = finding(&r, cause);
        assert_eq!(f.severity, severity, "{status}");
        if status == 503 {
            assert!(
                f.explanation.contains("No server is available"),
                "{}",
                f.explanation
            );
        }
        if status == 429 {
            assert!(f.explanation.contains("30"), "{}", f.explanation);
            assert_eq!(r.check.status, Status::Warn);
        }
    }
}

#[tokio::test]
async fn auth_rejected_names_the_header_never_its_value() {
    let addr = http1_server(|req| {
        if req
            .headers()
            .get("authorization")
            .is_some_and(|v| v == "Bearer good")
        {
            reply(200, "application/x-protobuf", b"")
        } else {
            let mut r = reply(401, "text/plain", b"missing or empty authorization header");
            r.headers_mut()
                .insert("www-authenticate", "Bearer".parse().unwrap());
            r
        }
    })
    .await;
    let fx = Fixture::new(&format!("http://{addr}/v1/traces"), Protocol::HttpProtobuf)
        .header("authorization", "Bearer s3cr3t-value");
    let r = bounded(runner::doctor::export_stage(&fx.probe(), fx.addr())).await;
    let f = finding(&r, Cause::HttpAuthRejected);
    assert!(
        f.explanation.contains("`authorization`"),
        "{}",
        f.explanation
    );
    let all =
        serde_json::to_string(&r.findings).unwrap() + &serde_json::to_string(&r.check).unwrap();
    assert!(!all.contains("s3cr3t"), "{all}");
    // The right token passes: the header really was sent.
    let fx = Fixture::new(&format!("http://{addr}/v1/traces"), Protocol::HttpProtobuf)
        .header("authorization", "Bearer good");
    let r = bounded(runner::doctor::export_stage(&fx.probe(), fx.addr())).await;
    assert_eq!(r.check.status, Status::Pass, "{r:#?}");
}

#[tokio::test]
async fn redirect_is_reported_and_never_followed() {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let elsewhere = http1_server(move |_| {
        h.fetch_add(1, Ordering::SeqCst);
        reply(200, "application/x-protobuf", b"")
    })
    .await;
    let location: &'static str =
        Box::leak(format!("http://{elsewhere}/v1/traces").into_boxed_str());
    let addr = http1_server(move |_| {
        let mut r = reply(307, "", b"");
        r.headers_mut()
            .insert("location", location.parse().unwrap());
        r
    })
    .await;
    let fx = Fixture::new(&format!("http://{addr}/v1/traces"), Protocol::HttpProtobuf)
        .header("authorization", "Bearer token");
    let r = bounded(runner::doctor::export_stage(&fx.probe(), fx.addr())).await;
    let f = finding(&r, Cause::HttpRedirect);
    assert!(f.summary.contains(location), "{}", f.summary);
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn json_to_protobuf_only_receiver_is_unsupported_media_type_verified() {
    let addr = http1_server(|req| {
        match req
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
        {
            Some("application/x-protobuf") => reply(200, "application/x-protobuf", b""),
            _ => reply(
                415,
                "text/plain",
                b"unsupported media type, supported: [application/x-protobuf]",
            ),
        }
    })
    .await;
    let r = export_at(&format!("http://{addr}/v1/traces"), Protocol::HttpJson).await;
    let f = finding(&r, Cause::HttpUnsupportedMediaType);
    assert!(f.fix_verified, "{f:#?}");
    assert!(f.fix.contains("http/protobuf"), "{}", f.fix);
}

#[tokio::test]
async fn gzip_refused_is_compression_unsupported_verified() {
    let addr = http1_server(|req| {
        if req.headers().contains_key("content-encoding") {
            reply(415, "text/plain", b"unsupported content encoding")
        } else {
            reply(200, "application/x-protobuf", b"")
        }
    })
    .await;
    let fx = Fixture::new(&format!("http://{addr}/v1/traces"), Protocol::HttpProtobuf).gzip();
    let r = bounded(runner::doctor::export_stage(&fx.probe(), fx.addr())).await;
    let f = finding(&r, Cause::CompressionUnsupported);
    assert!(f.fix_verified);
    assert_eq!(f.stage, Stage::Export);
}

#[tokio::test]
async fn gzip_accepted_passes_and_json_passes() {
    let addr = http1_server(|req| {
        let gz = req
            .headers()
            .get("content-encoding")
            .is_some_and(|v| v == "gzip");
        let json = req
            .headers()
            .get("content-type")
            .is_some_and(|v| v == "application/json");
        match (gz, json) {
            (true, false) => reply(200, "application/x-protobuf", b""),
            (false, true) if req.body().as_ref() == b"{}" => reply(200, "application/json", b"{}"),
            _ => reply(400, "text/plain", b"bad"),
        }
    })
    .await;
    let fx = Fixture::new(&format!("http://{addr}/v1/traces"), Protocol::HttpProtobuf).gzip();
    let r = bounded(runner::doctor::export_stage(&fx.probe(), fx.addr())).await;
    assert_eq!(r.check.status, Status::Pass, "{r:#?}");
    let r = export_at(&format!("http://{addr}/v1/traces"), Protocol::HttpJson).await;
    assert_eq!(r.check.status, Status::Pass, "{r:#?}");
}

#[tokio::test]
async fn google_rpc_status_body_is_decoded() {
    let body = prost::Message::encode_to_vec(&runner::doctor::export::RpcStatus {
        code: 3,
        message: "bad request: custom reason".into(),
        details: vec![],
    });
    let body: &'static [u8] = Box::leak(body.into_boxed_slice());
    let addr = http1_server(move |_| reply(500, "application/x-protobuf", body)).await;
    let r = export_at(&format!("http://{addr}/v1/traces"), Protocol::HttpProtobuf).await;
    let f = finding(&r, Cause::HttpServerError);
    assert!(f.explanation.contains("custom reason"), "{}", f.explanation);
    assert_eq!(f.evidence["status_body"]["code"], 3);
}
