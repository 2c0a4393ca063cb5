//! The shell executor: fetches sources with git and runs each step's script in bash.
//!
//! Every child runs in its own process group, so a timeout or an abort kills the whole tree
//! (the step's own children included), not just bash.

use super::job::{GitInfo, JobSpec, Step};
use super::joblog::JobLog;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::process::Command;
use tokio::sync::watch;

/// Process groups of every running child, so a second signal can kill them all at once.
#[derive(Clone, Debug, Default)]
pub struct Procs(Arc<Mutex<HashSet<u32>>>);

impl Procs {
    fn add(&self, pid: u32) {
        self.0.lock().unwrap().insert(pid);
    }
    fn remove(&self, pid: u32) {
        self.0.lock().unwrap().remove(&pid);
    }
    pub fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }
    /// SIGKILL to every group (no `unsafe`: the `kill` utility does it).
    pub fn kill_all(&self) {
        let pids: Vec<u32> = self.0.lock().unwrap().iter().copied().collect();
        for pid in pids {
            kill_group(pid);
        }
    }
}

fn kill_group(pgid: u32) {
    let _ = std::process::Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// How a command ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ended {
    Exited(i32),
    /// Killed by a signal it did not ask for.
    Signaled,
    TimedOut,
    /// The runner was told to abort (second signal, or shutdown grace period over).
    Aborted,
    SpawnFailed(String),
}

impl Ended {
    pub fn success(&self) -> bool {
        matches!(self, Ended::Exited(0))
    }
    pub fn exit_code(&self) -> Option<i32> {
        match self {
            Ended::Exited(c) => Some(*c),
            _ => None,
        }
    }
    pub fn describe(&self) -> String {
        match self {
            Ended::Exited(c) => format!("exit code {c}"),
            Ended::Signaled => "killed by a signal".into(),
            Ended::TimedOut => "timed out".into(),
            Ended::Aborted => "aborted by the runner".into(),
            Ended::SpawnFailed(e) => format!("could not start: {e}"),
        }
    }
}

/// Where one job runs: `<builds_dir>/<runner>/<job id>/<project>`.
#[derive(Clone, Debug)]
pub struct Workspace {
    pub builds_dir: PathBuf,
    pub project_dir: PathBuf,
    /// Scripts live beside the project, never inside it.
    pub tmp_dir: PathBuf,
}

impl Workspace {
    pub fn for_job(builds_dir: &Path, runner_name: &str, job: &JobSpec) -> Workspace {
        let base = builds_dir.join(safe(runner_name)).join(job.id.to_string());
        let project = if job.job_info.project_name.is_empty() {
            "project".to_owned()
        } else {
            safe(&job.job_info.project_name)
        };
        Workspace {
            builds_dir: builds_dir.to_owned(),
            project_dir: base.join(project),
            tmp_dir: base.join("tmp"),
        }
    }
}

fn safe(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    match cleaned.trim_matches('.') {
        "" => "x".into(),
        t => t.to_owned(),
    }
}

/// What a command runs with: variables, a deadline, the abort flag, the process registry.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub vars: BTreeMap<String, String>,
    pub abort: watch::Receiver<bool>,
    pub procs: Procs,
}

/// Runs one command, its output (stdout and stderr) going to the log, bounded by `timeout`.
pub async fn run(mut cmd: Command, log: &JobLog, timeout: Duration, ctx: &Ctx) -> Ended {
    cmd.envs(&ctx.vars)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return Ended::SpawnFailed(e.to_string()),
    };
    let pid = child.id().unwrap_or_default();
    ctx.procs.add(pid);
    let out = pump(child.stdout.take(), log.clone());
    let err = pump(child.stderr.take(), log.clone());
    let mut abort = ctx.abort.clone();
    let ended = tokio::select! {
        status = child.wait() => match status {
            Ok(s) => s.code().map_or(Ended::Signaled, Ended::Exited),
            Err(e) => Ended::SpawnFailed(e.to_string()),
        },
        _ = tokio::time::sleep(timeout) => Ended::TimedOut,
        _ = abort.wait_for(|a| *a) => Ended::Aborted,
    };
    if !matches!(ended, Ended::Exited(_) | Ended::Signaled) {
        kill_group(pid);
        let _ = child.wait().await;
    }
    // The group's leftovers may hold the pipes open; do not wait for them for long.
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        let _ = out.await;
        let _ = err.await;
    })
    .await;
    ctx.procs.remove(pid);
    log.flush_partial();
    ended
}

fn pump<R>(reader: Option<R>, log: JobLog) -> tokio::task::JoinHandle<()>
where
    R: tokio::io::AsyncRead + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let Some(mut r) = reader else { return };
        let mut buf = vec![0u8; 8192];
        while let Ok(n) = r.read(&mut buf).await {
            if n == 0 {
                break;
            }
            log.write(&buf[..n]);
        }
    })
}

/// Why the job's sources could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum SourcesError {
    #[error("cannot create {}: {source}", dir.display())]
    Workspace {
        dir: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("git {step}: {}", ended.describe())]
    Git { step: String, ended: Ended },
}

/// Fetches the job's commit into the project directory, as GitLab Runner's shell executor does:
/// `git init`, `origin` set to the repository, a (shallow) fetch of the refspecs, a forced
/// checkout of the sha, and a clean.
pub async fn fetch_sources(
    git: &GitInfo,
    ws: &Workspace,
    log: &JobLog,
    timeout: Duration,
    ctx: &Ctx,
) -> Result<(), SourcesError> {
    std::fs::create_dir_all(&ws.project_dir)
        .and_then(|()| std::fs::create_dir_all(&ws.tmp_dir))
        .map_err(|source| SourcesError::Workspace {
            dir: ws.project_dir.clone(),
            source,
        })?;
    let deadline = tokio::time::Instant::now() + timeout;
    let depth = if git.depth > 0 {
        format!("with git depth set to {}", git.depth)
    } else {
        "with full history".to_owned()
    };
    log.line(&format!("Fetching changes {depth}..."));
    log.line(&format!(
        "Checking out {} as {}...",
        short(&git.sha),
        git.git_ref
    ));
    // `git config` sets origin whether or not an earlier job of this directory created it.
    let mut steps: Vec<Vec<String>> = vec![
        vec!["init".into(), "-q".into()],
        vec![
            "config".into(),
            "remote.origin.url".into(),
            git.repo_url.clone(),
        ],
    ];
    let mut fetch = vec!["fetch".into(), "-q".into(), "--prune".into()];
    if git.depth > 0 {
        fetch.push(format!("--depth={}", git.depth));
    }
    fetch.push("origin".into());
    fetch.extend(refspecs(git));
    steps.push(fetch);
    steps.push(vec![
        "-c".into(),
        "advice.detachedHead=false".into(),
        "checkout".into(),
        "-f".into(),
        "-q".into(),
        git.sha.clone(),
    ]);
    steps.push(vec!["clean".into(), "-ffdx".into(), "-q".into()]);
    for args in &steps {
        let mut cmd = Command::new("git");
        cmd.args(args)
            .current_dir(&ws.project_dir)
            .env("GIT_TERMINAL_PROMPT", "0");
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let ended = run(cmd, log, left, ctx).await;
        if !ended.success() {
            let step = args
                .iter()
                .find(|a| !a.starts_with('-') && !a.contains('='))
                .cloned()
                .unwrap_or_default();
            return Err(SourcesError::Git { step, ended });
        }
    }
    Ok(())
}

fn short(sha: &str) -> &str {
    sha.get(..8).unwrap_or(sha)
}

/// The coordinator's refspecs, else the branch or tag the job is for, else the sha itself.
fn refspecs(git: &GitInfo) -> Vec<String> {
    if !git.refspecs.is_empty() {
        return git.refspecs.clone();
    }
    if git.git_ref.is_empty() {
        return vec![git.sha.clone()];
    }
    match git.ref_type.as_deref() {
        Some("tag") => vec![format!("+refs/tags/{0}:refs/tags/{0}", git.git_ref)],
        _ => vec![format!(
            "+refs/heads/{0}:refs/remotes/origin/{0}",
            git.git_ref
        )],
    }
}

/// Writes the step's bash script: each line echoed (`$ line`) then run, stopping at the first
/// failure (`set -eo pipefail`), stderr merged into stdout so the log keeps the order.
pub fn write_script(step: &Step, ws: &Workspace) -> std::io::Result<PathBuf> {
    let mut s = String::from("set -eo pipefail\nset +o noclobber\nexec 2>&1\n");
    for line in &step.script {
        s.push_str(&format!("printf '%s\\n' {}\n", quote(&format!("$ {line}"))));
        s.push_str(line);
        s.push('\n');
    }
    std::fs::create_dir_all(&ws.tmp_dir)?;
    let path = ws.tmp_dir.join(format!("{}.sh", safe(&step.name)));
    std::fs::write(&path, s)?;
    Ok(path)
}

/// Runs one step's script in the project directory.
pub async fn run_step(
    step: &Step,
    ws: &Workspace,
    log: &JobLog,
    timeout: Duration,
    ctx: &Ctx,
) -> Ended {
    let script = match write_script(step, ws) {
        Ok(p) => p,
        Err(e) => return Ended::SpawnFailed(format!("cannot write the step's script: {e}")),
    };
    let mut cmd = Command::new("bash");
    cmd.arg("--noprofile")
        .arg("--norc")
        .arg(&script)
        .current_dir(&ws.project_dir);
    run(cmd, log, timeout, ctx).await
}

/// A bash single-quoted string.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> (Ctx, watch::Sender<bool>) {
        let (tx, rx) = watch::channel(false);
        (
            Ctx {
                vars: BTreeMap::from([("GREETING".to_owned(), "it's me".to_owned())]),
                abort: rx,
                procs: Procs::default(),
            },
            tx,
        )
    }

    fn ws(dir: &Path) -> Workspace {
        std::fs::create_dir_all(dir.join("p")).unwrap();
        Workspace {
            builds_dir: dir.to_owned(),
            project_dir: dir.join("p"),
            tmp_dir: dir.join("tmp"),
        }
    }

    fn step(lines: &[&str]) -> Step {
        Step {
            name: "script".into(),
            script: lines.iter().map(|s| s.to_string()).collect(),
            timeout: None,
            when: None,
            allow_failure: false,
        }
    }

    #[tokio::test]
    async fn runs_lines_in_order_and_stops_at_the_first_failure() {
        let dir = tempfile::tempdir().unwrap();
        let (ctx, _tx) = ctx();
        let log = JobLog::new(vec![]);
        let ended = run_step(
            &step(&["echo \"$GREETING\"", "echo oops >&2; false", "echo never"]),
            &ws(dir.path()),
            &log,
            Duration::from_secs(10),
            &ctx,
        )
        .await;
        assert_eq!(ended, Ended::Exited(1));
        let text = String::from_utf8(log.snapshot()).unwrap();
        assert!(text.contains("$ echo \"$GREETING\"\nit's me\n"), "{text}");
        assert!(text.contains("oops"), "{text}");
        assert!(!text.contains("never\n"), "{text}");
    }

    #[tokio::test]
    async fn a_timeout_kills_the_whole_group() {
        let dir = tempfile::tempdir().unwrap();
        let (ctx, _tx) = ctx();
        let log = JobLog::new(vec![]);
        let started = std::time::Instant::now();
        let ended = run_step(
            &step(&["sleep 30 & sleep 30"]),
            &ws(dir.path()),
            &log,
            Duration::from_millis(300),
            &ctx,
        )
        .await;
        assert_eq!(ended, Ended::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(ctx.procs.count(), 0);
    }

    #[tokio::test]
    async fn abort_stops_a_running_step() {
        let dir = tempfile::tempdir().unwrap();
        let (ctx, tx) = ctx();
        let log = JobLog::new(vec![]);
        let w = ws(dir.path());
        let s = step(&["sleep 30"]);
        let run = run_step(&s, &w, &log, Duration::from_secs(60), &ctx);
        let (ended, ()) = tokio::join!(run, async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            tx.send(true).unwrap();
        });
        assert_eq!(ended, Ended::Aborted);
    }
}
