//! The gRPC export stage against in-process h2c servers returning grpc-status values.

use crate::support::probe::*;
use bytes::Bytes;
use hyper::Response;
use runner::cause::{Cause, Severity, Stage};
use runner::config::{Protocol, Signal};
use runner::report::Status;

async fn export_against(addr: std::net::SocketAddr) -> runner::doctor::StageResult {
    let fx = Fixture::new(&format!("http://{addr}"), Protocol::Grpc);
    bounded(runner::doctor::export_stage(&fx.probe(), addr)).await
}

#[tokio::test]
async fn ok_passes_with_partial_success_evidence() {
    use opentelemetry_proto::tonic::collector::trace::v1::*;
    let msg = prost::Message::encode_to_vec(&ExportTraceServiceResponse {
        partial_success: Some(ExportTracePartialSuccess {
            rejected_spans: 1,
            error_message: "one bad span".into(),
        }),
    });
    let addr = h2_server(move |req| {
        assert_eq!(
            req.uri().path(),
            "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
        );
        assert_eq!(req.body().as_ref(), &[0u8, 0, 0, 0, 0]);
        grpc_answer(0, "", &msg)
    })
    .await;
    let r = export_against(addr).await;
    assert_eq!(r.check.status, Status::Pass, "{r:#?}");
    assert_eq!(r.check.evidence["partial_success"]["rejected_spans"], 1);
}

#[tokio::test]
async fn grpc_status_codes_map_to_causes() {
    let cases = [
        (
            12,
            "unknown service opentelemetry.proto.collector.trace.v1.TraceService",
            Cause::GrpcUnimplemented,
        ),
        (
            16,
            "missing or empty authorization header",
            Cause::GrpcUnauthenticated,
        ),
        (7, "permission denied", Cause::GrpcUnauthenticated),
        (14, "no healthy upstream", Cause::GrpcUnavailable),
        (8, "rate limited", Cause::GrpcResourceExhausted),
        (13, "internal", Cause::HttpServerError),
    ];
    for (code, message, cause) in cases {
        let addr = h2_server(move |_| grpc_answer(code, message, b"")).await;
        let r = export_against(addr).await;
        let f = finding(&r, cause);
        assert_eq!(
            (f.stage, f.severity),
            (Stage::Export, Severity::Error),
            "{code}"
        );
        assert!(f.explanation.contains(message), "{}", f.explanation);
    }
}

#[tokio::test]
async fn metrics_signal_calls_the_metrics_service() {
    let addr = h2_server(|req| {
        if req.uri().path().contains("MetricsService") {
            grpc_answer(0, "", b"")
        } else {
            grpc_answer(12, "unknown service", b"")
        }
    })
    .await;
    let fx = Fixture::new(&format!("http://{addr}"), Protocol::Grpc).signal(Signal::Metrics);
    let r = bounded(runner::doctor::export_stage(&fx.probe(), addr)).await;
    assert_eq!(r.check.status, Status::Pass, "{r:#?}");
}

#[tokio::test]
async fn gzip_refused_is_compression_unsupported_verified() {
    let addr = h2_server(|req| {
        if req
            .headers()
            .get("grpc-encoding")
            .is_some_and(|v| v == "gzip")
        {
            let (mut resp, trailers) = grpc_answer(
                12,
                "Content is compressed with `gzip` which isn't supported",
                b"",
            );
            resp.headers_mut()
                .insert("grpc-accept-encoding", "identity".parse().unwrap());
            (resp, trailers)
        } else {
            grpc_answer(0, "", b"")
        }
    })
    .await;
    let fx = Fixture::new(&format!("http://{addr}"), Protocol::Grpc).gzip();
    let r = bounded(runner::doctor::export_stage(&fx.probe(), addr)).await;
    let f = finding(&r, Cause::CompressionUnsupported);
    assert!(f.fix_verified, "{f:#?}");
}

#[tokio::test]
async fn gzip_accepted_passes() {
    let addr = h2_server(|req| {
        let body = req.body();
        // Compressed flag set, and a gzip member follows.
        if body.first() == Some(&1) && body.get(5..7) == Some(&[0x1f, 0x8b]) {
            grpc_answer(0, "", b"")
        } else {
            grpc_answer(3, "expected gzip", b"")
        }
    })
    .await;
    let fx = Fixture::new(&format!("http://{addr}"), Protocol::Grpc).gzip();
    let r = bounded(runner::doctor::export_stage(&fx.probe(), addr)).await;
    assert_eq!(r.check.status, Status::Pass, "{r:#?}");
}

fn html_server_answer(
    status: u16,
    body: &'static [u8],
) -> (Response<Bytes>, Option<http::HeaderMap>) {
    let resp = Response::builder()
        .status(status)
        .header("content-type", "text/html")
        .body(Bytes::from_static(body))
        .unwrap();
    (resp, None)
}

#[tokio::test]
async fn proxy_html_gateway_errors_are_the_proxy_s_cause() {
    // nginx `grpc_pass` to a dead upstream: HTTP/2 502, text/html, no grpc-status. gRPC maps
    // 502, 503 and 504 to UNAVAILABLE; what the proxy said is the cause: its upstream is down.
    for status in [502u16, 503, 504] {
        let addr = h2_server(move |_| {
            html_server_answer(status, b"<html><h1>Bad Gateway</h1><hr>nginx</html>")
        })
        .await;
        let r = export_against(addr).await;
        let f = finding(&r, Cause::HttpUpstreamUnavailable);
        assert_eq!(
            (f.stage, f.severity, f.fix_verified),
            (Stage::Export, Severity::Error, false)
        );
        assert!(
            r.findings
                .iter()
                .all(|f| f.cause != Cause::GrpcNonGrpcResponse),
            "{status}: {r:#?}"
        );
        assert_eq!(f.evidence["http_status"], status, "{f:#?}");
        assert!(f.evidence["body"]
            .as_str()
            .unwrap()
            .contains("<h1>Bad Gateway</h1>"));
        assert!(
            f.summary.contains(&format!("HTTP {status}")),
            "{}",
            f.summary
        );
        assert!(f.fix.contains("behind the proxy"), "{}", f.fix);
    }
}

#[tokio::test]
async fn other_html_answers_are_non_grpc_response() {
    for status in [200u16, 404] {
        let addr = h2_server(move |_| html_server_answer(status, b"<html>It works!</html>")).await;
        let r = export_against(addr).await;
        let f = finding(&r, Cause::GrpcNonGrpcResponse);
        assert_eq!(
            (f.stage, f.severity, f.fix_verified),
            (Stage::Export, Severity::Error, false)
        );
        assert!(f.evidence["body"].as_str().unwrap().contains("It works!"));
    }
}

#[tokio::test]
async fn grpc_to_h2c_capable_http_port_is_verified() {
    // An OTLP/HTTP receiver that also speaks h2c: gRPC gets a plain 404, HTTP works.
    let addr = auto_server(|req| {
        let ok = req.uri().path() == "/v1/traces";
        Response::builder()
            .status(if ok { 200 } else { 404 })
            .header(
                "content-type",
                if ok {
                    "application/x-protobuf"
                } else {
                    "text/plain"
                },
            )
            .body(http_body_util::Full::new(Bytes::new()))
            .unwrap()
    })
    .await;
    let r = export_against(addr).await;
    let f = finding(&r, Cause::GrpcToHttpPort);
    assert!(f.fix_verified, "{f:#?}");
    assert!(f.fix.contains("http/protobuf"), "{}", f.fix);
}
