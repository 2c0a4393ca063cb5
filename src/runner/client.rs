//! The coordinator client: GitLab's runner API over hyper, one bounded connection per call.
//!
//! Every call is bounded in time (connect, request and body together) and every response body
//! in size. One connection per call keeps it simple and is what a poll every few seconds needs.

use super::job::JobSpec;
use crate::redact::Secret;
use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// A job payload may carry many variables and steps; anything else is small.
pub const JOB_BODY_LIMIT: usize = 4 * 1024 * 1024;
pub const SMALL_BODY_LIMIT: usize = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("{url}: no answer within {} ms", timeout.as_millis())]
    Timeout { url: String, timeout: Duration },
    #[error("{url}: connect: {source}")]
    Connect { url: String, source: std::io::Error },
    #[error("{url}: TLS: {source}")]
    Tls { url: String, source: std::io::Error },
    #[error("{url}: HTTP: {source}")]
    Http { url: String, source: hyper::Error },
    #[error("{url}: response body larger than {limit} bytes or unreadable")]
    Body { url: String, limit: usize },
    #[error("{url}: job payload is not valid JSON: {message}")]
    BadJob { url: String, message: String },
    #[error("{url}: not a valid coordinator URL: {message}")]
    BadUrl { url: String, message: String },
}

impl ClientError {
    /// A bounded label for `runner_coordinator_errors_total{cause}` (never the URL or text).
    pub fn cause_label(&self) -> &'static str {
        match self {
            ClientError::Timeout { .. } => "timeout",
            ClientError::Connect { .. } => "connect",
            ClientError::Tls { .. } => "tls",
            ClientError::Http { .. } => "http",
            ClientError::Body { .. } => "body",
            ClientError::BadJob { .. } => "bad_job",
            ClientError::BadUrl { .. } => "bad_url",
        }
    }

    /// Whether the coordinator did answer over HTTP (its answer was unusable).
    pub fn answered(&self) -> bool {
        matches!(self, ClientError::Body { .. } | ClientError::BadJob { .. })
    }
}

/// An answer: status, headers and a size-limited body.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// What the coordinator said to a job request.
#[derive(Debug)]
pub enum JobRequest {
    /// 201: a job.
    Job(Box<JobSpec>),
    /// 204: nothing to do.
    NoJob,
    /// Anything else (403: the runner token is wrong, 409: too many requests, ...).
    Refused(StatusCode),
}

/// What the coordinator said to a log chunk.
#[derive(Debug, PartialEq, Eq)]
pub enum Patch {
    /// Accepted; `Range: 0-N` tells how much the server holds, when sent.
    Accepted { server_len: Option<u64> },
    /// 416: the server holds `server_len` bytes; resume from there.
    RangeMismatch { server_len: u64 },
    /// 403 (job no longer running) or another refusal.
    Refused(StatusCode),
}

/// A coordinator at a base URL (`https://gitlab.example.com/`).
#[derive(Clone, Debug)]
pub struct Coordinator {
    base: url::Url,
    timeout: Duration,
    tls: Option<Arc<rustls::ClientConfig>>,
}

impl Coordinator {
    pub fn new(base: &str, timeout: Duration) -> Result<Coordinator, ClientError> {
        let bad = |message: String| ClientError::BadUrl {
            url: base.to_owned(),
            message,
        };
        let mut url = url::Url::parse(base).map_err(|e| bad(e.to_string()))?;
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        let tls = match url.scheme() {
            "http" => None,
            "https" => {
                let roots = crate::tlsconf::root_store(None).map_err(|e| bad(e.to_string()))?;
                let mut config =
                    rustls::ClientConfig::builder_with_provider(crate::tlsconf::provider())
                        .with_safe_default_protocol_versions()
                        .expect("ring supports the default versions")
                        .with_root_certificates(roots)
                        .with_no_client_auth();
                config.alpn_protocols = vec![b"http/1.1".to_vec()];
                Some(Arc::new(config))
            }
            other => return Err(bad(format!("scheme `{other}` (valid: http, https)"))),
        };
        Ok(Coordinator {
            base: url,
            timeout,
            tls,
        })
    }

    /// `{base}api/v4/...`.
    pub fn url(&self, path: &str) -> url::Url {
        self.base
            .join(path.trim_start_matches('/'))
            .expect("relative API paths join")
    }

    /// `POST /api/v4/jobs/request` with the runner's token.
    pub async fn request_job(
        &self,
        runner_token: &Secret,
        info: serde_json::Value,
    ) -> Result<JobRequest, ClientError> {
        let url = self.url("api/v4/jobs/request");
        let body = serde_json::json!({"token": runner_token.expose(), "info": info});
        let answer = self
            .send(
                Method::POST,
                &url,
                json_headers(),
                body.to_string().into(),
                JOB_BODY_LIMIT,
            )
            .await?;
        match answer.status {
            StatusCode::CREATED => serde_json::from_slice::<JobSpec>(&answer.body)
                .map(|j| JobRequest::Job(Box::new(j)))
                .map_err(|e| ClientError::BadJob {
                    url: url.to_string(),
                    message: e.to_string(),
                }),
            StatusCode::NO_CONTENT => Ok(JobRequest::NoJob),
            other => Ok(JobRequest::Refused(other)),
        }
    }

    /// `PATCH /api/v4/jobs/:id/trace` with `Content-Range: start-end` (inclusive) and the job token.
    pub async fn patch_trace(
        &self,
        job_id: u64,
        job_token: &Secret,
        start: u64,
        chunk: Bytes,
    ) -> Result<Patch, ClientError> {
        let url = self.url(&format!("api/v4/jobs/{job_id}/trace"));
        let end = (start + chunk.len() as u64).saturating_sub(1);
        let mut headers = HeaderMap::new();
        headers.insert(http::header::CONTENT_TYPE, "text/plain".parse().unwrap());
        headers.insert(
            http::header::CONTENT_RANGE,
            format!("{start}-{end}").parse().unwrap(),
        );
        headers.insert("JOB-TOKEN", header_value(job_token));
        let answer = self
            .send(Method::PATCH, &url, headers, chunk, SMALL_BODY_LIMIT)
            .await?;
        let server_len = range_end(&answer.headers);
        Ok(match answer.status {
            s if s.is_success() => Patch::Accepted { server_len },
            StatusCode::RANGE_NOT_SATISFIABLE => match server_len {
                Some(n) => Patch::RangeMismatch { server_len: n },
                None => Patch::Refused(answer.status),
            },
            other => Patch::Refused(other),
        })
    }

    /// `PUT /api/v4/jobs/:id` with the job token and the final state.
    pub async fn update_job(
        &self,
        job_id: u64,
        job_token: &Secret,
        state: &str,
        failure_reason: Option<&str>,
        exit_code: Option<i32>,
    ) -> Result<StatusCode, ClientError> {
        let url = self.url(&format!("api/v4/jobs/{job_id}"));
        let mut body = serde_json::json!({"token": job_token.expose(), "state": state});
        if let Some(r) = failure_reason {
            body["failure_reason"] = r.into();
        }
        if let Some(c) = exit_code {
            body["exit_code"] = c.into();
        }
        let answer = self
            .send(
                Method::PUT,
                &url,
                json_headers(),
                body.to_string().into(),
                SMALL_BODY_LIMIT,
            )
            .await?;
        Ok(answer.status)
    }

    /// One request on a fresh connection, all of it within the timeout.
    pub async fn send(
        &self,
        method: Method,
        url: &url::Url,
        headers: HeaderMap,
        body: Bytes,
        limit: usize,
    ) -> Result<Answer, ClientError> {
        let shown = url.to_string();
        match tokio::time::timeout(
            self.timeout,
            self.exchange(method, url, headers, body, limit),
        )
        .await
        {
            Ok(r) => r,
            Err(_) => Err(ClientError::Timeout {
                url: shown,
                timeout: self.timeout,
            }),
        }
    }

    async fn exchange(
        &self,
        method: Method,
        url: &url::Url,
        headers: HeaderMap,
        body: Bytes,
        limit: usize,
    ) -> Result<Answer, ClientError> {
        let shown = url.to_string();
        let host = url.host_str().unwrap_or_default().to_owned();
        let port = url.port_or_known_default().unwrap_or(80);
        let tcp = TcpStream::connect((host.trim_matches(['[', ']']), port))
            .await
            .map_err(|source| ClientError::Connect {
                url: shown.clone(),
                source,
            })?;
        let _ = tcp.set_nodelay(true);
        let mut req = Request::builder().method(method).uri(request_target(url));
        let authority = match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.clone(),
        };
        req = req.header(http::header::HOST, authority).header(
            http::header::USER_AGENT,
            format!("runner/{}", crate::VERSION),
        );
        let mut req = req.body(Full::new(body)).expect("request parts are valid");
        req.headers_mut().extend(headers);
        match &self.tls {
            None => exchange_on(tcp, req, &shown, limit).await,
            Some(config) => {
                let name = rustls_pki_types::ServerName::try_from(host.trim_matches(['[', ']']))
                    .map_err(|e| ClientError::BadUrl {
                        url: shown.clone(),
                        message: e.to_string(),
                    })?
                    .to_owned();
                let tls = tokio_rustls::TlsConnector::from(config.clone())
                    .connect(name, tcp)
                    .await
                    .map_err(|source| ClientError::Tls {
                        url: shown.clone(),
                        source,
                    })?;
                exchange_on(tls, req, &shown, limit).await
            }
        }
    }
}

async fn exchange_on<S>(
    stream: S,
    req: Request<Full<Bytes>>,
    shown: &str,
    limit: usize,
) -> Result<Answer, ClientError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let http_err = |source| ClientError::Http {
        url: shown.to_owned(),
        source,
    };
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(http_err)?;
    let driver = tokio::spawn(async move {
        let _ = conn.await;
    });
    let result = async {
        let resp = sender.send_request(req).await.map_err(http_err)?;
        let (parts, body) = resp.into_parts();
        let body = Limited::new(body, limit)
            .collect()
            .await
            .map_err(|_| ClientError::Body {
                url: shown.to_owned(),
                limit,
            })?
            .to_bytes();
        Ok(Answer {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }
    .await;
    driver.abort();
    result
}

fn request_target(url: &url::Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    }
}

fn json_headers() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        http::header::CONTENT_TYPE,
        "application/json".parse().unwrap(),
    );
    h
}

fn header_value(secret: &Secret) -> http::HeaderValue {
    let mut v = http::HeaderValue::from_str(secret.expose())
        .unwrap_or_else(|_| http::HeaderValue::from_static(""));
    v.set_sensitive(true);
    v
}

/// The `N` of a `Range: 0-N` answer header: the length the server holds.
pub fn range_end(headers: &HeaderMap) -> Option<u64> {
    let v = headers.get(http::header::RANGE)?.to_str().ok()?;
    let (_, end) = v.trim().trim_start_matches("bytes=").split_once('-')?;
    end.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_paths_under_a_sub_path() {
        let c = Coordinator::new("http://127.0.0.1:1/gitlab", Duration::from_secs(1)).unwrap();
        assert_eq!(
            c.url("api/v4/jobs/request").as_str(),
            "http://127.0.0.1:1/gitlab/api/v4/jobs/request"
        );
    }

    #[test]
    fn reads_the_server_length_from_range() {
        let mut h = HeaderMap::new();
        h.insert(http::header::RANGE, "0-42".parse().unwrap());
        assert_eq!(range_end(&h), Some(42));
    }

    #[test]
    fn refuses_other_schemes() {
        assert!(Coordinator::new("ftp://x/", Duration::from_secs(1)).is_err());
    }
}
