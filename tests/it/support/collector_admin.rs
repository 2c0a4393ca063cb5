//! A collector's admin endpoints played back on loopback: `/metrics` serves recorded Prometheus
//! pages in turn (the doctor reads it twice for rates), `/health` a recorded health_check answer.
//! Used by `runner doctor collector`'s scenarios (`# metrics:` and `# health:` lines).

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
        flags.push(format!(
            "http://127.0.0.1:{}/health",
            super::ports::free_port()
        ));
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
