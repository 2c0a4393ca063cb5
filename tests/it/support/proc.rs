//! Process guard: starts a component in its own process group under a hard lifetime cap and
//! kills the whole group by id when dropped, whatever happened in the test.

use crate::support::ports::{free_ports, v4};
use std::fs::File;
use std::io;
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Upper bound on a component's life even if the test process itself is killed (no Drop runs):
/// coreutils `timeout` then kills the process group.
const LIFETIME_CAP_SECS: &str = "300";

/// How long a component may take to become ready.
pub const READY_WITHIN: Duration = Duration::from_secs(5);

/// A running component. Dropping it kills its process group.
#[derive(Debug)]
pub struct Proc {
    pub name: String,
    child: Child,
    pub log: PathBuf,
}

impl Proc {
    /// Starts `program args` with `envs`, output (stdout and stderr) appended to `log`.
    pub fn spawn(
        name: &str,
        program: &Path,
        args: &[String],
        envs: &[(&str, &str)],
        log: &Path,
    ) -> io::Result<Proc> {
        let out = File::create(log)?;
        let err = out.try_clone()?;
        let mut cmd = Command::new("timeout");
        cmd.arg("-s")
            .arg("KILL")
            .arg(LIFETIME_CAP_SECS)
            .arg(program)
            .args(args)
            .envs(envs.iter().copied())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            // Own process group: nginx's workers and anything else it forks die with it.
            .process_group(0);
        let child = cmd.spawn()?;
        Ok(Proc {
            name: name.to_string(),
            child,
            log: log.to_path_buf(),
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The component's output so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `Some(status)` once the process has exited.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Waits until the log contains `needle`; fails early when the process exits.
    pub fn wait_for_log(&mut self, needle: &str, within: Duration) -> Result<(), String> {
        let deadline = Instant::now() + within;
        loop {
            if self.log_text().contains(needle) {
                return Ok(());
            }
            self.check_alive()?;
            if Instant::now() > deadline {
                return Err(self.failure(&format!("no {needle:?} in its log within {within:?}")));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until every address accepts a TCP connection; fails early when the process exits.
    pub fn wait_for_ports(&mut self, addrs: &[SocketAddr], within: Duration) -> Result<(), String> {
        let deadline = Instant::now() + within;
        for addr in addrs {
            loop {
                self.check_alive()?;
                if TcpStream::connect_timeout(addr, Duration::from_millis(200)).is_ok() {
                    break;
                }
                if Instant::now() > deadline {
                    return Err(self.failure(&format!("{addr} not accepting within {within:?}")));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        // A port taken by someone else between our probe and the start would also accept:
        // make sure it is really ours by checking the process survived binding.
        std::thread::sleep(Duration::from_millis(50));
        self.check_alive()
    }

    fn check_alive(&mut self) -> Result<(), String> {
        match self.exited() {
            Some(status) => Err(self.failure(&format!("exited early ({status})"))),
            None => Ok(()),
        }
    }

    fn failure(&self, what: &str) -> String {
        format!("{} {what}; its log:\n{}", self.name, self.log_text())
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let pid = self.child.id();
        // Kill the group first (workers, forks), then the leader, then reap it.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{pid}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The addresses a configuration listens on, for readiness checks: 127.0.0.1 for every port,
/// and ::1 for those the text binds as `[::1]:PORT`.
pub fn listen_addrs(config: &str, ports: &[u16]) -> Vec<SocketAddr> {
    let mut addrs: Vec<SocketAddr> = ports.iter().map(|p| v4(*p)).collect();
    for p in ports {
        if config.contains(&format!("[::1]:{p}")) {
            addrs.push(SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, *p)));
        }
    }
    addrs
}

/// Runs `start` with fresh ports until it succeeds (at most 3 times: ports can be taken between
/// our probe and the component's bind by a parallel test).
pub fn start_with_retry<T>(
    name: &str,
    nports: usize,
    mut start: impl FnMut(&[u16]) -> Result<T, String>,
) -> T {
    let mut errors = Vec::new();
    for _ in 0..3 {
        let ports = free_ports(nports);
        match start(&ports) {
            Ok(t) => return t,
            Err(e) => errors.push(e),
        }
    }
    panic!(
        "{name} did not start after 3 tries:\n{}",
        errors.join("\n---\n")
    );
}

/// Live (non-zombie) processes in process group `pgid`, from /proc.
pub fn group_members(pgid: u32) -> Vec<u32> {
    let mut pids = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return pids;
    };
    for entry in entries.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // Fields after the command name (which may hold spaces): state, ppid, pgrp, ...
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if fields.len() > 2 && fields[0] != "Z" && fields[2] == pgid.to_string() {
            pids.push(pid);
        }
    }
    pids
}
