//! Writing the bundle: a `.tar.gz` made in a temporary file (mode 0600) beside the target and
//! moved into place only when complete, so a failure never leaves half a bundle.

use flate2::write::GzEncoder;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// A temporary file that is removed unless `persist` succeeds.
#[derive(Debug)]
pub struct Pending {
    tmp: PathBuf,
    file: Option<File>,
}

impl Drop for Pending {
    fn drop(&mut self) {
        if self.file.is_some() || self.tmp.exists() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Why the archive could not be written; each names the file and the system's error.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("{}: not a file name", .0.display())]
    NotAFileName(PathBuf),
    #[error("cannot create a file in {}: {source}", dir.display())]
    CreateTemp {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot set the mode of {}: {source}", path.display())]
    SetMode {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot move the bundle to {}: {source}", path.display())]
    Move {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{} already exists (created while the bundle was gathered); pass --force to overwrite it",
        .0.display()
    )]
    AppearedMeanwhile(PathBuf),
    #[error("cannot create {}: {source}", path.display())]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read back {}: {source}", path.display())]
    ReadBack {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Creates the temporary file next to `out` (proving early that the directory is writable).
pub fn create(out: &Path) -> Result<Pending, ArchiveError> {
    let name = out
        .file_name()
        .ok_or_else(|| ArchiveError::NotAFileName(out.to_owned()))?
        .to_string_lossy()
        .into_owned();
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = dir.join(format!(
        ".{name}.{}.{:08x}.tmp",
        std::process::id(),
        rand::random::<u32>()
    ));
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(|source| ArchiveError::CreateTemp {
            dir: dir.clone(),
            source,
        })?;
    // The umask can only remove bits; set the mode anyway in case the file system ignores it.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
        .map_err(|source| ArchiveError::SetMode {
            path: tmp.clone(),
            source,
        })?;
    Ok(Pending {
        tmp,
        file: Some(file),
    })
}

impl Pending {
    /// Writes the archive (entries in order, each mode 0600) and moves it to `out`.
    /// Without `force`, an `out` that appeared meanwhile is not replaced.
    pub fn persist(
        mut self,
        out: &Path,
        force: bool,
        entries: &[(String, Vec<u8>)],
    ) -> Result<u64, ArchiveError> {
        let file = self.file.take().expect("persist runs once");
        let write_err = |source: std::io::Error| ArchiveError::Write {
            path: self.tmp.clone(),
            source,
        };
        let gz = GzEncoder::new(BufWriter::new(file), flate2::Compression::default());
        let mut tar = tar::Builder::new(gz);
        let mtime = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        for (name, data) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o600);
            header.set_mtime(mtime);
            header.set_entry_type(tar::EntryType::Regular);
            tar.append_data(&mut header, name, data.as_slice())
                .map_err(write_err)?;
        }
        let gz = tar.into_inner().map_err(write_err)?;
        let mut buf = gz.finish().map_err(write_err)?;
        buf.flush().map_err(write_err)?;
        let file = buf.into_inner().map_err(|e| write_err(e.into_error()))?;
        file.sync_all().map_err(write_err)?;
        drop(file);
        if force {
            std::fs::rename(&self.tmp, out).map_err(|source| ArchiveError::Move {
                path: out.to_owned(),
                source,
            })?;
        } else {
            // A hard link fails if `out` exists: no window in which another file is replaced.
            match std::fs::hard_link(&self.tmp, out) {
                Ok(()) => {
                    let _ = std::fs::remove_file(&self.tmp);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    return Err(ArchiveError::AppearedMeanwhile(out.to_owned()));
                }
                Err(_) if !out.exists() => {
                    std::fs::rename(&self.tmp, out).map_err(|source| ArchiveError::Move {
                        path: out.to_owned(),
                        source,
                    })?;
                }
                Err(source) => {
                    return Err(ArchiveError::Create {
                        path: out.to_owned(),
                        source,
                    })
                }
            }
        }
        std::fs::metadata(out)
            .map(|m| m.len())
            .map_err(|source| ArchiveError::ReadBack {
                path: out.to_owned(),
                source,
            })
    }
}
