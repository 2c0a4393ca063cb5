//! `docs/exit-codes.md` is what the program does: every row of its table is run (its example,
//! with `sh`, from the repository's root) and must end with the row's exit code.

use crate::support::markdown;
use crate::support::ports::free_port;
use crate::support::process::{runner_table, write_config};
use crate::support::receivers::{self, Behaviour};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The longest a row may take (a bundle runs the doctor; `run` waits three seconds).
const ROW_BUDGET: Duration = Duration::from_secs(60);

/// Runs `line` with `sh -c` in `root`, `runner` first on `PATH`; its exit code, and what it
/// printed.
fn sh(line: &str, root: &Path, home: &Path) -> (Option<i32>, String) {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_runner")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = home.join("output.txt");
    // Its own process group, so a row past its budget is ended with everything it started.
    let mut child = Command::new("sh")
        .process_group(0)
        .args(["-c", line])
        .current_dir(root)
        .env_clear()
        .env("PATH", path)
        .env("HOME", home)
        .env("RUNNER_STATE_DIR", home.join("state"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&out).unwrap())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if start.elapsed() > ROW_BUDGET {
            let group = format!("-{}", child.id());
            let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let printed = std::fs::read_to_string(&out).unwrap_or_default();
    (status.and_then(|s| s.code()), printed)
}

#[test]
fn every_documented_exit_code_is_what_the_command_returns() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let page = std::fs::read_to_string(root.join("docs/exit-codes.md")).unwrap();
    let rows = markdown::table(&page, "command");
    let otlp = receivers::http(Behaviour::Accept);
    let closed = free_port();
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(
        tmp.path(),
        &format!(
            "check_interval = 1\n{}",
            runner_table(
                &format!("http://127.0.0.1:{closed}/"),
                "glrt-exit-codes",
                &tmp.path().join("builds")
            )
        ),
    );

    let mut commands = std::collections::BTreeSet::new();
    let mut problems = Vec::new();
    for row in &rows {
        let [command, outcome, exit, example] = row.as_slice() else {
            panic!("docs/exit-codes.md: a row of 4 cells wanted, got {row:?}");
        };
        commands.insert(command.clone());
        let want: i32 = markdown::code(exit)
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("docs/exit-codes.md: exit {exit:?} is not `0`, `1` or `2`"));
        let line = markdown::code(example)
            .unwrap_or_else(|| panic!("docs/exit-codes.md: example {example:?} is no code span"))
            .replace("{otlp}", &otlp.url())
            .replace("{closed}", &closed.to_string())
            .replace("{tmp}", &tmp.path().display().to_string())
            .replace("{config}", &config.display().to_string());
        assert!(!line.contains('{'), "an unknown placeholder in {example}");
        let (got, printed) = sh(&line, root, tmp.path());
        if got != Some(want) {
            problems.push(format!(
                "{command} ({outcome}): `{line}` exited {got:?}, the page says {want}\n{printed}"
            ));
        }
    }
    for c in [
        "`doctor otel`",
        "`doctor collector`",
        "`doctor explain`",
        "`doctor explain --file`",
        "`doctor bundle`",
        "`run`",
        "any",
    ] {
        assert!(
            commands.contains(c),
            "docs/exit-codes.md has no row for {c}"
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
