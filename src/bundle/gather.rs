//! Gathers the bundle's files, each redacted; what cannot be gathered is recorded, not fatal.

use super::system;
use super::BundleOptions;
use crate::config::{self, Environment, Loaded, Overrides};
use crate::doctor::{self, DoctorOptions};
use crate::redact::{redact_env, redact_toml, Scrubber};
use serde::Serialize;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Config, pre-flight and key files are read up to this many bytes.
const MAX_FILE: u64 = 4 << 20;
/// The runner log's tail: at most this many bytes and lines.
const LOG_TAIL_BYTES: u64 = 64 * 1024;
const LOG_TAIL_LINES: usize = 1000;

/// One file of the bundle.
#[derive(Debug)]
pub struct Entry {
    pub name: &'static str,
    pub data: Vec<u8>,
    /// A few words for the summary line, e.g. `verdict broken, 2 findings`.
    pub about: String,
}

/// Something that was looked for and could not be gathered.
#[derive(Debug, Serialize)]
pub struct Failure {
    pub item: &'static str,
    pub error: String,
}

/// Something that was not there to gather (no config file, no pre-flight yet).
#[derive(Debug, Serialize)]
pub struct Absence {
    pub item: &'static str,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct Gathered {
    pub entries: Vec<Entry>,
    pub failed: Vec<Failure>,
    pub absent: Vec<Absence>,
    pub config_path: Option<PathBuf>,
    /// Which pre-flight report was taken and how it relates to now (for the manifest).
    pub preflight: Option<serde_json::Value>,
}

impl Gathered {
    fn add(&mut self, name: &'static str, data: impl Into<Vec<u8>>, about: impl Into<String>) {
        self.entries.push(Entry {
            name,
            data: data.into(),
            about: about.into(),
        });
    }
    fn fail(&mut self, item: &'static str, error: impl Into<String>) {
        self.failed.push(Failure {
            item,
            error: error.into(),
        });
    }
    fn absent(&mut self, item: &'static str, reason: impl Into<String>) {
        self.absent.push(Absence {
            item,
            reason: reason.into(),
        });
    }
}

pub use crate::config::secrets::env_allowed;

fn pretty(v: &serde_json::Value) -> Vec<u8> {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s.into_bytes()
}

/// The config file `load` would read: `-c`/`RUNNER_CONFIG`, else `./config.toml` when present.
fn config_path(opts: &BundleOptions) -> Option<PathBuf> {
    opts.config_path.clone().or_else(|| {
        let p = PathBuf::from("config.toml");
        p.is_file().then_some(p)
    })
}

pub fn gather(opts: &BundleOptions, env: &Environment, rt: &tokio::runtime::Runtime) -> Gathered {
    let mut g = Gathered {
        config_path: config_path(opts),
        ..Default::default()
    };
    // The raw file, parsed without the loader's checks: readable even when loading fails.
    let raw = g.config_path.as_ref().map(|p| {
        system::read_bounded(p, MAX_FILE).map(|text| {
            let table = toml::from_str::<toml::Table>(&text);
            (text, table)
        })
    });
    let raw_table = match &raw {
        Some(Ok((_, Ok(t)))) => Some(t),
        _ => None,
    };
    let overrides = Overrides {
        config_path: opts.config_path.clone(),
        ..Default::default()
    };
    let loaded = config::load(&overrides, env);
    let scrub = crate::config::secrets::scrubber(env, raw_table, loaded.as_ref().ok());
    crate::redact::egress::install(scrub.secrets());

    match &loaded {
        Ok(l) => {
            doctor_json(&mut g, l, env, opts.timeout, rt, &scrub);
            g.add(
                "settings.json",
                pretty(&scrub.json(&config::report_json(l))),
                "",
            );
        }
        Err(e) => {
            let why = scrub.text(&format!("the configuration could not be loaded: {e}"));
            g.fail("doctor.json", why.clone());
            g.fail("settings.json", why);
        }
    }
    preflight_json(&mut g, env, &scrub, loaded.as_ref().ok());
    config_toml(&mut g, &raw, &scrub);
    env_txt(&mut g, env, &scrub);
    g.add(
        "system.json",
        pretty(&scrub.json(&system::system_json(env))),
        "",
    );
    let log_file = match &loaded {
        Ok(l) => l.file.as_ref().and_then(|f| f.log_file.clone()),
        Err(_) => raw_table
            .and_then(|t| t.get("log_file"))
            .and_then(|v| v.as_str())
            .map(PathBuf::from),
    };
    runner_log(&mut g, log_file.as_deref(), &scrub);
    g
}

fn doctor_json(
    g: &mut Gathered,
    loaded: &Loaded,
    env: &Environment,
    timeout: Option<Duration>,
    rt: &tokio::runtime::Runtime,
    scrub: &Scrubber,
) {
    let opts = DoctorOptions {
        timeout: timeout.unwrap_or(doctor::STEP_TIMEOUT),
        timeout_given: timeout.is_some(),
        progress: false,
        ..Default::default()
    };
    // Every step is bounded by `timeout` and every answer wait by the exporter's timeout (or
    // `timeout` when given); the whole run gets a generous outer bound too, so a bundle is
    // written whatever the doctor does. A long exporter timeout widens it: the answer waits
    // (protocol, export, canary) may each take that long.
    let answer = loaded
        .settings
        .signals
        .iter()
        .map(|s| opts.answer_bound(s.timeout.value))
        .max()
        .unwrap_or_default();
    let budget = (opts.timeout * 12)
        .saturating_add(answer.saturating_mul(3))
        .max(Duration::from_secs(20));
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // The timer must be made inside the runtime.
        rt.block_on(async { tokio::time::timeout(budget, doctor::run(loaded, env, &opts)).await })
    }));
    match run {
        Ok(Ok(report)) => {
            let verdict = serde_json::to_value(report.verdict).unwrap_or_default();
            let about = format!(
                "verdict {}, {} findings",
                verdict.as_str().unwrap_or("unknown"),
                report.findings.len()
            );
            match serde_json::from_str::<serde_json::Value>(&crate::report::json::render(&report)) {
                Ok(v) => g.add("doctor.json", pretty(&scrub.json(&v)), about),
                Err(e) => g.fail("doctor.json", format!("the report did not serialize: {e}")),
            }
        }
        Ok(Err(_)) => g.fail(
            "doctor.json",
            format!(
                "the doctor did not finish within {}",
                humantime::format_duration(budget)
            ),
        ),
        Err(_) => g.fail(
            "doctor.json",
            "the doctor stopped on an internal error (panic)",
        ),
    }
}

/// A kept pre-flight report older than this is called old in the bundle.
const PREFLIGHT_OLD: Duration = Duration::from_secs(24 * 3600);

/// The pre-flight report of this config file only (see `state::preflight_path_for`), with
/// whether it is old or was made with other settings than the current ones.
fn preflight_json(g: &mut Gathered, env: &Environment, scrub: &Scrubber, loaded: Option<&Loaded>) {
    let config = loaded
        .and_then(|l| l.path.clone())
        .or_else(|| g.config_path.clone());
    let path = crate::state::preflight_path_for(env, config.as_deref());
    let config_shown = config
        .as_deref()
        .map(|p| crate::state::absolute(p).display().to_string());
    match system::read_bounded(&path, MAX_FILE) {
        Ok(text) => {
            let parsed = serde_json::from_str::<serde_json::Value>(&text).ok();
            let data = match &parsed {
                Some(v) => pretty(&scrub.json(v)),
                None => scrub.text(&text).into_bytes(),
            };
            let written = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
            let age = written.and_then(|t| t.elapsed().ok());
            let old = age.is_some_and(|a| a > PREFLIGHT_OLD);
            let now = loaded.map(|l| crate::state::settings_fingerprint(&config::report_json(l)));
            let then = parsed
                .as_ref()
                .map(|v| crate::state::settings_fingerprint(&v["settings"]));
            let same_settings = match (&now, &then) {
                (Some(a), Some(b)) => Some(a == b),
                _ => None,
            };
            let mut about = written
                .map(|t| format!("written {}", humantime::format_rfc3339_seconds(t)))
                .unwrap_or_default();
            if old {
                let days = age.map(|a| a.as_secs() / 86_400).unwrap_or(0);
                about.push_str(&format!("; old: {days} day(s) ago"));
            }
            if same_settings == Some(false) {
                about.push_str("; made with other settings than the current ones");
            }
            g.preflight = Some(serde_json::json!({
                "config_file": config_shown.as_deref().map(crate::redact::redact_text),
                "written": written.map(|t| humantime::format_rfc3339_seconds(t).to_string()),
                "old": old,
                "same_settings": same_settings,
                "settings_fingerprint": then,
                "current_settings_fingerprint": now,
            }));
            g.add("preflight.json", data, about);
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => g.absent(
            "preflight.json",
            format!(
                "no pre-flight report for {} at {} (runner run has not run with it here)",
                config_shown.as_deref().map_or_else(
                    || "runs without a config file".to_owned(),
                    crate::redact::redact_text
                ),
                path.display()
            ),
        ),
        Err(e) => g.fail("preflight.json", format!("{}: {e}", path.display())),
    }
}

type RawConfig = Option<std::io::Result<(String, Result<toml::Table, toml::de::Error>)>>;

fn config_toml(g: &mut Gathered, raw: &RawConfig, scrub: &Scrubber) {
    let path = g.config_path.clone().unwrap_or_default();
    let shown = scrub.text(&path.display().to_string());
    match raw {
        None => g.absent(
            "config.toml",
            "no config file (none given with -c or RUNNER_CONFIG, and no ./config.toml)",
        ),
        Some(Err(e)) => g.fail("config.toml", format!("{shown}: {e}")),
        Some(Ok((_, Ok(table)))) => {
            let body = toml::to_string(&redact_toml(table)).unwrap_or_default();
            let text = format!(
                "# Redacted copy of {shown}, written by runner doctor bundle.\n\
                 # Secret values are replaced by <redacted len=N sha256=...>; comments are dropped.\n\n{body}"
            );
            g.add("config.toml", scrub.text(&text), "redacted");
        }
        Some(Ok((text, Err(e)))) => {
            let text = format!(
                "# Redacted copy of {shown}, which is not valid TOML:\n# {}\n\n{text}",
                e.message().replace('\n', " ")
            );
            g.add("config.toml", scrub.text(&text), "redacted, not valid TOML");
        }
    }
}

fn env_txt(g: &mut Gathered, env: &Environment, scrub: &Scrubber) {
    let mut lines: Vec<String> = env
        .iter()
        .filter(|(k, _)| env_allowed(k))
        .map(|(k, v)| format!("{k}={}", scrub.text(&redact_env(k, v))))
        .collect();
    lines.sort();
    let count = lines.len();
    let text = format!(
        "# Allow-listed environment variables (OTEL_*, RUNNER_*, SSL_CERT_*, proxies), secrets redacted.\n{}{}",
        lines.join("\n"),
        if lines.is_empty() { "" } else { "\n" }
    );
    g.add("env.txt", text, format!("{count} variables"));
}

fn runner_log(g: &mut Gathered, path: Option<&Path>, scrub: &Scrubber) {
    let Some(path) = path else {
        g.absent("runner.log", "no log_file configured");
        return;
    };
    match tail(path) {
        Ok(text) => {
            let lines = text.lines().count();
            g.add(
                "runner.log",
                scrub.text(&text),
                format!(
                    "last {lines} lines of {}",
                    scrub.text(&path.display().to_string())
                ),
            );
        }
        Err(e) => g.fail(
            "runner.log",
            format!("{}: {e}", scrub.text(&path.display().to_string())),
        ),
    }
}

/// The last `LOG_TAIL_BYTES` of a file, whole lines only, at most `LOG_TAIL_LINES` of them.
fn tail(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let len = f.metadata()?.len();
    let start = len.saturating_sub(LOG_TAIL_BYTES);
    f.seek(SeekFrom::Start(start))?;
    let mut buf = Vec::new();
    f.take(LOG_TAIL_BYTES).read_to_end(&mut buf)?;
    let text = String::from_utf8_lossy(&buf);
    // Starting mid-file, the first line is cut: drop it.
    let text = if start > 0 {
        text.split_once('\n').map_or("", |(_, rest)| rest)
    } else {
        &text
    };
    let lines: Vec<&str> = text.lines().collect();
    let keep = &lines[lines.len().saturating_sub(LOG_TAIL_LINES)..];
    let mut out = keep.join("\n");
    if !out.is_empty() {
        out.push('\n');
    }
    Ok(out)
}
