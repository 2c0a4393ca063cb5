//! A healthy probe connection kept for one more request, so the export probe does not open
//! (and, against collectors without TCP_NODELAY, stall on) a second connection.

use super::{exchange_keep, respond, AbortOnDrop, Bounds, Exchange, Failure, Framing, Opened};
use crate::doctor::net::Recording;
use crate::doctor::proxy::ProxyTarget;
use bytes::Bytes;
use http::Request;
use http_body_util::Full;
use std::time::Instant;

/// The request half of a hyper client connection.
pub(crate) enum Sender {
    H1(hyper::client::conn::http1::SendRequest<Full<Bytes>>),
    H2(hyper::client::conn::http2::SendRequest<Full<Bytes>>),
}

/// An open connection whose last answer was read to its end, ready for another request. Dropping
/// it closes the connection.
pub struct Ready {
    sender: Sender,
    _driver: AbortOnDrop,
    app: Recording,
    framing: Framing,
    proxy: Option<ProxyTarget>,
}

impl Ready {
    pub fn framing(&self) -> Framing {
        self.framing
    }

    /// The proxy the connection goes through.
    pub fn proxy(&self) -> Option<&ProxyTarget> {
        self.proxy.as_ref()
    }

    /// The proxy the connection goes through, as reports show it.
    pub fn proxy_display(&self) -> Option<String> {
        self.proxy.as_ref().map(|p| p.display.clone())
    }
}

impl std::fmt::Debug for Ready {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ready")
            .field("framing", &self.framing)
            .field("proxy", &self.proxy_display())
            .finish_non_exhaustive()
    }
}

/// Sends one request over `opened` like `exchange`, and keeps the connection when its answer
/// was read whole.
pub async fn exchange_opened(
    opened: Opened,
    req: Request<Full<Bytes>>,
    bounds: Bounds,
) -> (Exchange, Option<Ready>) {
    let framing = opened.framing();
    let proxy = opened.proxy;
    let (ex, kept) = exchange_keep(opened.conn, framing.h2, req, bounds).await;
    let ready = kept.map(|(sender, driver)| Ready {
        sender,
        _driver: driver,
        app: ex.app.clone(),
        framing,
        proxy,
    });
    (ex, ready)
}

/// Sends one more request over a kept connection, bounded by `bounds`. `None` when
/// the connection turned out closed (the peer may close an idle connection at any time): the
/// caller then opens a fresh one, as it would have without reuse.
pub async fn exchange_on(
    ready: Ready,
    req: Request<Full<Bytes>>,
    bounds: Bounds,
) -> Option<Exchange> {
    let started = Instant::now();
    let Ready {
        sender,
        _driver,
        app,
        ..
    } = ready;
    let result = match sender {
        Sender::H1(mut s) => match tokio::time::timeout(bounds.step, s.ready()).await {
            Ok(Ok(())) => respond(s.send_request(req), bounds.answer).await,
            _ => return None,
        },
        Sender::H2(mut s) => match tokio::time::timeout(bounds.step, s.ready()).await {
            Ok(Ok(())) => respond(s.send_request(req), bounds.answer).await,
            _ => return None,
        },
    };
    // A broken connection says nothing about the peer's answer to this request; a fresh one
    // does, and classifies exactly as before.
    if matches!(result, Err(Failure::Broken { .. })) {
        return None;
    }
    Some(Exchange {
        result,
        app,
        elapsed: started.elapsed(),
    })
}
