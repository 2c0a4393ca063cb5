//! The export probe reuses the protocol probe's connection: connections accepted per run.

use crate::support::probe::*;
use bytes::Bytes;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use runner::config::Protocol;
use runner::doctor::protocol;
use runner::report::Status;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

type Answer = (Response<Bytes>, Option<http::HeaderMap>);

/// An HTTP/1.1 + h2c server answering every request with `answer`, counting accepted
/// connections.
async fn counting_server(answer: fn() -> Answer) -> (SocketAddr, Arc<AtomicUsize>) {
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    let addr = raw_server(move |s| {
        count.fetch_add(1, Ordering::SeqCst);
        async move {
            let svc = hyper::service::service_fn(move |_req: Request<hyper::body::Incoming>| {
                let (resp, trailers) = answer();
                let (parts, body) = resp.into_parts();
                let resp = Response::from_parts(parts, TrailerBody::new(body, trailers));
                async move { Ok::<_, Infallible>(resp) }
            });
            let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(s), svc)
                .await;
        }
    })
    .await;
    (addr, accepted)
}

fn grpc_ok() -> Answer {
    grpc_answer(0, "", b"")
}

fn http_ok() -> Answer {
    let resp = Response::builder()
        .status(200)
        .header("content-type", "application/x-protobuf")
        .body(Bytes::new())
        .unwrap();
    (resp, None)
}

fn http_ok_then_close() -> Answer {
    let (mut resp, t) = http_ok();
    resp.headers_mut()
        .insert("connection", "close".parse().unwrap());
    (resp, t)
}

/// Protocol then export stage as the orchestrator runs them; the connections accepted.
async fn healthy_run(url_scheme: &str, protocol_: Protocol, answer: fn() -> Answer) -> usize {
    let (addr, accepted) = counting_server(answer).await;
    let fx = Fixture::new(&format!("{url_scheme}://{addr}/v1/traces"), protocol_);
    let probe = fx.probe();
    let (proto, ready) = protocol::run_keep(&probe, addr).await;
    assert!(
        matches!(
            proto.diagnosis,
            protocol::Diagnosis::SpeaksH2 { .. } | protocol::Diagnosis::SpeaksHttp { .. }
        ),
        "{proto:#?}"
    );
    let r = bounded(runner::doctor::export_stage_on(&probe, addr, ready)).await;
    assert_eq!(r.check.status, Status::Pass, "{r:#?}");
    accepted.load(Ordering::SeqCst)
}

#[tokio::test]
async fn healthy_grpc_run_opens_one_probe_connection() {
    assert_eq!(healthy_run("http", Protocol::Grpc, grpc_ok).await, 1);
}

#[tokio::test]
async fn healthy_http_run_opens_one_probe_connection() {
    assert_eq!(
        healthy_run("http", Protocol::HttpProtobuf, http_ok).await,
        1
    );
}

#[tokio::test]
async fn a_closed_connection_makes_the_export_open_its_own() {
    let n = healthy_run("http", Protocol::HttpProtobuf, http_ok_then_close).await;
    assert_eq!(n, 2);
}

#[tokio::test]
async fn the_old_entry_points_open_a_connection_each() {
    let (addr, accepted) = counting_server(grpc_ok).await;
    let fx = Fixture::new(&format!("http://{addr}"), Protocol::Grpc);
    let proto = bounded(runner::doctor::protocol_stage(&fx.probe(), addr)).await;
    assert_eq!(proto.check.status, Status::Pass, "{proto:#?}");
    let r = bounded(runner::doctor::export_stage(&fx.probe(), addr)).await;
    assert_eq!(r.check.status, Status::Pass, "{r:#?}");
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}
