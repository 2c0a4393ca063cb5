//! The support bundle: one redacted `.tar.gz` for a ticket (`docs/bundle.md`).
//!
//! `manifest.json` lists every file with its size and SHA-256, what could not be gathered and
//! why. Everything passes through `redact` (context-free rules and the known secret values).

mod archive;
mod gather;
mod system;

pub use gather::{env_allowed, Failure};

use crate::config::Environment;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::time::Duration;

/// Schema of `manifest.json`.
pub const MANIFEST_SCHEMA: &str = "runner.doctor.bundle/v1";

/// What `runner doctor bundle` was asked for.
#[derive(Clone, Debug)]
pub struct BundleOptions {
    /// `-c/--config` (or `RUNNER_CONFIG`); `None` reads `./config.toml` when present.
    pub config_path: Option<PathBuf>,
    /// The archive to write.
    pub output: PathBuf,
    /// Overwrite `output` when it exists.
    pub force: bool,
    /// `--timeout`: the bound of each connection step of the doctor run, and, given, of the
    /// waits for an answer too (`None`: 3 s, and answers get the exporter's timeout).
    pub timeout: Option<Duration>,
}

/// The bundle's name when `-o` is not given: `runner-support-<host>-<UTC time>.tar.gz` in the
/// current directory (`runner-support-ci-7-20261207T064512Z.tar.gz`), so bundles of several
/// machines and runs sit side by side.
pub fn default_name() -> PathBuf {
    let host = system::hostname().unwrap_or_default();
    let host: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    let host = if host.is_empty() { "host".into() } else { host };
    let time = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let time: String = time.chars().filter(|c| !matches!(c, '-' | ':')).collect();
    PathBuf::from(format!("runner-support-{host}-{time}.tar.gz"))
}

/// Why no bundle was written (the command's exit-2 cases).
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error(
        "-o {}: is {what}; the bundle replaces only a regular file or a symbolic link \
         (with --force); give a file name such as runner-support.tar.gz",
        path.display()
    )]
    NotReplaceable { path: PathBuf, what: &'static str },
    /// The path changed while the bundle was gathered.
    #[error("-o {}: is now {what}; nothing written", path.display())]
    BecameNotReplaceable { path: PathBuf, what: &'static str },
    #[error(
        "-o {}: the file already exists; pass --force to overwrite it, or choose another name",
        .0.display()
    )]
    Exists(PathBuf),
    #[error("cannot write the bundle: {0}")]
    Write(#[from] archive::ArchiveError),
}

/// A written bundle: where, how big, what it holds and what could not be gathered.
#[derive(Debug)]
pub struct Written {
    pub path: PathBuf,
    pub size: u64,
    /// `Contains: manifest.json, doctor.json (...), ...`
    pub summary: String,
    pub not_gathered: Vec<gather::Failure>,
}

/// Gathers and writes the bundle; `rt` runs the doctor.
pub fn write(
    opts: &BundleOptions,
    env: &Environment,
    rt: &tokio::runtime::Runtime,
) -> Result<Written, BundleError> {
    let out = opts.output.clone();
    if let Some(what) = not_replaceable(&out) {
        return Err(BundleError::NotReplaceable { path: out, what });
    }
    if !opts.force && out.symlink_metadata().is_ok() {
        return Err(BundleError::Exists(out));
    }
    // Created first, so an unwritable directory is reported before any work is done.
    let pending = archive::create(&out)?;
    let mut g = gather::gather(opts, env, rt);
    // The one way out: every member passes the egress scrubber before it is hashed and packed.
    for e in &mut g.entries {
        e.data = crate::redact::egress::scrub_bytes(&e.data);
    }
    let manifest = manifest(&g);
    let mut entries: Vec<(String, Vec<u8>)> = vec![("manifest.json".to_string(), manifest)];
    entries.extend(
        g.entries
            .iter()
            .map(|e| (e.name.to_string(), e.data.clone())),
    );
    // Checked again: the gathering took a while, and a rename replaces whatever is there.
    if let Some(what) = not_replaceable(&out) {
        return Err(BundleError::BecameNotReplaceable { path: out, what });
    }
    let size = pending.persist(&out, opts.force, &entries)?;
    let summary = summary(&g);
    Ok(Written {
        path: std::fs::canonicalize(&out).unwrap_or(out),
        size,
        summary,
        not_gathered: g.failed,
    })
}

/// What stands at `path` when it is neither absent, a regular file nor a symbolic link (the
/// link itself, never its target, is what `--force` replaces).
fn not_replaceable(path: &std::path::Path) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    let t = path.symlink_metadata().ok()?.file_type();
    if t.is_file() || t.is_symlink() {
        None
    } else if t.is_dir() {
        Some("a directory")
    } else if t.is_char_device() || t.is_block_device() {
        Some("a device")
    } else if t.is_fifo() {
        Some("a FIFO (named pipe)")
    } else if t.is_socket() {
        Some("a socket")
    } else {
        Some("not a regular file")
    }
}

/// `Contains: manifest.json, doctor.json (verdict broken, 2 findings), ...; not gathered: ...`
fn summary(g: &gather::Gathered) -> String {
    let mut parts = vec!["manifest.json".to_string()];
    parts.extend(g.entries.iter().map(|e| {
        if e.about.is_empty() {
            e.name.to_string()
        } else {
            format!("{} ({})", e.name, e.about)
        }
    }));
    let mut s = format!("Contains: {}", parts.join(", "));
    if !g.failed.is_empty() {
        let items: Vec<&str> = g.failed.iter().map(|f| f.item).collect();
        s.push_str(&format!(
            "; not gathered: {} (see manifest.json)",
            items.join(", ")
        ));
    }
    s.push('.');
    s
}

fn manifest(g: &gather::Gathered) -> Vec<u8> {
    let files: Vec<serde_json::Value> = g
        .entries
        .iter()
        .map(|e| {
            serde_json::json!({
                "name": e.name,
                "size": e.data.len(),
                "sha256": hex::encode(Sha256::digest(&e.data)),
            })
        })
        .collect();
    let v = serde_json::json!({
        "schema": MANIFEST_SCHEMA,
        "created": humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        "runner_version": crate::VERSION,
        "config_file": g.config_path.as_ref().map(|p| crate::redact::redact_text(&crate::state::absolute(p).display().to_string())),
        "preflight": g.preflight,
        "files": files,
        "failed": g.failed,
        "absent": g.absent,
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s.into_bytes()
}

/// `512 bytes`, `1.5 KiB`, `2.0 MiB`.
pub fn human_size(bytes: u64) -> String {
    if bytes < 1024 {
        format!("{bytes} bytes")
    } else if bytes < 1024 * 1024 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    }
}
