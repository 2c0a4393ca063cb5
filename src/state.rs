//! Where the runner keeps state between runs (the last pre-flight report).

use crate::config::Environment;
use std::path::PathBuf;

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

/// The last pre-flight report (JSON, schema `runner.doctor.otel/v1`).
pub fn preflight_path(env: &Environment) -> PathBuf {
    state_dir(env).join("preflight.json")
}

/// Writes a state file readable by its owner only (0600), replacing it through a temporary
/// file in the same directory so a reader never sees half a report; an existing file with a
/// wider mode is replaced, not reused.
pub fn write_private(path: &std::path::Path, data: &[u8]) -> std::io::Result<()> {
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
