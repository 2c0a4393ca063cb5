//! The live side of `runner doctor collector`: a small loopback server that plays a collector's
//! admin endpoints back from recordings (used by the scenarios), and the real otelcol-contrib.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// What the fake admin endpoints answer: `/metrics` the pages in turn (the last one again and
/// again), `/health` a status and a body.
#[derive(Clone, Debug, Default)]
pub struct Recorded {
    pub metrics: Vec<Vec<u8>>,
    pub health: Option<(u16, Vec<u8>)>,
}

/// A server on 127.0.0.1:0 playing `Recorded`; stops when dropped.
#[derive(Debug)]
pub struct Admin {
    pub port: u16,
    stop: Arc<AtomicBool>,
}

impl Drop for Admin {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn answer(mut s: TcpStream, r: &Recorded, n: &AtomicUsize) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(k) => buf.extend_from_slice(&chunk[..k]),
        }
    }
    let head = String::from_utf8_lossy(&buf);
    let path = head.split_whitespace().nth(1).unwrap_or("/");
    let (status, body) = if path.starts_with("/metrics") && !r.metrics.is_empty() {
        let i = n.fetch_add(1, Ordering::SeqCst).min(r.metrics.len() - 1);
        (200, r.metrics[i].clone())
    } else if let (true, Some((st, b))) = (path.starts_with("/health"), &r.health) {
        (*st, b.clone())
    } else {
        (404, b"404 page not found\n".to_vec())
    };
    let _ = write!(
        s,
        "HTTP/1.1 {status} X\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = s.write_all(&body);
}

/// Starts the server.
pub fn serve(r: Recorded) -> Admin {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.set_nonblocking(true).unwrap();
    let port = l.local_addr().unwrap().port();
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    std::thread::spawn(move || {
        let n = AtomicUsize::new(0);
        while !flag.load(Ordering::SeqCst) {
            match l.accept() {
                Ok((s, _)) => {
                    let _ = s.set_nonblocking(false);
                    answer(s, &r, &n);
                }
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    });
    Admin { port, stop }
}

/// A loopback port where nothing listens (bound, then released).
pub fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The flags of a scenario's `# metrics:` / `# health:` lines (paths under scenarios/collector/),
/// and the server that answers them.
pub fn scenario_server(header: &str, dir: &std::path::Path) -> (Vec<String>, Option<Admin>) {
    let mut rec = Recorded::default();
    let mut flags = Vec::new();
    let mut closed = false;
    for l in header.lines() {
        if let Some(m) = l.strip_prefix("# metrics:") {
            rec.metrics = m
                .split_whitespace()
                .map(|f| std::fs::read(dir.join(f)).unwrap())
                .collect();
        } else if let Some(h) = l.strip_prefix("# health:") {
            let w: Vec<&str> = h.split_whitespace().collect();
            if w == ["closed"] {
                closed = true;
            } else {
                let body = std::fs::read(dir.join(w[1])).unwrap();
                rec.health = Some((w[0].parse().unwrap(), body));
            }
        }
    }
    if closed {
        flags.push("--health-url".into());
        flags.push(format!("http://127.0.0.1:{}/health", closed_port()));
    }
    if rec.metrics.is_empty() && rec.health.is_none() {
        return (flags, None);
    }
    let admin = serve(rec.clone());
    if !rec.metrics.is_empty() {
        flags.extend([
            "--metrics-url".into(),
            format!("http://127.0.0.1:{}/metrics", admin.port),
            "--interval".into(),
            "100ms".into(),
        ]);
    }
    if rec.health.is_some() {
        flags.extend([
            "--health-url".into(),
            format!("http://127.0.0.1:{}/health/status", admin.port),
        ]);
    }
    (flags, Some(admin))
}

/// Recordings of a real otelcol-contrib 0.135 (scenarios/collector/live/).
pub fn recordings() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/collector/live")
}

#[test]
fn the_failing_exporter_is_named_with_its_explained_log_line() {
    let dir = recordings();
    let admin = serve(Recorded {
        metrics: vec![
            std::fs::read(dir.join("tls_retrying.1.prom")).unwrap(),
            std::fs::read(dir.join("tls_retrying.2.prom")).unwrap(),
        ],
        health: None,
    });
    let url = format!("http://127.0.0.1:{}/metrics", admin.port);
    let log = dir.join("tls_retrying.log");
    let log = log.to_string_lossy();
    let flags = [
        "--metrics-url",
        &url,
        "--interval",
        "100ms",
        "--collector-log",
        &log,
    ];
    let (code, r) = crate::collector::json(&[], &flags, &[]);
    assert_eq!(code, 1, "{r}");
    let f = &r["findings"][0];
    assert_eq!(f["cause"], "collector_exporter_failing");
    assert_eq!(f["evidence"]["exporter"], "otlphttp/tls");
    assert_eq!(f["evidence"]["phase"], "retrying");
    assert_eq!(f["evidence"]["log"][0]["causes"][0], "tls_to_plaintext");
    assert!(f["summary"].as_str().unwrap().contains("otlphttp/tls"));
    assert!(f["fix"].as_str().unwrap().contains("http://"));
    let lines: Vec<&str> = r["targets"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        lines,
        ["pass", "pass", "fail"],
        "metrics read, healthy sends, tls fails"
    );
}

#[test]
fn hostile_admin_answers_are_bounded() {
    // A page past the cap, then a body that is no metrics: both are findings, not a crash.
    let big = vec![b'x'; 5 * 1024 * 1024];
    for (body, want) in [
        (big, "too_large"),
        (b"<html>hi</html>".to_vec(), "not_metrics"),
    ] {
        let admin = serve(Recorded {
            metrics: vec![body],
            health: Some((200, b"{\"status\": [1, 2, {\"deep\": null}]}".to_vec())),
        });
        let m = format!("http://127.0.0.1:{}/metrics", admin.port);
        let h = format!("http://127.0.0.1:{}/health", admin.port);
        let flags = ["--metrics-url", m.as_str(), "--health-url", h.as_str()];
        let (_, r) = crate::collector::json(&[], &flags, &[]);
        let f = r["findings"].as_array().unwrap();
        assert!(
            f.iter().any(|f| f["cause"] == "collector_admin_unreachable"
                && f["evidence"]["error"]["kind"] == want),
            "{r}"
        );
    }
}

#[test]
fn a_url_that_is_not_http_exits_2_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let _ = dir;
    let (code, _) = {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_runner"))
            .args(["doctor", "collector", "--metrics-url", "ftp://x/metrics"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            err.contains("--metrics-url") && err.contains("http://"),
            "{err}"
        );
        (out.status.code(), err)
    };
    assert_eq!(code, Some(2));
}
