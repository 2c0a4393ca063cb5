//! Where the runner keeps state between runs (the pre-flight report of each config file).

use crate::config::Environment;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// `RUNNER_STATE_DIR`, else `$XDG_STATE_HOME/runner`, else `$HOME/.local/state/runner`,
/// else `./.runner-state`.
pub fn state_dir(env: &Environment) -> PathBuf {
    if let Some(d) = env.get("RUNNER_STATE_DIR") {
        return PathBuf::from(d);
    }
    if let Some(d) = env.get("XDG_STATE_HOME") {
        return PathBuf::from(d).join("runner");
    }
    if let Some(h) = env.get("HOME") {
        return PathBuf::from(h).join(".local/state/runner");
    }
    PathBuf::from(".runner-state")
}

/// The last pre-flight report without a config file (JSON, schema `runner.doctor.otel/v1`).
pub fn preflight_path(env: &Environment) -> PathBuf {
    state_dir(env).join("preflight.json")
}

/// The last pre-flight report of `config` (one per config file, by its absolute path, so a
/// bundle for one config never carries another's), or of no config file.
pub fn preflight_path_for(env: &Environment, config: Option<&Path>) -> PathBuf {
    match config {
        None => preflight_path(env),
        Some(p) => {
            let abs = absolute(p);
            let key = short_hash(abs.as_os_str().as_encoded_bytes());
            state_dir(env).join(format!("preflight-{key}.json"))
        }
    }
}

/// `p` made absolute (symbolic links resolved when it exists), for naming state by file.
pub fn absolute(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_owned())
    })
}

/// A short fingerprint of the effective settings (the report's `settings` object, which holds
/// no secret: header values are already reduced to length and hash).
pub fn settings_fingerprint(settings: &serde_json::Value) -> String {
    short_hash(settings.to_string().as_bytes())
}

fn short_hash(bytes: &[u8]) -> String {
    hex::encode(&Sha256::digest(bytes)[..8])
}

/// Writes a state file readable by its owner only (0600), replacing it through a temporary
/// file in the same directory so a reader never sees half a report; an existing file with a
/// wider mode is replaced, not reused.
pub fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state".into());
    let tmp = dir
        .map(|d| d.join(format!(".{name}.{}.tmp", std::process::id())))
        .unwrap_or_else(|| PathBuf::from(format!(".{name}.{}.tmp", std::process::id())));
    let _ = std::fs::remove_file(&tmp);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)?;
    let done = f.write_all(data).and_then(|()| f.sync_all());
    if let Err(e) = done.and_then(|()| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn each_config_file_has_its_own_preflight_report() {
        let env = Environment::from_pairs([("RUNNER_STATE_DIR", "/tmp/state")]);
        let a = preflight_path_for(&env, Some(Path::new("/etc/runner/a.toml")));
        let b = preflight_path_for(&env, Some(Path::new("/etc/runner/b.toml")));
        assert_ne!(a, b);
        assert_eq!(
            a,
            preflight_path_for(&env, Some(Path::new("/etc/runner/a.toml")))
        );
        assert!(a.starts_with("/tmp/state") && a.to_string_lossy().ends_with(".json"));
        assert_eq!(
            preflight_path_for(&env, None),
            Path::new("/tmp/state/preflight.json")
        );
        let s1 = serde_json::json!({ "traces": { "endpoint": "http://a:4318" } });
        let s2 = serde_json::json!({ "traces": { "endpoint": "http://b:4318" } });
        assert_ne!(settings_fingerprint(&s1), settings_fingerprint(&s2));
    }

    #[test]
    fn private_file_is_0600_even_over_a_0644_one() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("preflight.json");
        std::fs::write(&p, "old").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&p, b"{}").unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(std::fs::read(&p).unwrap(), b"{}");
    }
}
