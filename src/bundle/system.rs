//! `system.json`: the facts about this host that change how networking and TLS behave.

use crate::config::Environment;
use serde_json::{json, Value};
use std::io::Read;
use std::path::Path;

/// Files are read up to this many bytes.
const MAX_FILE: u64 = 64 * 1024;

pub fn read_bounded(path: &Path, max: u64) -> std::io::Result<String> {
    let mut buf = Vec::new();
    std::fs::File::open(path)?.take(max).read_to_end(&mut buf)?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

fn read_trim(path: &str) -> Option<String> {
    read_bounded(Path::new(path), MAX_FILE)
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// This machine's host name (`/proc/sys/kernel/hostname`).
pub fn hostname() -> Option<String> {
    read_trim("/proc/sys/kernel/hostname")
}

/// The file's content, or the error that prevented reading it.
fn file_json(path: &str) -> Value {
    match read_bounded(Path::new(path), MAX_FILE) {
        Ok(content) => json!({ "path": path, "content": content }),
        Err(e) => json!({ "path": path, "error": e.to_string() }),
    }
}

fn kernel() -> Option<String> {
    read_trim("/proc/sys/kernel/osrelease").or_else(|| {
        let out = std::process::Command::new("uname")
            .arg("-r")
            .output()
            .ok()?;
        Some(String::from_utf8_lossy(&out.stdout).trim().to_string()).filter(|s| !s.is_empty())
    })
}

fn os_release() -> Option<String> {
    let text = read_trim("/etc/os-release")?;
    text.lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map(|v| v.trim_matches('"').to_string())
}

fn timezone(env: &Environment) -> Value {
    if let Some(tz) = env.get("TZ") {
        return json!({ "value": tz, "source": "env:TZ" });
    }
    if let Some(tz) = read_trim("/etc/timezone") {
        return json!({ "value": tz, "source": "/etc/timezone" });
    }
    match std::fs::read_link("/etc/localtime") {
        Ok(target) => {
            let t = target.to_string_lossy();
            let zone = t.split_once("zoneinfo/").map_or(t.as_ref(), |(_, z)| z);
            json!({ "value": zone, "source": "/etc/localtime" })
        }
        Err(_) => json!({ "value": "UTC", "source": "default" }),
    }
}

/// `/etc/hosts`: entries without comments (they show how `localhost` resolves: `::1` or not).
fn hosts() -> Value {
    match read_bounded(Path::new("/etc/hosts"), MAX_FILE) {
        Ok(text) => {
            let entries: Vec<&str> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .collect();
            json!({ "path": "/etc/hosts", "lines": text.lines().count(), "entries": entries })
        }
        Err(e) => json!({ "path": "/etc/hosts", "error": e.to_string() }),
    }
}

pub fn system_json(env: &Environment) -> Value {
    let now = std::time::SystemTime::now();
    let unix_ms = now
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let nsswitch_hosts = read_trim("/etc/nsswitch.conf").and_then(|t| {
        t.lines()
            .find(|l| l.trim_start().starts_with("hosts:"))
            .map(str::to_string)
    });
    json!({
        "os": std::env::consts::OS,
        "arch": std::env::consts::ARCH,
        "os_release": os_release(),
        "kernel": kernel(),
        "hostname": hostname(),
        "cpu_count": std::thread::available_parallelism().map_or(1, |n| n.get()),
        "in_container": Path::new("/.dockerenv").exists() || Path::new("/run/.containerenv").exists(),
        "uptime_seconds": read_trim("/proc/uptime")
            .and_then(|u| u.split_whitespace().next().and_then(|s| s.parse::<f64>().ok())),
        "resolver": {
            "resolv_conf": file_json("/etc/resolv.conf"),
            "hosts": hosts(),
            "nsswitch_hosts": nsswitch_hosts,
        },
        "time": {
            "utc": humantime::format_rfc3339_millis(now).to_string(),
            "unix_ms": unix_ms,
            "timezone": timezone(env),
            "clock_source": read_trim("/sys/devices/system/clocksource/clocksource0/current_clocksource"),
            "available_clock_sources": read_trim("/sys/devices/system/clocksource/clocksource0/available_clocksource"),
        },
    })
}
