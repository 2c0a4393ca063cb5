//! One bounded `GET` of a collector admin endpoint (plain HTTP/1.1): a timeout over the whole
//! exchange and a cap on the body, so a hostile or stuck endpoint costs at most both.

use crate::facts::collector_live::{Answer, FetchError};
use crate::facts::peer_text::PeerText;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper_util::rt::TokioIo;
use std::time::Duration;

/// Checks a URL before any connection: `http://HOST:PORT/PATH`.
pub fn parse(url: &str) -> Result<url::Url, FetchError> {
    let u = url::Url::parse(url).map_err(|_| FetchError::BadUrl)?;
    if u.scheme() != "http" || u.host_str().is_none() {
        return Err(FetchError::BadUrl);
    }
    Ok(u)
}

/// `GET url`, within `bound`, reading at most `max` bytes of body.
pub async fn get(url: &url::Url, bound: Duration, max: usize) -> Result<Answer, FetchError> {
    let work = async {
        let host = url.host_str().ok_or(FetchError::BadUrl)?.to_owned();
        let port = url.port_or_known_default().unwrap_or(80);
        let addr = (host.trim_matches(['[', ']']), port);
        let tcp = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::ConnectionRefused => FetchError::Refused,
                _ => FetchError::Connect {
                    detail: PeerText::from_text(&e.to_string()),
                },
            })?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
            .await
            .map_err(|e| FetchError::Connect {
                detail: PeerText::from_text(&e.to_string()),
            })?;
        let driver = tokio::spawn(async move {
            let _ = conn.await;
        });
        let host_header = match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.clone(),
        };
        let path = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        let req = http::Request::get(path)
            .header(http::header::HOST, host_header)
            .header(http::header::ACCEPT, "text/plain, application/json")
            .body(Empty::<Bytes>::new())
            .map_err(|_| FetchError::BadUrl)?;
        let resp = sender
            .send_request(req)
            .await
            .map_err(|e| FetchError::Connect {
                detail: PeerText::from_text(&e.to_string()),
            })?;
        let status = resp.status().as_u16();
        let body = Limited::new(resp.into_body(), max)
            .collect()
            .await
            .map_err(|e| {
                if e.downcast_ref::<http_body_util::LengthLimitError>()
                    .is_some()
                {
                    FetchError::TooLarge { max }
                } else {
                    FetchError::Connect {
                        detail: PeerText::from_text(&e.to_string()),
                    }
                }
            })?
            .to_bytes();
        driver.abort();
        Ok(Answer {
            status,
            body: body.to_vec(),
        })
    };
    tokio::time::timeout(bound, work)
        .await
        .unwrap_or(Err(FetchError::Timeout {
            ms: bound.as_millis() as u64,
        }))
}
