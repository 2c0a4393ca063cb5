//! A mock GitLab coordinator for the runner's tests: hyper on 127.0.0.1:0, recording every
//! request, enforcing GitLab's token and Content-Range rules, and able to lose log bytes once
//! (so the runner must resume after a 416).

use bytes::Bytes;
use http::{HeaderMap, Method, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request as the mock saw it, with the status it answered.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: Method,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub status: u16,
}

#[derive(Default)]
struct State {
    runner_token: String,
    queue: VecDeque<Value>,
    job_tokens: HashMap<u64, String>,
    logs: HashMap<u64, Vec<u8>>,
    finals: HashMap<u64, Value>,
    seen: Vec<Seen>,
    /// On the next PATCH of this job, forget everything past this many bytes.
    lose_after: Option<(u64, usize)>,
}

#[derive(Clone)]
pub struct Mock {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

impl Mock {
    /// Starts the mock on the current tokio runtime; `runner_token` is the one it accepts.
    pub async fn start(runner_token: &str) -> Mock {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State {
            runner_token: runner_token.to_owned(),
            ..State::default()
        }));
        let st = state.clone();
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let st = st.clone();
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(move |req| {
                        let st = st.clone();
                        async move { Ok::<_, std::convert::Infallible>(handle(st, req).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(tcp), svc)
                        .await;
                });
            }
        });
        Mock { addr, state }
    }

    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Queues a job (JSON as GitLab sends it).
    pub fn push_job(&self, job: Value) {
        let mut st = self.state.lock().unwrap();
        let id = job["id"].as_u64().unwrap();
        st.job_tokens
            .insert(id, job["token"].as_str().unwrap().to_owned());
        st.queue.push_back(job);
    }

    pub fn lose_log_after(&self, job: u64, keep: usize) {
        self.state.lock().unwrap().lose_after = Some((job, keep));
    }

    pub fn log(&self, job: u64) -> String {
        let st = self.state.lock().unwrap();
        String::from_utf8_lossy(st.logs.get(&job).map(Vec::as_slice).unwrap_or_default())
            .into_owned()
    }

    pub fn final_state(&self, job: u64) -> Option<Value> {
        self.state.lock().unwrap().finals.get(&job).cloned()
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    /// How many jobs were handed out.
    pub fn handed_out(&self) -> usize {
        self.seen().iter().filter(|s| s.status == 201).count()
    }

    /// Waits for the job's final state (PUT), up to `within`.
    pub async fn wait_final(&self, job: u64, within: Duration) -> Value {
        let start = Instant::now();
        loop {
            if let Some(v) = self.final_state(job) {
                return v;
            }
            assert!(
                start.elapsed() < within,
                "job {job} got no final state within {within:?}; requests: {:#?}",
                self.seen()
                    .iter()
                    .map(|s| format!("{} {} -> {}", s.method, s.path, s.status))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until `n` jobs were handed out.
    pub async fn wait_handed_out(&self, n: usize, within: Duration) {
        let start = Instant::now();
        while self.handed_out() < n {
            assert!(start.elapsed() < within, "no job taken within {within:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn handle(st: Arc<Mutex<State>>, req: hyper::Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let path = parts.uri.path().to_owned();
    let mut st = st.lock().unwrap();
    let (status, headers, out) = route(&mut st, &parts.method, &path, &parts.headers, &body);
    st.seen.push(Seen {
        method: parts.method.clone(),
        path,
        headers: parts.headers.clone(),
        body,
        status: status.as_u16(),
    });
    let mut resp = Response::builder().status(status);
    for (k, v) in headers {
        resp = resp.header(k, v);
    }
    resp.body(Full::new(out)).unwrap()
}

type Answer = (StatusCode, Vec<(&'static str, String)>, Bytes);

fn plain(status: StatusCode) -> Answer {
    (status, vec![], Bytes::new())
}

fn route(st: &mut State, method: &Method, path: &str, headers: &HeaderMap, body: &Bytes) -> Answer {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method.as_str(), parts.as_slice()) {
        ("POST", ["api", "v4", "jobs", "request"]) => {
            let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            if v["token"].as_str() != Some(st.runner_token.as_str()) {
                return plain(StatusCode::FORBIDDEN);
            }
            match st.queue.pop_front() {
                Some(job) => (
                    StatusCode::CREATED,
                    vec![("content-type", "application/json".into())],
                    Bytes::from(job.to_string()),
                ),
                None => plain(StatusCode::NO_CONTENT),
            }
        }
        ("PATCH", ["api", "v4", "jobs", id, "trace"]) => {
            let Ok(id) = id.parse::<u64>() else {
                return plain(StatusCode::NOT_FOUND);
            };
            let token = headers.get("JOB-TOKEN").and_then(|v| v.to_str().ok());
            if token != st.job_tokens.get(&id).map(String::as_str) || st.finals.contains_key(&id) {
                return plain(StatusCode::FORBIDDEN);
            }
            if let Some((job, keep)) = st.lose_after {
                if job == id && st.logs.get(&id).map_or(0, Vec::len) > keep {
                    st.logs.get_mut(&id).unwrap().truncate(keep);
                    st.lose_after = None;
                }
            }
            let log = st.logs.entry(id).or_default();
            let range = headers
                .get("content-range")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split_once('-'))
                .and_then(|(a, b)| Some((a.parse::<usize>().ok()?, b.parse::<usize>().ok()?)));
            let Some((start, end)) = range else {
                return plain(StatusCode::BAD_REQUEST);
            };
            if start != log.len() || end + 1 != start + body.len() {
                return (
                    StatusCode::RANGE_NOT_SATISFIABLE,
                    vec![("range", format!("0-{}", log.len()))],
                    Bytes::new(),
                );
            }
            log.extend_from_slice(body);
            (
                StatusCode::ACCEPTED,
                vec![("range", format!("0-{}", log.len()))],
                Bytes::new(),
            )
        }
        ("PUT", ["api", "v4", "jobs", id]) => {
            let Ok(id) = id.parse::<u64>() else {
                return plain(StatusCode::NOT_FOUND);
            };
            let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            if v["token"].as_str() != st.job_tokens.get(&id).map(String::as_str) {
                return plain(StatusCode::FORBIDDEN);
            }
            st.finals.insert(id, v);
            plain(StatusCode::OK)
        }
        _ => plain(StatusCode::NOT_FOUND),
    }
}

/// A git repository made at test time, with one commit; returns its sha.
pub fn git_repo(dir: &Path) -> String {
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.test")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.test")
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    std::fs::create_dir_all(dir).unwrap();
    git(&["init", "-q", "-b", "main"]);
    std::fs::write(dir.join("README.md"), "hello from the repository\n").unwrap();
    git(&["add", "README.md"]);
    git(&["commit", "-q", "-m", "first"]);
    git(&["rev-parse", "HEAD"])
}

/// A GitLab job payload running `script` then `after_script` on the repository at `repo`.
pub fn job(id: u64, repo: &str, sha: &str, script: &[&str], after: &[&str]) -> Value {
    json!({
        "id": id,
        "token": format!("job-token-{id}"),
        "allow_git_fetch": true,
        "job_info": {"id": id, "name": "build-job", "stage": "test", "project_id": 42,
                      "project_name": "demo"},
        "git_info": {"repo_type": "git", "repo_url": repo, "ref": "main", "sha": sha,
                      "before_sha": "0000000000000000000000000000000000000000",
                      "ref_type": "branch", "refspecs": [], "depth": 20},
        "runner_info": {"timeout": 60},
        "variables": [
            {"key": "CI_PIPELINE_ID", "value": "777", "public": true, "masked": false},
            {"key": "CI_PIPELINE_NAME", "value": "demo pipeline", "public": true, "masked": false},
            {"key": "DEPLOY_SECRET", "value": "hunter2-deploy-secret", "public": false, "masked": true}
        ],
        "steps": [
            {"name": "script", "script": script, "timeout": 60, "when": "on_success",
             "allow_failure": false},
            {"name": "after_script", "script": after, "timeout": 60, "when": "always",
             "allow_failure": false}
        ],
        "features": {"trace_sections": true}
    })
}
