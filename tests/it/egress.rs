//! One way out: a collector that reflects every header it received (plain, percent-encoded and
//! base64, in grpc-message and in the HTTP body) and injects control characters plus a fake
//! finding line; secrets planted in every source. No output may hold a secret, a raw control
//! byte, or a line that starts like a finding the server made up.

use crate::support::certs;
use crate::support::process::cli;
use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const INJECTED: &str = "\x1b[2J\x1b[H\x07\r\nerror [fake_cause traces] FAKE FINDING\n";

const PLANTED: &[&str] = &[
    "PLANTEDENVHDR1",
    "PLANTEDCFGHDR1",
    "PLANTEDFLAGHDR1",
    "PLANTEDURLPW1",
    "PLANTEDQUERY1",
    "PLANTEDRUNNERTOKEN1",
];

fn b64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = u32::from(c[0]) << 16
            | u32::from(*c.get(1).unwrap_or(&0)) << 8
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Every header received, plain, percent-encoded and base64, then the injection.
fn reflection<B>(req: &Request<B>) -> String {
    use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
    let mut s = String::from("you sent: ");
    for (k, v) in req.headers() {
        let v = String::from_utf8_lossy(v.as_bytes());
        s.push_str(&format!(
            "{k}: {v} | {} | {}; ",
            utf8_percent_encode(&v, NON_ALPHANUMERIC),
            b64(v.as_bytes())
        ));
    }
    s.push_str(&format!("uri {} ", req.uri()));
    s.push_str(INJECTED);
    s
}

/// A collector on 127.0.0.1:0 (HTTP/1 and h2c) that rejects every export, quoting back
/// everything it received.
async fn reflecting_server() -> u16 {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let svc =
                    hyper::service::service_fn(|req: Request<hyper::body::Incoming>| async move {
                        let text = reflection(&req);
                        let grpc = req
                            .headers()
                            .get("content-type")
                            .is_some_and(|v| v.as_bytes().starts_with(b"application/grpc"));
                        let resp = if grpc {
                            let msg = percent_encoding::utf8_percent_encode(
                                &text,
                                percent_encoding::NON_ALPHANUMERIC,
                            )
                            .to_string();
                            Response::builder()
                                .status(200)
                                .header("content-type", "application/grpc")
                                .header("grpc-status", "16")
                                .header("grpc-message", msg)
                                .body(Full::new(Bytes::new()))
                                .unwrap()
                        } else {
                            Response::builder()
                                .status(401)
                                .header("content-type", "text/plain")
                                .body(Full::new(Bytes::from(text)))
                                .unwrap()
                        };
                        Ok::<_, std::convert::Infallible>(resp)
                    });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    port
}

/// Asserts an output holds no secret, no raw control byte and no forged finding line.
pub fn assert_clean(what: &str, out: &[u8], extra: &[String]) {
    let text = String::from_utf8_lossy(out);
    for s in PLANTED
        .iter()
        .map(|s| s.to_string())
        .chain(extra.iter().cloned())
    {
        assert!(!text.contains(&s), "{what}: secret {s} leaked:\n{text}");
    }
    if let Some(b) = out
        .iter()
        .find(|b| (**b < 0x20 && **b != b'\n') || **b == 0x7f)
    {
        panic!("{what}: raw control byte 0x{b:02x} in:\n{text}");
    }
    assert!(
        !text
            .lines()
            .any(|l| l.trim_start().starts_with("error [fake_cause")),
        "{what}: a forged finding line:\n{text}"
    );
}

fn both(o: &Output) -> Vec<u8> {
    let mut v = o.stdout.clone();
    v.extend_from_slice(&o.stderr);
    v
}

/// (config file, extra flags, environment) of one doctor run.
type Case<'a> = (&'a Path, Vec<String>, Vec<(&'a str, &'a str)>);

struct Planted {
    dir: tempfile::TempDir,
    key_lines: Vec<String>,
}

fn plant() -> Planted {
    let dir = tempfile::tempdir().unwrap();
    let client = certs::leaf_for(&["client.test"], None, None);
    certs::write(dir.path(), "client.key", &client.key_pem);
    certs::write(dir.path(), "client.crt", &client.pem);
    let key_lines = client
        .key_pem
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() >= 24)
        .map(|l| l[2..22].to_string())
        .collect();
    Planted { dir, key_lines }
}

/// The doctor against the reflecting server, the headers coming from one source at a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_reflected_secrets_and_injection_never_reach_any_output() {
    let port = reflecting_server().await;
    let p = plant();
    let dir = p.dir.path();
    let cfg = dir.join("config.toml");
    std::fs::write(
        &cfg,
        "[otel]\nservice_name = \"ci\"\n[otel.headers]\nx-cfg-key = \"PLANTEDCFGHDR1\"\n",
    )
    .unwrap();
    let empty = dir.join("empty.toml");
    std::fs::write(&empty, "[otel]\nservice_name = \"ci\"\n").unwrap();
    let key = dir.join("client.key").display().to_string();
    let crt = dir.join("client.crt").display().to_string();
    for protocol in ["grpc", "http/protobuf"] {
        let endpoint = if protocol == "grpc" {
            format!("http://user:PLANTEDURLPW1@127.0.0.1:{port}")
        } else {
            format!("http://user:PLANTEDURLPW1@127.0.0.1:{port}/v1/traces?api_key=PLANTEDQUERY1")
        };
        // (config file, extra flags, env): each source's header is the one sent.
        let cases: Vec<Case> = vec![
            (
                &empty,
                vec![],
                vec![("OTEL_EXPORTER_OTLP_HEADERS", "x-env-key=PLANTEDENVHDR1")],
            ),
            (&cfg, vec![], vec![]),
            (
                &empty,
                vec![
                    "--header".into(),
                    "authorization=Bearer PLANTEDFLAGHDR1".into(),
                ],
                vec![],
            ),
        ];
        for (config, flags, envs) in &cases {
            for mode in [vec![], vec!["--json"], vec!["-v"]] {
                let started = Instant::now();
                let mut c = cli();
                c.args(["doctor", "otel", "-c"])
                    .arg(config)
                    .args([
                        "--endpoint",
                        &endpoint,
                        "--protocol",
                        protocol,
                        "--timeout",
                        "1s",
                    ])
                    .args(["--client-key", &key, "--client-cert", &crt])
                    .args(flags)
                    .args(&mode);
                for (k, v) in envs {
                    c.env(k, v);
                }
                let out = tokio::task::spawn_blocking(move || c.output().unwrap())
                    .await
                    .unwrap();
                let what = format!("{protocol} {config:?} {flags:?} {envs:?} {mode:?}");
                assert_eq!(
                    out.status.code(),
                    Some(1),
                    "{what}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                // The server's words are there (quoted), its secrets are not.
                let text = String::from_utf8_lossy(&out.stdout);
                assert!(
                    text.contains("you sent") || !mode.is_empty() || protocol != "grpc",
                    "{what}: {text}"
                );
                assert_clean(&what, &both(&out), &p.key_lines);
                assert!(started.elapsed() < Duration::from_secs(20), "{what}");
            }
        }
    }
}

/// The bundle and `runner run`'s pre-flight file and logs, with the same server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bundle_preflight_file_and_runner_logs_are_scrubbed() {
    use std::os::unix::fs::PermissionsExt;
    let port = reflecting_server().await;
    let p = plant();
    let dir = p.dir.path();
    let cfg = dir.join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "log_file = \"{log}\"\n\
             [[runners]]\nname = \"r\"\nurl = \"http://127.0.0.1:1/\"\ntoken = \"PLANTEDRUNNERTOKEN1\"\nexecutor = \"shell\"\n\
             [otel]\nendpoint = \"http://user:PLANTEDURLPW1@127.0.0.1:{port}/v1/traces?api_key=PLANTEDQUERY1\"\n\
             protocol = \"http/protobuf\"\nservice_name = \"ci\"\n\
             [otel.headers]\nx-cfg-key = \"PLANTEDCFGHDR1\"\n",
            log = dir.join("runner.log").display()
        ),
    )
    .unwrap();
    // The bundle.
    let out_path = dir.join("b.tar.gz");
    let mut c = cli();
    c.args(["doctor", "bundle", "-c"])
        .arg(&cfg)
        .arg("-o")
        .arg(&out_path)
        .args(["--timeout", "1s"]);
    c.env("OTEL_EXPORTER_OTLP_HEADERS", "x-env-key=PLANTEDENVHDR1");
    let out = tokio::task::spawn_blocking(move || c.output().unwrap())
        .await
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_clean("bundle command", &both(&out), &p.key_lines);
    let gz = flate2::read::GzDecoder::new(std::fs::File::open(&out_path).unwrap());
    let mut archive = tar::Archive::new(gz);
    let mut members = 0;
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().display().to_string();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
        let text = String::from_utf8_lossy(&data);
        for s in PLANTED
            .iter()
            .map(|s| s.to_string())
            .chain(p.key_lines.iter().cloned())
        {
            assert!(!text.contains(&s), "bundle {name}: {s} leaked");
        }
        assert!(
            !data.contains(&0x1b) && !data.contains(&0x07),
            "bundle {name}: raw control byte"
        );
        members += 1;
    }
    assert!(members >= 3);

    // `runner run`: the pre-flight report in the state directory, and the runner's logs.
    let state = dir.join("state");
    let mut c = cli();
    c.args(["run", "-c"])
        .arg(&cfg)
        .args(["--preflight", "warn"]);
    c.env("RUNNER_STATE_DIR", &state)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    // The pre-flight report of this config file (one per config, see `state`).
    let file = runner::state::preflight_path_for(
        &runner::config::Environment::from_pairs([(
            "RUNNER_STATE_DIR",
            state.display().to_string(),
        )]),
        Some(&cfg),
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    while !file.exists() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    assert!(
        file.exists(),
        "no pre-flight file: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "pre-flight file mode");
    let report = std::fs::read(&file).unwrap();
    assert!(
        String::from_utf8_lossy(&report).contains("you sent"),
        "the reflection is quoted"
    );
    assert_clean("pre-flight file", &report, &p.key_lines);
    assert_clean("runner stderr", &both(&out), &p.key_lines);
    let log = std::fs::read(dir.join("runner.log")).unwrap_or_default();
    assert!(!log.is_empty(), "runner.log written");
    assert_clean("runner.log", &log, &p.key_lines);
}
