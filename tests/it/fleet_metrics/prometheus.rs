//! A real Prometheus (Debian's 2.42, from `scripts/test-deps.sh`) on loopback, scraping every
//! second, queried through its HTTP API; and `promtool`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn deps() -> BTreeMap<String, String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/target/test-deps.env");
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e}; run `bash scripts/test-deps.sh` first"));
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

fn tool(name: &str) -> String {
    deps()
        .get(name)
        .cloned()
        .unwrap_or_else(|| panic!("{name} not in target/test-deps.env; run scripts/test-deps.sh"))
}

/// `promtool ARGS` with `stdin`; (success, stdout + stderr).
pub fn promtool(args: &[&str], stdin: &[u8]) -> (bool, String) {
    use std::io::Write;
    let mut child = Command::new(tool("PROMTOOL"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool starts");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

pub struct Prometheus {
    child: Child,
    pub addr: SocketAddr,
    _dir: tempfile::TempDir,
}

/// One sample of an instant vector: its labels and value.
#[derive(Debug, Clone)]
pub struct Sample {
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

impl Prometheus {
    /// Starts Prometheus scraping `target` every second, with `rules` loaded; waits until ready.
    pub async fn start(target: SocketAddr, rules: &Path) -> Prometheus {
        let dir = tempfile::tempdir().unwrap();
        let port = crate::support::ports::free_port();
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
                 rule_files: ['{}']\n\
                 scrape_configs:\n  - job_name: runner\n    scrape_timeout: 900ms\n\
                 \x20   static_configs:\n      - targets: ['{target}']\n",
                rules.display()
            ),
        )
        .unwrap();
        let child = Command::new(tool("PROMETHEUS"))
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--log.level=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus starts");
        let p = Prometheus {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            _dir: dir,
        };
        let start = Instant::now();
        while get(p.addr, "/-/ready").await.map(|(s, _)| s) != Some(200) {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "prometheus not ready"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        p
    }

    /// `/api/v1/query`: the samples, or the error Prometheus gave.
    pub async fn query(&self, q: &str) -> Result<Vec<Sample>, String> {
        let enc = percent_encoding::utf8_percent_encode(q, percent_encoding::NON_ALPHANUMERIC);
        let (status, body) = get(self.addr, &format!("/api/v1/query?query={enc}"))
            .await
            .ok_or("no answer")?;
        let v: serde_json::Value =
            serde_json::from_str(&body).map_err(|e| format!("{status} {e}: {body}"))?;
        if v["status"] != "success" {
            return Err(format!("{status}: {body}"));
        }
        let result = &v["data"]["result"];
        let samples = match v["data"]["resultType"].as_str() {
            Some("vector") => result.as_array().cloned().unwrap_or_default(),
            Some("scalar") => vec![serde_json::json!({"metric": {}, "value": result})],
            other => return Err(format!("unexpected result type {other:?}")),
        };
        Ok(samples
            .iter()
            .map(|s| Sample {
                labels: s["metric"]
                    .as_object()
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                            .collect()
                    })
                    .unwrap_or_default(),
                value: s["value"][1]
                    .as_str()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(f64::NAN),
            })
            .collect())
    }

    /// Waits until `q` gives exactly one sample whose value satisfies `ok`.
    pub async fn wait_value(&self, q: &str, ok: impl Fn(f64) -> bool, within: Duration) -> f64 {
        let start = Instant::now();
        loop {
            let got = self.query(q).await;
            if let Ok(s) = &got {
                if s.len() == 1 && ok(s[0].value) {
                    return s[0].value;
                }
            }
            assert!(
                start.elapsed() < within,
                "{q}: not as expected within {within:?}: {got:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A plain HTTP/1.0 GET on loopback: (status, body), `None` when nothing answered.
pub async fn get(addr: SocketAddr, path: &str) -> Option<(u16, String)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let exchange = async {
        let mut s = tokio::net::TcpStream::connect(addr).await.ok()?;
        s.write_all(format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").as_bytes())
            .await
            .ok()?;
        let mut out = Vec::new();
        s.read_to_end(&mut out).await.ok()?;
        let text = String::from_utf8_lossy(&out).into_owned();
        let (head, body) = text.split_once("\r\n\r\n")?;
        let status = head.split(' ').nth(1)?.parse().ok()?;
        Some((status, body.to_owned()))
    };
    tokio::time::timeout(Duration::from_secs(5), exchange)
        .await
        .ok()
        .flatten()
}
