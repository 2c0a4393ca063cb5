//! The job trace at a real collector (rotel), end to end: `runner run` as a process, its real
//! pipeline built from `[otel]` by `telemetry::build`, a mock coordinator handing out jobs with
//! two steps. One trace per job, with the span names, parent links and attributes the runner
//! promises, over OTLP/gRPC and OTLP/HTTP.

use crate::support::gitlab::{git_repo, job, Mock};
use crate::support::process::{runner, runner_table, write_config, Running};
use crate::support::rotel::{Rotel, RotelSpan};
use std::time::Duration;

const TOKEN: &str = "glrt-rotel-runner";

/// Root, request, prepare, step script, step after_script, upload log, report result.
const SPANS_PER_JOB: usize = 7;

async fn one_trace_per_job(protocol: &str) {
    let rotel = Rotel::start();
    let port = if protocol == "grpc" {
        rotel.grpc_port
    } else {
        rotel.http_port
    };
    let dir = tempfile::tempdir().unwrap();
    let sha = git_repo(&dir.path().join("repo"));
    let repo = dir.path().join("repo").display().to_string();
    let mock = Mock::start(TOKEN).await;
    mock.push_job(job(
        51,
        &repo,
        &sha,
        &["echo one", "echo two"],
        &["echo after"],
    ));
    mock.push_job(job(
        52,
        &repo,
        &sha,
        &["echo one", "exit 4"],
        &["echo cleanup"],
    ));
    let cfg = write_config(
        dir.path(),
        &format!(
            "concurrent = 1\ncheck_interval = 1\n{}[otel]\nendpoint = \"http://127.0.0.1:{port}\"\n\
             protocol = \"{protocol}\"\nservice_name = \"ci-runner\"\n",
            runner_table(&mock.url(), TOKEN, &dir.path().join("builds"))
        ),
    );
    let mut r = Running::start(runner(
        dir.path(),
        &["-c", cfg.to_str().unwrap(), "--preflight-budget", "5s"],
    ));
    assert_eq!(
        mock.wait_final(51, Duration::from_secs(30)).await["state"],
        "success"
    );
    assert_eq!(
        mock.wait_final(52, Duration::from_secs(30)).await["state"],
        "failed"
    );
    // The spans still queued go out in the bounded flush at shutdown.
    r.signal("TERM");
    assert_eq!(
        r.exit_code(Duration::from_secs(30)).await,
        Some(0),
        "{}",
        r.text()
    );
    let text = r.text();
    assert!(
        text.contains("pre-flight: telemetry healthy"),
        "{protocol}: {text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("telemetry flushed") && l.contains("spans_lost=0")),
        "{protocol}: {text}"
    );

    // The pre-flight's canary is a trace of its own; the jobs' spans are counted apart.
    let spans = rotel
        .wait_spans(2 * SPANS_PER_JOB, Duration::from_secs(10))
        .await;
    let roots: Vec<&RotelSpan> = spans.iter().filter(|s| s.name == "job build-job").collect();
    assert_eq!(roots.len(), 2, "{protocol}: {spans:#?}");
    assert_ne!(roots[0].trace_id, roots[1].trace_id, "one trace per job");
    for root in &roots {
        check_job_trace(&mock, root, &spans, protocol);
    }
    // The resource: service.name from `[otel]`, the runner's name from its identity (only the
    // job pipeline has the latter; the canary's resource does not).
    let out = rotel.log();
    for attr in [
        "-> service.name: Str(ci-runner)",
        "-> runner.name: Str(cli-runner)",
    ] {
        assert!(out.contains(attr), "{protocol}: {attr} not in: {out}");
    }
}

fn check_job_trace(mock: &Mock, root: &RotelSpan, spans: &[RotelSpan], protocol: &str) {
    let job_id = &root.attributes["cicd.pipeline.task.run.id"];
    assert_eq!(root.attributes["cicd.pipeline.name"], "demo pipeline");
    assert_eq!(root.attributes["cicd.pipeline.run.id"], "777");
    assert_eq!(root.attributes["cicd.pipeline.task.name"], "build-job");
    assert_eq!(root.attributes["cicd.worker.name"], "cli-runner");
    assert_eq!(root.attributes["runner.executor"], "shell");
    assert!(root.parent_id.is_empty(), "root has a parent: {root:?}");
    assert!(
        mock.log(job_id.parse().unwrap())
            .contains(&format!("Trace ID: {}", root.trace_id)),
        "the job log names the trace"
    );
    let children: Vec<_> = spans
        .iter()
        .filter(|s| s.trace_id == root.trace_id && s.id != root.id)
        .collect();
    let mut names: Vec<_> = children.iter().map(|s| s.name.as_str()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "prepare",
            "report result",
            "request job",
            "step after_script",
            "step script",
            "upload log"
        ],
        "{protocol}: job {job_id}"
    );
    for c in &children {
        assert_eq!(
            c.parent_id, root.id,
            "{} is not a child of the root",
            c.name
        );
    }
    let step = children.iter().find(|s| s.name == "step script").unwrap();
    let after = children
        .iter()
        .find(|s| s.name == "step after_script")
        .unwrap();
    let request = children.iter().find(|s| s.name == "request job").unwrap();
    assert_eq!(request.attributes["http.response.status_code"], "201");
    assert_eq!(after.attributes["process.exit.code"], "0");
    if job_id == "52" {
        assert_eq!(step.attributes["process.exit.code"], "4");
        assert_eq!(step.status, "STATUS_CODE_ERROR");
        assert_eq!(root.status, "STATUS_CODE_ERROR");
    } else {
        assert_eq!(job_id, "51");
        assert_eq!(step.attributes["process.exit.code"], "0");
        assert_ne!(step.status, "STATUS_CODE_ERROR");
        assert_ne!(root.status, "STATUS_CODE_ERROR");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotel_receives_one_trace_per_job_over_grpc() {
    one_trace_per_job("grpc").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotel_receives_one_trace_per_job_over_http_protobuf() {
    one_trace_per_job("http/protobuf").await;
}

/// The README's tour is the program's real output: each `$ command` block of README.md is run
/// here (with `sh`, `runner` first on `PATH`, in an empty directory that sees the repository's
/// `scenarios/`) against rotel (ports shown as 14317/14318), and compared after masking what
/// changes run to run (durations, trace ids). On a difference the real output is written to
/// docs/tour/NAME.txt to paste into the README. A block that runs the program without showing
/// its output is refused: every one is checked.
#[test]
fn the_readme_tour_is_what_the_program_prints() {
    let rotel = Rotel::start();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(root.join("scenarios"), dir.path().join("scenarios")).unwrap();
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_runner"))
        .parent()
        .unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let ports = [
        (rotel.grpc_port.to_string(), "14317"),
        (rotel.http_port.to_string(), "14318"),
    ];
    let unshown = unshown_commands(&readme);
    assert!(
        unshown.is_empty(),
        "README.md runs the program without showing what it prints (write `$ COMMAND` and \
         its output, so this test checks it): {unshown:?}"
    );
    let blocks = tour_blocks(&readme);
    assert!(
        blocks.len() >= 4,
        "the README's tour has no `$ runner ...` blocks"
    );
    let mut problems = Vec::new();
    for (i, (cmd, shown)) in blocks.iter().enumerate() {
        let mut line = cmd.clone();
        for (real, readme_port) in &ports {
            line = line.replace(readme_port, real);
        }
        let out = std::process::Command::new("sh")
            .args(["-c", &line])
            .current_dir(dir.path())
            .env_clear()
            .env("PATH", &path)
            .env("HOME", dir.path())
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let mut got = String::from_utf8_lossy(&out.stdout).into_owned();
        for (real, readme_port) in &ports {
            got = got.replace(real.as_str(), readme_port);
        }
        if mask(&got) != mask(shown) {
            let name = format!("tour-{}.txt", i + 1);
            let path = root.join("docs/tour").join(&name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, format!("$ {cmd}\n{got}")).unwrap();
            problems.push(format!(
                "`{cmd}` prints otherwise than README.md shows; the real output is in \
                 docs/tour/{name}\n{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `(command, output)` of every indented `$ ...` block of the README that runs `runner`,
/// output lines de-indented.
fn tour_blocks(readme: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in readme.lines() {
        if let Some(cmd) = line.strip_prefix("    $ ") {
            blocks.extend(current.take());
            assert!(
                runs_the_program(cmd),
                "README.md: `$ {cmd}` does not run `runner`"
            );
            current = Some((cmd.to_string(), String::new()));
        } else if let Some((_, out)) = current.as_mut() {
            if let Some(rest) = line.strip_prefix("    ") {
                out.push_str(rest);
                out.push('\n');
            } else if line.is_empty() {
                out.push('\n');
            } else {
                blocks.extend(current.take());
            }
        }
    }
    blocks.extend(current);
    blocks
}

/// Whether a shell line calls `runner` (after any `NAME=value` assignments, or after a pipe).
fn runs_the_program(cmd: &str) -> bool {
    cmd.split('|').any(|part| {
        part.split_whitespace()
            .find(|w| !w.contains('=') || w.starts_with('-'))
            .is_some_and(|w| w == "runner")
    })
}

/// Indented lines (code blocks) that run `runner` without a `$ ` prompt: commands whose output
/// the README does not show, which the tour cannot check.
fn unshown_commands(readme: &str) -> Vec<String> {
    let mut in_output = false;
    let mut found = Vec::new();
    for line in readme.lines() {
        if line.starts_with("    $ ") {
            in_output = true;
        } else if let Some(code) = line.strip_prefix("    ") {
            if !in_output && runs_the_program(code) {
                found.push(code.to_string());
            }
        } else if !line.is_empty() {
            in_output = false;
        }
    }
    found
}

/// Masks what changes from run to run: durations (`12 ms`, `<1 ms`, `4.1 s`) and 32-hex trace
/// ids; trailing blank lines do not count.
fn mask(text: &str) -> String {
    let mut out = Vec::new();
    for line in text.trim_end().lines() {
        let words: Vec<String> = line
            .split(' ')
            .map(|w| {
                let hex = w.len() == 32 && w.chars().all(|c| c.is_ascii_hexdigit());
                let number = !w.is_empty()
                    && (w.chars().all(|c| c.is_ascii_digit() || c == '.') || w == "<1");
                if hex {
                    "[TRACE]".to_string()
                } else if number {
                    "[N]".to_string()
                } else {
                    w.to_string()
                }
            })
            .collect();
        out.push(words.join(" "));
    }
    out.join("\n")
}
