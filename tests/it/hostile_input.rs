//! Bad and hostile input: no panic (exit 101) ever, usage errors exit 2 naming what is wrong,
//! bounded output, and `doctor bundle -o` never replaces what is not a file or a link.

use crate::support::process::{cli, runner, write_config};
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn run(c: &mut Command) -> (i32, String, String) {
    let o: Output = c.output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn zero_and_absurd_durations_are_usage_errors_naming_the_flag_and_range() {
    let dir = tempfile::tempdir().unwrap();
    for (args, flag) in [
        (vec!["doctor", "otel", "--timeout", "1e20"], "--timeout"),
        (vec!["doctor", "otel", "--timeout", "0"], "--timeout"),
        (vec!["doctor", "otel", "--timeout", "0s"], "--timeout"),
        (
            vec!["doctor", "bundle", "-o", "x.tar.gz", "--timeout", "1e20"],
            "--timeout",
        ),
        (
            vec!["run", "--preflight-budget", "1e20"],
            "--preflight-budget",
        ),
        (vec!["run", "--preflight-budget", "0"], "--preflight-budget"),
    ] {
        let (code, _, err) = run(cli().current_dir(dir.path()).args(&args));
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.contains(flag) && err.contains("from 1ms to 1h"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn non_ascii_before_a_key_never_panics_in_explain_or_bundle() {
    let (code, out, err) = run(cli().args([
        "doctor",
        "explain",
        "エクスポート失敗:api_key=abcdef123 connection refused",
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("エクスポート失敗") && !out.contains("abcdef123"),
        "{out}"
    );

    // Random bytes on standard input.
    let mut bytes = noise(4096);
    bytes.extend_from_slice("失敗:token=zzzzzz9 エ://x".as_bytes());
    let o = explain_stdin(bytes);
    // 0 (a cause matched), 1 (none did) or 2 (not text): never a panic.
    assert!(
        matches!(o.status.code(), Some(0..=2)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    // OTEL_SERVICE_NAME with such text, then a bundle.
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(cli()
        .current_dir(dir.path())
        .env("OTEL_SERVICE_NAME", "エクスポート失敗:api_key=abcdef123")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
        .args(["doctor", "bundle", "-o", "b.tar.gz", "--timeout", "300ms"]));
    assert_eq!(code, 0, "{err}");
    assert!(dir.path().join("b.tar.gz").is_file());
}

#[test]
fn invalid_utf8_in_an_otel_variable_is_a_finding_naming_it() {
    use std::os::unix::ffi::OsStringExt;
    let (code, out, err) = run(cli()
        .env(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            std::ffi::OsString::from_vec(b"http://127.0.0.1:1\xff".to_vec()),
        )
        .args(["doctor", "otel", "--timeout", "300ms", "--no-canary"]));
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains("OTEL_EXPORTER_OTLP_ENDPOINT is not valid UTF-8") && out.contains("\\xff"),
        "{out}"
    );
}

#[test]
fn config_bombs_and_bad_files_are_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "big.toml",
            format!(
                "[otel]\nservice_name = \"{}\"\n",
                "x".repeat(20 * 1024 * 1024)
            )
            .into_bytes(),
            "1 MiB",
        ),
        (
            "deep.toml",
            format!("a = {}{}\n", "[".repeat(2000), "]".repeat(2000)).into_bytes(),
            "64 levels",
        ),
        (
            "headers.toml",
            format!(
                "[otel.headers]\n{}",
                (0..100_000)
                    .map(|i| format!("h{i}=\"v\"\n"))
                    .collect::<String>()
            )
            .into_bytes(),
            "1 MiB",
        ),
        (
            "many.toml",
            format!(
                "[otel.headers]\n{}",
                (0..1000)
                    .map(|i| format!("h{i}=\"v\"\n"))
                    .collect::<String>()
            )
            .into_bytes(),
            "limit of 256 headers",
        ),
        (
            "utf8.toml",
            b"[otel]\nservice_name = \"a\xffb\"\n".to_vec(),
            "line 2",
        ),
        (
            "type.toml",
            b"[otel.headers]\nx-n = 5\n".to_vec(),
            "expected a string",
        ),
    ];
    for (name, data, expect) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, data).unwrap();
        let (code, out, err) = run(cli().args(["doctor", "otel", "-c"]).arg(&p));
        assert_eq!(code, 2, "{name}: {err}");
        assert!(err.contains(name) && err.contains(expect), "{name}: {err}");
        assert!(out.len() < 1024, "{name}: stdout {} bytes", out.len());
    }
}

#[test]
fn bundle_output_refuses_what_is_not_a_file_or_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fifo = d.join("fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let sock = d.join("sock");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    // A device node of our own (never a system one: a binary with the old behaviour would
    // replace it). Creating one needs root; without it the device case is left out.
    let dev = d.join("null-device");
    let have_dev = Command::new("mknod")
        .arg(&dev)
        .args(["c", "1", "3"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let mut cases = vec![
        (d.to_path_buf(), "a directory"),
        (fifo.clone(), "a FIFO"),
        (sock.clone(), "a socket"),
    ];
    if have_dev {
        cases.push((dev.clone(), "a device"));
    }
    for (path, what) in cases {
        let (code, _, err) = run(cli()
            .current_dir(d)
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
            .args(["doctor", "bundle", "--force", "--timeout", "300ms", "-o"])
            .arg(&path));
        assert_eq!(code, 2, "{path:?}: {err}");
        assert!(err.contains(what), "{path:?}: {err}");
    }
    use std::os::unix::fs::FileTypeExt;
    if have_dev {
        assert!(std::fs::symlink_metadata(&dev)
            .unwrap()
            .file_type()
            .is_char_device());
    }
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());

    // A symlink is replaced itself; its target is untouched.
    let target = d.join("target.txt");
    std::fs::write(&target, "keep me").unwrap();
    let link = d.join("link.tar.gz");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let (code, _, err) = run(cli()
        .current_dir(d)
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
        .args(["doctor", "bundle", "--force", "--timeout", "300ms", "-o"])
        .arg(&link));
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_file());
}

/// `runner run` with a coordinator that accepts connections and never answers: SIGTERM with no
/// job running ends the runner within `shutdown_timeout` plus a second.
#[test]
fn sigterm_cancels_a_job_request_that_never_returns() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming() {
            held.push(s); // accepted, never answered
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(
        dir.path(),
        &format!(
            "shutdown_timeout = 3\ncheck_interval = 1\n\
             [[runners]]\nname = \"r\"\nurl = \"http://127.0.0.1:{port}/\"\ntoken = \"t0123456789\"\nexecutor = \"shell\"\n\
             [otel]\nendpoint = \"http://127.0.0.1:1\"\nprotocol = \"http/protobuf\"\npreflight = \"off\"\n"
        ),
    );
    let mut child = runner(dir.path(), &["-c", cfg.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the runner is still polling"
    );
    let sent = std::time::Instant::now();
    assert!(Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let deadline = sent + std::time::Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let took = sent.elapsed();
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    assert!(
        took <= std::time::Duration::from_secs(4),
        "exited {took:?} after SIGTERM: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What the program wrote has no control character but line feeds (C0, C1, DEL, ESC): user
/// input is echoed escaped, as peer text is.
fn assert_no_raw_control(what: &str, out: &str) {
    let bad: Vec<char> = out
        .chars()
        .filter(|&c| c != '\n' && c.is_control())
        .collect();
    assert!(bad.is_empty(), "{what}: raw {bad:?} in {out:?}");
}

/// Control characters of every kind, in a value a user could give.
const EVIL: &str = "a\u{18}b\u{1b}[2Jc\u{7}d\u{7f}e\u{9b}31mf\u{1}\r\nrunner: fake line";

#[test]
fn binary_input_to_explain_is_a_usage_error_with_nothing_raw_echoed() {
    let o = explain_stdin(noise(1 << 20));
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert_eq!(o.status.code(), Some(2), "{out}{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("the input is not text"), "{err}");
    assert_no_raw_control("stderr", &err);
}

#[test]
fn control_characters_of_user_input_are_escaped_everywhere_it_is_echoed() {
    let dir = tempfile::tempdir().unwrap();
    // explain: the error line as an argument, and in a log.
    let (code, out, err) = run(cli().args([
        "doctor",
        "explain",
        &format!("dial tcp 127.0.0.1:4317: connect: connection refused {EVIL}"),
    ]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("\\x18") && out.contains("tcp_refused"),
        "{out}"
    );
    assert_no_raw_control("explain", &format!("{out}{err}"));
    let log = dir.path().join("app.log");
    std::fs::write(&log, format!("error: connection refused {EVIL}\n")).unwrap();
    let (_, out, err) = run(cli().args(["doctor", "explain", "--file"]).arg(&log));
    assert_no_raw_control("explain --file", &format!("{out}{err}"));
    // A config file's words, quoted back in its error.
    for body in [
        format!("[otel]\nendpoint = 42\n{EVIL} = 1\n"),
        format!("[otel]\n\"{EVIL}\" = 1\n"),
        format!(
            "[otel]\nprotocol = \"{}\"\n",
            EVIL.replace('\u{1b}', "").replace(['\r', '\n'], "")
        ),
    ] {
        let config = write_config(dir.path(), &body);
        let (code, out, err) = run(cli().args(["doctor", "otel", "-c"]).arg(&config));
        assert_eq!(code, 2, "{out}{err}");
        assert_no_raw_control("config error", &format!("{out}{err}"));
    }
    // A flag value the report quotes back (the endpoint of its findings and stages).
    let (_, out, err) = run(cli().args(["doctor", "otel", "--no-canary", "--endpoint", EVIL]));
    assert!(out.contains("\\x18"), "{out}");
    assert_no_raw_control("report", &format!("{out}{err}"));
    // Flag values clap or the doctor refuse.
    for args in [
        vec!["doctor", "otel", "--timeout", EVIL],
        vec!["doctor", "otel", "--protocol", EVIL],
        vec!["doctor", "explain", "--output", EVIL],
    ] {
        let (code, out, err) = run(cli().args(&args));
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert_no_raw_control(&format!("{args:?}"), &format!("{out}{err}"));
    }
}

/// `n` pseudo-random bytes (xorshift), the same every run.
fn noise(n: usize) -> Vec<u8> {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    (0..n)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect()
}

/// `runner doctor explain` with `bytes` on standard input (written while its output is read).
fn explain_stdin(bytes: Vec<u8>) -> Output {
    let mut child = cli()
        .args(["doctor", "explain"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&bytes);
    });
    let o = child.wait_with_output().unwrap();
    writer.join().unwrap();
    o
}
