//! Real components for the doctor's end-to-end tests: rotel, nginx, haproxy and dnsmasq run as
//! plain processes on loopback ports, with configurations and certificates made at test time.

pub mod blocks;
pub mod certs;
pub mod dnsmasq;
pub mod doctor;
pub mod haproxy;
pub mod nginx;
pub mod proc;
pub mod rotel;
pub mod scenario;
pub mod world;

use std::collections::HashMap;
use std::path::PathBuf;

/// What `scripts/test-deps.sh` found: where rotel-agent lives and the library path it needs.
#[derive(Debug, Clone)]
pub struct Deps {
    pub rotel_agent: PathBuf,
    pub rotel_ld_library_path: String,
}

/// Reads `target/test-deps.env`; panics with the command to run when it is missing, because a
/// silently skipped real-component suite would prove nothing.
pub fn deps() -> Deps {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-deps.env");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run `bash scripts/test-deps.sh` first (it installs rotel, nginx, haproxy, dnsmasq)",
            path.display()
        )
    });
    let vars: HashMap<&str, &str> = text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect();
    let get = |k: &str| -> String {
        vars.get(k)
            .unwrap_or_else(|| panic!("{}: no {k}; rerun scripts/test-deps.sh", path.display()))
            .to_string()
    };
    Deps {
        rotel_agent: PathBuf::from(get("ROTEL_AGENT")),
        rotel_ld_library_path: get("ROTEL_LD_LIBRARY_PATH"),
    }
}

/// A private directory for one test's configurations, certificates and logs.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("runner-real-")
        .tempdir()
        .expect("tempdir")
}
