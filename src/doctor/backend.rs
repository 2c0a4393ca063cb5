//! The backend stage: proof that the canary arrived, from a trace-by-id API.

use super::{BackendOptions, DoctorOptions, Seen};
use crate::facts::diagnosis::backend::{BackendKind, Diagnosis};
use crate::facts::Skip;
use crate::report::Canary;
use crate::telemetry::connect::{self, Stream};
use crate::telemetry::record::chain_of;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Pause between two queries of the backend.
const POLL_EVERY: Duration = Duration::from_millis(250);
const BODY_LIMIT: usize = 64 * 1024;

/// Polls the backend for the canary's trace id until it appears or the timeout passes.
/// Updates `canary.arrived`.
pub async fn run(opts: &DoctorOptions, canary: &mut Canary) -> Seen<Diagnosis> {
    let started = Instant::now();
    let skipped = |why| Seen::new(Diagnosis::Skipped(why), Value::Null, started);
    let Some(backend) = &opts.backend else {
        return skipped(Skip::NoBackendUrl);
    };
    let Some(trace_id) = canary.trace_id.clone().filter(|_| canary.exported) else {
        return skipped(Skip::CanaryNotExported);
    };
    let kind = backend.kind;
    let mut last: Option<Value>;
    loop {
        let left = opts.timeout.saturating_sub(started.elapsed());
        match query(backend, &trace_id, left.max(Duration::from_millis(50))).await {
            Ok((status, body)) => {
                let found = status == 200 && contains_trace(kind, &body);
                last = Some(json!({ "status": status, "found": found }));
                if found {
                    canary.arrived = Some(true);
                    let evidence = json!({ "url": backend.url, "last": last });
                    return Seen::new(Diagnosis::Found { kind, trace_id }, evidence, started);
                }
            }
            Err(e) => last = Some(json!({ "error": e })),
        }
        if started.elapsed() + POLL_EVERY >= opts.timeout {
            break;
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
    let evidence = json!({ "url": backend.url, "last": last });
    let url = backend.url.clone();
    // A backend we could not query proves nothing either way.
    if last.as_ref().is_some_and(|l| l.get("error").is_some()) {
        return Seen::new(Diagnosis::Unqueryable { kind, url }, evidence, started);
    }
    canary.arrived = Some(false);
    let d = Diagnosis::NotFound {
        kind,
        url,
        trace_id,
        waited: started.elapsed(),
    };
    Seen::new(d, evidence, started)
}

/// Jaeger: `{"data":[{"spans":[...]}]}`; Tempo: `{"batches":[...]}` or `{"resourceSpans":[...]}`
/// (OTLP JSON). Both answer 404 while the trace is unknown.
fn contains_trace(kind: BackendKind, body: &[u8]) -> bool {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return false;
    };
    let non_empty = |v: Option<&Value>| v.and_then(Value::as_array).is_some_and(|a| !a.is_empty());
    match kind {
        BackendKind::Jaeger => v
            .get("data")
            .and_then(Value::as_array)
            .is_some_and(|traces| traces.iter().any(|t| non_empty(t.get("spans")))),
        BackendKind::Tempo => {
            non_empty(v.get("batches"))
                || non_empty(v.get("resourceSpans"))
                || non_empty(v.get("trace").and_then(|t| t.get("resourceSpans")))
        }
    }
}

/// One `GET {url}/api/traces/{id}`, bounded in time and size.
async fn query(
    backend: &BackendOptions,
    trace_id: &str,
    bound: Duration,
) -> Result<(u16, Bytes), String> {
    let work = async {
        let base = url::Url::parse(&backend.url).map_err(|e| format!("{}: {e}", backend.url))?;
        let host = base.host_str().ok_or("backend URL has no host")?.to_owned();
        let port = base.port_or_known_default().unwrap_or(80);
        let err = |e: &(dyn std::error::Error + 'static)| chain_of(e).join(": ");
        let tcp = connect::tcp(&host, port, bound, &connect::Pins::default())
            .await
            .map_err(|e| err(&e))?;
        let stream = if base.scheme() == "https" {
            let roots = crate::tlsconf::root_store(None).map_err(|e| err(&e))?;
            let config = rustls::ClientConfig::builder_with_provider(crate::tlsconf::provider())
                .with_safe_default_protocol_versions()
                .map_err(|e| err(&e))?
                .with_root_certificates(roots)
                .with_no_client_auth();
            Stream::Tls(Box::new(
                connect::tls(tcp, Arc::new(config), &host, bound)
                    .await
                    .map_err(|e| err(&e))?,
            ))
        } else {
            Stream::Plain(tcp)
        };
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| err(&e))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        let path = format!(
            "{}/api/traces/{trace_id}",
            base.path().trim_end_matches('/')
        );
        let host_header = match base.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.clone(),
        };
        let req = http::Request::get(path)
            .header(http::header::HOST, host_header)
            .header(http::header::ACCEPT, "application/json")
            .body(Empty::<Bytes>::new())
            .map_err(|e| err(&e))?;
        let resp = sender.send_request(req).await.map_err(|e| err(&e))?;
        let status = resp.status().as_u16();
        let body = Limited::new(resp.into_body(), BODY_LIMIT)
            .collect()
            .await
            .map_err(|e| format!("reading the response: {e}"))?
            .to_bytes();
        Ok((status, body))
    };
    tokio::time::timeout(bound, work)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {} ms", bound.as_millis())))
}
