//! What the collector really sent on a gRPC call (its HTTP status and `grpc-status`), so that a
//! status tonic made up on the client side (a decode limit, a malformed frame, a missing
//! trailer) is told from a status the server sent.

use hyper::body::{Body, Frame, SizeHint};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tonic::codegen::Service;

/// The server's own words on the last call: HTTP status and `grpc-status` (from the headers of
/// a trailers-only answer, or from the trailers).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServerSaid {
    pub http_status: Option<u16>,
    pub grpc_status: Option<i32>,
}

/// Shared between the exporter and the channel wrapper; one export runs at a time.
#[derive(Clone, Debug, Default)]
pub struct Seen(Arc<Mutex<ServerSaid>>);

impl Seen {
    pub fn reset(&self) {
        *self.lock() = ServerSaid::default();
    }

    pub fn get(&self) -> ServerSaid {
        *self.lock()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ServerSaid> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn note_status(&self, headers: &http::HeaderMap) {
        let code = headers
            .get("grpc-status")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        if code.is_some() {
            self.lock().grpc_status = code;
        }
    }
}

/// A gRPC channel that notes what the server sent into `Seen`.
#[derive(Clone, Debug)]
pub struct Watched<S> {
    pub inner: S,
    pub seen: Seen,
}

impl<S, B, R> Service<http::Request<B>> for Watched<S>
where
    S: Service<http::Request<B>, Response = http::Response<R>>,
    S::Future: Send + 'static,
    R: Send + 'static,
{
    type Response = http::Response<WatchedBody<R>>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let seen = self.seen.clone();
        let sent = self.inner.call(req);
        Box::pin(async move {
            let response = sent.await?;
            seen.lock().http_status = Some(response.status().as_u16());
            seen.note_status(response.headers());
            Ok(response.map(|inner| WatchedBody { inner, seen }))
        })
    }
}

/// A response body that notes the `grpc-status` of its trailers.
#[derive(Debug)]
pub struct WatchedBody<R> {
    inner: R,
    seen: Seen,
}

impl<R: Body + Unpin> Body for WatchedBody<R> {
    type Data = R::Data;
    type Error = R::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<R::Data>, R::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled {
            if let Some(trailers) = frame.trailers_ref() {
                self.seen.note_status(trailers);
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
