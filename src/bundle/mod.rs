//! The support bundle: one redacted `.tar.gz` for a ticket (contract §6).
//!
//! `manifest.json` lists every file with its size and SHA-256, what could not be gathered and
//! why. Everything passes through `redact` (context-free rules and the known secret values).

mod archive;
mod gather;
mod system;

pub use gather::env_allowed;

use crate::cli::BundleArgs;
use crate::config::Environment;
use sha2::{Digest, Sha256};

/// Schema of `manifest.json`.
pub const MANIFEST_SCHEMA: &str = "runner.doctor.bundle/v1";

/// `runner doctor bundle`: exit 0 when written, 2 when it could not be.
pub fn command(args: BundleArgs, env: &Environment) -> u8 {
    let out = args.output.clone();
    if let Some(what) = not_replaceable(&out) {
        return crate::app::usage_error(format!(
            "-o {}: is {what}; the bundle replaces only a regular file or a symbolic link \
             (with --force); give a file name such as runner-support.tar.gz",
            out.display(),
        ));
    }
    if !args.force && out.symlink_metadata().is_ok() {
        return crate::app::usage_error(format!(
            "-o {}: the file already exists; pass --force to overwrite it, or choose another name",
            out.display()
        ));
    }
    // Created first, so an unwritable directory is reported before any work is done.
    let pending = match archive::create(&out) {
        Ok(p) => p,
        Err(e) => return crate::app::usage_error(format!("cannot write the bundle: {e}")),
    };
    let mut g = gather::gather(&args, env);
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
        return crate::app::usage_error(format!(
            "-o {}: is now {what}; nothing written",
            out.display()
        ));
    }
    let size = match pending.persist(&out, args.force, &entries) {
        Ok(size) => size,
        Err(e) => return crate::app::usage_error(format!("cannot write the bundle: {e}")),
    };
    for f in &g.failed {
        eprintln!("runner: warning: {} not gathered: {}", f.item, f.error);
    }
    let shown = std::fs::canonicalize(&out).unwrap_or(out);
    println!(
        "Support bundle written to {} ({}, mode 0600).",
        shown.display(),
        human_size(size)
    );
    println!("{}", summary(&g));
    0
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
        "config_file": g.config_path.as_ref().map(|p| crate::redact::redact_text(&p.display().to_string())),
        "files": files,
        "failed": g.failed,
        "absent": g.absent,
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s.into_bytes()
}

fn human_size(bytes: u64) -> String {
    if bytes < 1024 {
        format!("{bytes} bytes")
    } else if bytes < 1024 * 1024 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    }
}
