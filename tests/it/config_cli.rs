//! `runner doctor otel` as a user runs it: exit codes of bad config files, secrets never printed,
//! and the JSON report's required fields (`docs/exit-codes.md`, `docs/report-schema.json`).

use std::path::Path;
use std::process::{Command, Output};

/// Runs the binary with a clean OTEL environment (only `env` set), in `dir`.
fn runner(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_runner"));
    cmd.current_dir(dir).args(args).env("NO_COLOR", "1");
    for (k, _) in std::env::vars() {
        if k.starts_with("OTEL_")
            || k.ends_with("_PROXY")
            || k.ends_with("_proxy")
            || k == "RUNNER_CONFIG"
        {
            cmd.env_remove(k);
        }
    }
    cmd.envs(env.iter().copied());
    cmd.output().unwrap()
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn syntax_error_exits_2_naming_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.toml"),
        "concurrent = 1\n\n[otel]\nendpoint = \"http://c:4318\n",
    )
    .unwrap();
    let o = runner(
        dir.path(),
        &["doctor", "otel", "-c", "bad.toml", "--no-canary"],
        &[],
    );
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}{err}");
    assert!(err.contains("bad.toml, line 4, column"), "{err}");
}

#[test]
fn default_config_toml_in_cwd_is_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.toml"), "[otel]\nendpont = \"x\"\n").unwrap();
    let o = runner(dir.path(), &["doctor", "otel", "--no-canary"], &[]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(err.contains("config.toml, line 2, column 1: unknown key `endpont` in [otel] (did you mean `endpoint`?)"), "{err}");
}

#[test]
fn missing_config_file_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let o = runner(dir.path(), &["doctor", "otel", "-c", "nope.toml"], &[]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err.contains("nope.toml") && err.contains("no such file"),
        "{err}"
    );
}

#[test]
fn unknown_otel_key_names_nearest_valid_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("c.toml"),
        "[otel]\nendpoint = \"http://c:4318\"\ntraces_endpiont = \"http://c:4318/v1/traces\"\n",
    )
    .unwrap();
    let o = runner(dir.path(), &["doctor", "otel", "-c", "c.toml"], &[]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(err.contains("line 3, column 1: unknown key `traces_endpiont` in [otel] (did you mean `traces_endpoint`?)"), "{err}");
}

#[test]
fn no_secret_in_any_output() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("c.toml"),
        "[[runners]]\nname = \"r1\"\nurl = \"https://gitlab.example\"\ntoken = \"glrt-TOKENSECRET42\"\nexecutor = \"shell\"\n\n\
         [otel]\nendpoint = \"http://bob:URLPASSWORD77@127.0.0.1:9\"\n\n[otel.headers]\nx-api-key = \"CFGHEADERSECRET\"\n",
    )
    .unwrap();
    let env = [
        (
            "OTEL_EXPORTER_OTLP_HEADERS",
            "authorization=Bearer%20ENVHEADERSECRET",
        ),
        (
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "http://amy:ENVURLPASS99@127.0.0.1:9/v1/traces",
        ),
        ("HTTPS_PROXY", "http://p:PROXYPASS55@127.0.0.1:3128"),
        (
            "OTEL_EXPORTER_OTLP_METRICS_HEADERS",
            "Authorization: Bearer BROKENHEADERSECRET",
        ),
    ];
    let secrets = [
        "TOKENSECRET42",
        "URLPASSWORD77",
        "CFGHEADERSECRET",
        "ENVHEADERSECRET",
        "ENVURLPASS99",
        "PROXYPASS55",
        "BROKENHEADERSECRET",
    ];
    for extra in [
        &[][..],
        &["--json"][..],
        &["-v"][..],
        &["--header", "x-flag=FLAGSECRET"][..],
    ] {
        let mut args = vec![
            "doctor",
            "otel",
            "-c",
            "c.toml",
            "--no-canary",
            "--signal",
            "all",
        ];
        args.extend_from_slice(extra);
        let o = runner(dir.path(), &args, &env);
        let (out, err) = text(&o);
        assert!(out.contains("<redacted"), "{out}{err}");
        for s in secrets.iter().chain(["FLAGSECRET"].iter()) {
            assert!(
                !out.contains(s) && !err.contains(s),
                "{s} leaked with {extra:?}:\n{out}\n{err}"
            );
        }
    }
}

#[test]
fn json_report_has_contract_fields() {
    let dir = tempfile::tempdir().unwrap();
    let o = runner(
        dir.path(),
        &[
            "doctor",
            "otel",
            "--output",
            "json",
            "--no-canary",
            "--endpoint",
            "http://127.0.0.1:9",
        ],
        &[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318/v1/traces")],
    );
    let (out, err) = text(&o);
    let v: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    assert_eq!(v["schema"], "runner.doctor.otel/v1");
    assert!(v["version"].is_string());
    assert!(["healthy", "degraded", "broken"].contains(&v["verdict"].as_str().unwrap()));
    assert!(v["duration_ms"].is_u64());
    let ep = &v["settings"]["traces"]["endpoint"];
    assert_eq!(ep["value"], "http://127.0.0.1:9");
    assert_eq!(ep["source"], "flag");
    let sh = v["settings"]["shadowed"].as_array().unwrap();
    assert!(
        sh.iter()
            .any(|s| s["source"] == "env:OTEL_EXPORTER_OTLP_ENDPOINT"),
        "{sh:?}"
    );
    let t = &v["targets"][0];
    assert_eq!(t["signal"], "traces");
    assert_eq!(t["url"], "http://127.0.0.1:9/v1/traces");
    assert_eq!(t["protocol"], "http/protobuf");
    let stages: Vec<&str> = t["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["stage"].as_str().unwrap())
        .collect();
    assert_eq!(stages[0], "config");
    for c in t["checks"].as_array().unwrap() {
        assert!(["pass", "warn", "fail", "skip"].contains(&c["status"].as_str().unwrap()));
        assert!(c["duration_ms"].is_u64() && c["summary"].is_string() && c["evidence"].is_object());
    }
    let f = v["findings"].as_array().unwrap();
    assert!(!f.is_empty());
    for f in f {
        for k in [
            "cause",
            "severity",
            "stage",
            "summary",
            "explanation",
            "fix",
            "fix_verified",
            "evidence",
        ] {
            assert!(f.get(k).is_some(), "finding lacks {k}: {f}");
        }
        assert!(f.get("signal").is_some());
    }
    assert!(v.get("canary").is_some());
}

#[test]
fn error_finding_exits_1_and_warnings_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    let o = runner(
        dir.path(),
        &["doctor", "otel", "--no-canary"],
        &[("OTEL_SDK_DISABLED", "true")],
    );
    assert_eq!(o.status.code(), Some(1));
    // A warning only (config shadows the environment) with a collector that accepts exports.
    let port = otlp_http_ok_server();
    std::fs::write(
        dir.path().join("config.toml"),
        format!("[otel]\nendpoint = \"http://127.0.0.1:{port}\"\n"),
    )
    .unwrap();
    let o = runner(
        dir.path(),
        &["doctor", "otel", "--no-canary"],
        &[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")],
    );
    let (out, _) = text(&o);
    assert!(out.contains("env_overridden"), "{out}");
    assert_eq!(o.status.code(), Some(0), "{out}");
}

/// A minimal OTLP/HTTP receiver on a loopback port: every request gets `200` with an empty
/// protobuf body (a valid, empty `ExportTraceServiceResponse`).
fn otlp_http_ok_server() -> u16 {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming().take(64) {
            let Ok(mut conn) = conn else { continue };
            let _ = conn.set_read_timeout(Some(std::time::Duration::from_secs(2)));
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            // Read the head, then as much body as content-length says (bounded).
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 65536 {
                match conn.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            let head = String::from_utf8_lossy(&buf).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            let head_end = buf
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .map_or(buf.len(), |i| i + 4);
            let mut have = buf.len() - head_end;
            while have < len.min(65536) {
                match conn.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => have += n,
                }
            }
            let _ = conn.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            );
        }
    });
    port
}
