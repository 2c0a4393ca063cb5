//! `runner doctor explain --file`: whole logs written by real tools (tests/data/explain-logs,
//! made by scripts/explain-corpus/logs.sh) are grouped by cause, each group once, with counts
//! and first/last time stamps; standard input works the same; bad input never panics.

use runner::cause::Cause;
use runner::explain::logscan::{scan, Summary};
use runner::explain::own::Coordinator;
use std::process::{Command, Stdio};

fn scan_file(name: &str) -> Summary {
    let path = format!(
        "{}/tests/data/explain-logs/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let f = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    scan(std::io::BufReader::new(f)).unwrap()
}

fn causes(s: &Summary) -> Vec<Cause> {
    s.groups.iter().map(|g| g.cause).collect()
}

fn assert_groups_unique(s: &Summary) {
    let mut keys: Vec<String> = s
        .groups
        .iter()
        .map(|g| {
            let c: Vec<&str> = g.matches.iter().map(|m| m.cause.code()).collect();
            format!("{}{}", g.vague, c.join(","))
        })
        .collect();
    let n = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), n, "a group is shown twice");
}

#[test]
fn collector_text_log_with_colours_groups_its_export_errors() {
    // rotel exporting to a dead port: `Exporting failed, dropping data. error=Connect`, coloured.
    let s = scan_file("rotel-collector.log");
    assert_groups_unique(&s);
    let g = &s.groups[0];
    assert!(g.vague, "rotel's `error=Connect` names no single cause");
    assert!(
        g.matches.iter().any(|m| m.cause == Cause::TcpRefused),
        "{:?}",
        causes(&s)
    );
    let total: u64 = s.groups.iter().map(|g| g.count).sum();
    assert!(total >= 3, "{total}");
    assert!(
        g.first.as_deref().is_some_and(|t| t.starts_with("20")),
        "{:?}",
        g.first
    );
    assert!(
        !g.sample.contains('\u{1b}'),
        "colours are stripped: {}",
        g.sample
    );
    assert!(s
        .groups
        .iter()
        .all(|g| !g.sample.contains("Starting Rotel")));
}

#[test]
fn collector_json_log_is_read_inside_its_message_and_error_fields() {
    let s = scan_file("rotel-collector.jsonl");
    assert_groups_unique(&s);
    assert!(!s.groups.is_empty(), "{s:?}");
    let g = &s.groups[0];
    assert!(
        g.sample.contains("Exporting failed") && g.sample.contains("Connect"),
        "{}",
        g.sample
    );
    assert!(
        g.first.as_deref().is_some_and(|t| t.contains('T')),
        "{:?}",
        g.first
    );
    assert!(g.count >= 2, "{}", g.count);
}

#[test]
fn python_sdk_log_with_a_traceback_lands_on_tls_to_plaintext() {
    // The OTLP gRPC exporter over TLS to a plaintext port; grpc core's glog lines; a grpcio
    // error logged with its traceback (one event over many lines).
    let s = scan_file("python-sdk.log");
    assert_groups_unique(&s);
    let g = s
        .groups
        .iter()
        .find(|g| g.cause == Cause::TlsToPlaintext)
        .unwrap_or_else(|| panic!("{:?}", causes(&s)));
    assert!(g.count >= 3, "{}", g.count);
    assert_ne!(g.first, g.last);
    assert!(
        s.groups.iter().all(|g| !g.sample.starts_with("File ")),
        "stack frames are part of their event, not events"
    );
    assert!(
        g.settle_with.contains("--endpoint https://localhost:"),
        "{}",
        g.settle_with
    );
}

#[test]
fn node_sdk_log_with_a_multi_line_error_lands_on_tcp_refused() {
    let s = scan_file("node-sdk.log");
    assert_groups_unique(&s);
    assert_eq!(causes(&s)[0], Cause::TcpRefused, "{s:#?}");
    assert_eq!(
        s.groups[0].count, 2,
        "console.error's object and the diag line"
    );
    // `Export retry time … not retrying further.` names no cause: a group of candidates.
    assert!(s.groups[1..].iter().all(|g| g.vague), "{s:#?}");
    assert!(s.groups[0]
        .settle_with
        .starts_with("runner doctor otel --endpoint http://127.0.0.1:"));
}

fn run(args: &[&str], stdin: &[u8]) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_runner"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut pipe = child.stdin.take().unwrap();
        let _ = pipe.write_all(stdin);
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn file_dash_reads_standard_input_and_exit_codes_follow_the_findings() {
    let log = std::fs::read(format!(
        "{}/tests/data/explain-logs/python-sdk.log",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let (code, out) = run(&["doctor", "explain", "--file", "-"], &log);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("tls_to_plaintext —"), "{out}");
    assert!(
        out.contains("Settle it: runner doctor otel --endpoint https://localhost:"),
        "{out}"
    );
    let (code, out) = run(&["doctor", "explain", "--file", "-", "--json"], &log);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["schema"], "runner.doctor.explain/v1");
    assert!(v["groups"].as_array().is_some_and(|g| !g.is_empty()));

    let (code, out) = run(
        &["doctor", "explain", "--file", "-"],
        b"job 1 started\njob 1 done\n",
    );
    assert_eq!(code, 1, "{out}");
    let (code, _) = run(
        &["doctor", "explain", "--file", "/nonexistent/explain.log"],
        b"",
    );
    assert_eq!(code, 2);
}

#[test]
fn gitlab_runner_logrus_lines_are_grouped_with_their_time() {
    let log = "time=\"2024-05-01T12:00:00Z\" level=info msg=\"Checking for jobs... received\" job=1\n\
               time=\"2024-05-01T12:00:01Z\" level=warning msg=\"otel export failed\" error=\"rpc error: code = Unavailable desc = connection error: desc = \\\"transport: Error while dialing: dial tcp 10.0.0.5:4317: connect: connection refused\\\"\"\n\
               time=\"2024-05-01T12:05:01Z\" level=warning msg=\"otel export failed\" error=\"rpc error: code = Unavailable desc = connection error: desc = \\\"transport: Error while dialing: dial tcp 10.0.0.5:4317: connect: connection refused\\\"\"\n";
    let s = scan(log.as_bytes()).unwrap();
    assert_eq!(causes(&s), vec![Cause::TcpRefused]);
    let g = &s.groups[0];
    assert_eq!(
        (g.count, g.first.as_deref(), g.last.as_deref()),
        (
            2,
            Some("2024-05-01T12:00:01Z"),
            Some("2024-05-01T12:05:01Z")
        )
    );
    assert_eq!(
        g.settle_with,
        "runner doctor otel --endpoint http://10.0.0.5:4317 --protocol grpc"
    );
}

#[test]
fn check_runs_the_doctor_on_the_lines_endpoint_and_names_the_confirmed_candidate() {
    // A port that was just free: nothing listens there, so the wire shows a refusal.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let line = format!("Post \"http://127.0.0.1:{port}/v1/traces\": dial tcp 127.0.0.1:{port}: connect: connection refused");
    let (code, out) = run(&["doctor", "explain", "--check", &line], b"");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!("Settle it: runner doctor otel --endpoint http://127.0.0.1:{port} --protocol http/protobuf")),
        "{out}"
    );
    assert!(
        out.contains("Checked: The wire confirms tcp_refused"),
        "{out}"
    );
}

/// runner.log and runner.jsonl: `runner run` itself (text and `--log-format json`), its
/// pre-flight against a plaintext endpoint given as `https://`, its coordinator answering 403,
/// then (text log) a coordinator on a dead port.
#[test]
fn the_runners_own_log_is_read_exactly() {
    for name in ["runner.log", "runner.jsonl"] {
        let s = scan_file(name);
        let g = &s.groups[0];
        assert_eq!(g.cause, Cause::TlsToPlaintext, "{name}: {s:#?}");
        assert!(
            !g.vague && g.matches.len() == 1,
            "{name}: top-1, the named cause"
        );
        assert_eq!(
            s.groups.len(),
            1,
            "{name}: coordinator lines are not telemetry"
        );
        let refused = s
            .coordinator
            .iter()
            .find(|c| matches!(c.failure, Coordinator::Refused { .. }))
            .unwrap_or_else(|| panic!("{name}: {s:#?}"));
        assert!(
            refused.settle_with.contains("/api/v4/runners/verify")
                && !refused.settle_with.contains("doctor otel"),
            "{}",
            refused.settle_with
        );
        assert!(
            matches!(&refused.failure, Coordinator::Refused { status: Some(st) } if st == "403 Forbidden"),
            "{refused:?}"
        );
    }
    let text = scan_file("runner.log");
    assert!(
        text.coordinator
            .iter()
            .any(|c| matches!(c.failure, Coordinator::Unreachable { .. })),
        "{text:#?}"
    );
    let out = runner::explain::render::log_text(&text);
    assert!(
        out.contains("coordinator refused the job request (403 Forbidden)"),
        "{out}"
    );
    assert!(!out.contains("http_auth_rejected"), "{out}");
}
