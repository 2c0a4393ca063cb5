//! `runner doctor bundle`: contents listed in manifest.json, standard tar, mode 0600, no
//! overwrite without --force, and no file at all when writing fails.

use sha2::{Digest, Sha256};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Dir {
        let d = Dir(tempfile::tempdir().unwrap());
        std::fs::write(
            d.path().join("config.toml"),
            "log_file = \"runner.log\"\n[otel]\nendpoint = \"http://127.0.0.1:9\"\n",
        )
        .unwrap();
        std::fs::write(
            d.path().join("runner.log"),
            "started\nexporting to http://127.0.0.1:9\n",
        )
        .unwrap();
        d
    }
    fn path(&self) -> &Path {
        self.0.path()
    }
    fn runner(&self, args: &[&str]) -> Output {
        self.runner_via(Command::new(env!("CARGO_BIN_EXE_runner")), args)
    }
    fn runner_via(&self, mut cmd: Command, args: &[&str]) -> Output {
        cmd.args(args)
            .current_dir(self.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.path())
            .env("RUNNER_STATE_DIR", self.path().join("state"))
            .env("OTEL_SERVICE_NAME", "bundle-test")
            .output()
            .unwrap()
    }
    /// Where `runner run -c NAME` keeps its pre-flight report in this directory's state.
    fn preflight_for(&self, name: &str) -> std::path::PathBuf {
        let env = runner::config::Environment::from_pairs([(
            "RUNNER_STATE_DIR",
            self.path().join("state").to_string_lossy().into_owned(),
        )]);
        runner::state::preflight_path_for(&env, Some(&self.path().join(name)))
    }
    /// Directory entries other than the test's own files.
    fn listing(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !matches!(n.as_str(), "config.toml" | "runner.log" | "state" | "x"))
            .collect();
        v.sort();
        v
    }
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub fn untar(archive: &Path, into: &Path) {
    std::fs::create_dir_all(into).unwrap();
    let st = Command::new("tar")
        .arg("-xzf")
        .arg(archive)
        .arg("-C")
        .arg(into)
        .status()
        .unwrap();
    assert!(
        st.success(),
        "standard tar could not unpack {}",
        archive.display()
    );
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn bundle_is_a_0600_tarball_listed_in_its_manifest() {
    let d = Dir::new();
    std::fs::create_dir_all(d.path().join("state")).unwrap();
    std::fs::write(
        d.preflight_for("config.toml"),
        r#"{"schema":"runner.doctor.otel/v1","verdict":"broken"}"#,
    )
    .unwrap();
    let o = d.runner(&[
        "doctor",
        "bundle",
        "-o",
        "support.tar.gz",
        "--timeout",
        "300ms",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("support.tar.gz") && stdout.contains("Contains: manifest.json"),
        "{stdout}"
    );

    let archive = d.path().join("support.tar.gz");
    assert_eq!(mode(&archive), 0o600);
    assert_eq!(
        d.listing(),
        vec!["support.tar.gz".to_string()],
        "a temporary file was left behind"
    );

    let x = d.path().join("x");
    untar(&archive, &x);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(x.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["schema"], "runner.doctor.bundle/v1");
    assert_eq!(manifest["runner_version"], env!("CARGO_PKG_VERSION"));
    assert!(
        manifest["created"]
            .as_str()
            .is_some_and(|c| c.ends_with('Z')),
        "{manifest}"
    );

    // Every file unpacked is listed with its true size and hash, and every listed file is there.
    let listed: Vec<&serde_json::Value> = manifest["files"].as_array().unwrap().iter().collect();
    let mut unpacked: Vec<String> = std::fs::read_dir(&x)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "manifest.json")
        .collect();
    unpacked.sort();
    let mut names: Vec<String> = listed
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    assert_eq!(unpacked, names);
    for f in &listed {
        let data = std::fs::read(x.join(f["name"].as_str().unwrap())).unwrap();
        assert_eq!(f["size"], data.len(), "{f}");
        assert_eq!(f["sha256"], hex::encode(Sha256::digest(&data)), "{f}");
    }
    for must in [
        "env.txt",
        "system.json",
        "config.toml",
        "preflight.json",
        "runner.log",
    ] {
        assert!(names.iter().any(|n| n == must), "{must} missing: {names:?}");
    }
    // The fresh report and the settings are there, or the manifest says why not.
    for item in ["doctor.json", "settings.json"] {
        let failed = manifest["failed"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["item"] == item && f["error"].as_str().is_some_and(|e| !e.is_empty()));
        assert!(
            names.iter().any(|n| n == item) || failed,
            "{item} neither present nor explained"
        );
    }
    let system: serde_json::Value =
        serde_json::from_slice(&std::fs::read(x.join("system.json")).unwrap()).unwrap();
    assert!(system["cpu_count"].as_u64().unwrap() >= 1, "{system}");
    assert!(
        system["kernel"].is_string() && system["time"]["utc"].is_string(),
        "{system}"
    );
    assert!(system["resolver"]["resolv_conf"].is_object(), "{system}");
    let log = std::fs::read_to_string(x.join("runner.log")).unwrap();
    assert!(log.contains("exporting to http://127.0.0.1:9"), "{log}");
}

#[test]
fn refuses_to_overwrite_without_force() {
    let d = Dir::new();
    let out = d.path().join("existing.tar.gz");
    std::fs::write(&out, "keep me").unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = d.runner(&[
        "doctor",
        "bundle",
        "-o",
        "existing.tar.gz",
        "--timeout",
        "300ms",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("already exists") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep me");

    let o = d.runner(&[
        "doctor",
        "bundle",
        "-o",
        "existing.tar.gz",
        "--force",
        "--timeout",
        "300ms",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_ne!(std::fs::read(&out).unwrap(), b"keep me");
    assert_eq!(mode(&out), 0o600, "an overwritten bundle is 0600 too");
    untar(&out, &d.path().join("x"));
}

#[test]
fn no_file_is_left_when_the_directory_cannot_be_written() {
    let d = Dir::new();
    let missing = d.path().join("no/such/dir/b.tar.gz");
    let o = d.runner(&["doctor", "bundle", "-o", missing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("cannot write the bundle"),
        "{}",
        text(&o)
    );
    assert!(!missing.exists());

    // A read-only directory (meaningless for root, who may write anyway: then skipped).
    let ro = d.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o500)).unwrap();
    if std::fs::write(ro.join("probe"), "x").is_err() {
        let o = d.runner(&["doctor", "bundle", "-o", "ro/b.tar.gz"]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert_eq!(std::fs::read_dir(&ro).unwrap().count(), 0);
    }
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o700)).unwrap();
}

#[test]
fn no_half_bundle_when_writing_fails_midway() {
    let d = Dir::new();
    // An incompressible log makes the archive larger than the 1 KiB file size limit below.
    let mut log = String::new();
    let mut x: u64 = 0x9e3779b97f4a7c15;
    for _ in 0..800 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        log.push_str(&format!("{x:016x}{:016x}\n", x.rotate_left(29)));
    }
    std::fs::write(d.path().join("runner.log"), log).unwrap();
    // RLIMIT_FSIZE makes the write fail with EFBIG (SIGXFSZ ignored, so it is an error).
    let mut sh = Command::new("sh");
    sh.arg("-c")
        .arg("trap '' XFSZ; ulimit -f 1; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_runner"));
    let o = d.runner_via(
        sh,
        &["doctor", "bundle", "-o", "big.tar.gz", "--timeout", "300ms"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    // EFBIG: the archive was being written, not refused up front.
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("(os error 27)"),
        "{}",
        text(&o)
    );
    assert!(d.listing().is_empty(), "left behind: {:?}", d.listing());
}

fn unpack_manifest(d: &Dir, archive: &str, into: &str) -> (serde_json::Value, std::path::PathBuf) {
    let x = d.path().join(into);
    untar(&d.path().join(archive), &x);
    let manifest =
        serde_json::from_slice(&std::fs::read(x.join("manifest.json")).unwrap()).unwrap();
    (manifest, x)
}

/// A bundle for config A never carries the pre-flight of config B; it carries A's own, and says
/// when that was made with other settings than the current ones.
#[test]
fn the_bundle_takes_the_preflight_of_its_own_config_only() {
    let d = Dir::new();
    std::fs::create_dir_all(d.path().join("state")).unwrap();
    std::fs::write(
        d.path().join("a.toml"),
        "[otel]\nendpoint = \"http://127.0.0.1:9\"\n",
    )
    .unwrap();
    std::fs::write(
        d.path().join("b.toml"),
        "[otel]\nendpoint = \"http://127.0.0.1:10\"\n",
    )
    .unwrap();
    std::fs::write(
        d.preflight_for("b.toml"),
        r#"{"schema":"runner.doctor.otel/v1","verdict":"broken","settings":{"b":1}}"#,
    )
    .unwrap();
    let args = |out: &'static str| {
        vec![
            "doctor",
            "bundle",
            "-c",
            "a.toml",
            "-o",
            out,
            "--timeout",
            "300ms",
        ]
    };
    let o = d.runner(&args("one.tar.gz"));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let (manifest, x) = unpack_manifest(&d, "one.tar.gz", "x1");
    assert!(
        !x.join("preflight.json").exists(),
        "B's pre-flight in A's bundle"
    );
    let a_abs = std::fs::canonicalize(d.path().join("a.toml")).unwrap();
    assert_eq!(manifest["config_file"], a_abs.display().to_string());
    let absent = manifest["absent"].to_string();
    assert!(absent.contains("a.toml"), "{absent}");

    // A's own, made with other settings than now: included, and the manifest says so.
    std::fs::write(
        d.preflight_for("a.toml"),
        r#"{"schema":"runner.doctor.otel/v1","verdict":"healthy","settings":{"a":1}}"#,
    )
    .unwrap();
    let o = d.runner(&args("two.tar.gz"));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("other settings"), "{stdout}");
    let (manifest, x) = unpack_manifest(&d, "two.tar.gz", "x2");
    let kept = std::fs::read_to_string(x.join("preflight.json")).unwrap();
    assert!(kept.contains("healthy"), "{kept}");
    assert_eq!(manifest["preflight"]["same_settings"], false, "{manifest}");
    assert_eq!(manifest["preflight"]["old"], false, "{manifest}");
    assert_eq!(
        manifest["preflight"]["config_file"],
        a_abs.display().to_string()
    );
}

#[test]
fn without_o_the_bundle_is_named_for_host_and_time_here_and_says_where() {
    let d = Dir::new();
    let o = d.runner(&["doctor", "bundle", "--timeout", "300ms"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let prefix = format!("runner-support-{}-", host.trim());
    let written = d.listing();
    let [name] = written.as_slice() else {
        panic!("one bundle wanted in the current directory, found {written:?}");
    };
    let time = name
        .strip_prefix(&prefix)
        .and_then(|n| n.strip_suffix(".tar.gz"))
        .unwrap_or_else(|| panic!("{name} is not {prefix}<UTC time>.tar.gz"));
    // 20261207T064512Z: the UTC time, without characters a file name should not hold.
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    assert!(
        time.len() == 16 && digits(&time[..8]) && &time[8..9] == "T" && digits(&time[9..15]),
        "{time}"
    );
    assert!(time.ends_with('Z'), "{time}");
    let full = std::fs::canonicalize(d.path().join(name)).unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains(&format!("written to {}", full.display())),
        "{stdout}"
    );
    assert_eq!(mode(&full), 0o600);
    untar(&full, &d.path().join("x"));
}
