//! The set-up the README promises is the set-up there is: one Rust version (README and
//! `Cargo.toml`), every component `scripts/test-deps.sh` installs listed in the README, and
//! Python packages installed into the project's virtual environment only.

use std::path::Path;

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
}

#[test]
fn the_readme_names_the_rust_version_cargo_toml_declares() {
    let declared = env!("CARGO_PKG_RUST_VERSION");
    assert!(!declared.is_empty(), "Cargo.toml declares no rust-version");
    let readme = read("README.md").replace('\n', " ");
    assert!(
        readme.contains(&format!("(Rust {declared} or newer)")),
        "README.md does not say `(Rust {declared} or newer)`, the rust-version of Cargo.toml"
    );
}

/// What the script installs: Debian packages (`need_apt+=(X)`, `apt-get install ... X`) and
/// PyPI packages (`pip_install X`); a package named after a variable counts by its stem
/// (`libpython$pyver`: `libpython`).
fn installed(script: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in script.lines().map(str::trim) {
        if let Some(rest) = line.split("need_apt+=(").nth(1) {
            out.push(rest.trim_end_matches(')').to_string());
        } else if let Some(rest) = line.split("--no-install-recommends ").nth(1) {
            let word = rest
                .split_whitespace()
                .next()
                .unwrap_or("")
                .trim_matches('"');
            if !word.starts_with('$') {
                out.push(word.split('$').next().unwrap_or(word).to_string());
            }
        } else if let Some(rest) = line.strip_prefix("pip_install ") {
            out.extend(rest.split_whitespace().map(str::to_string));
        }
    }
    out
}

#[test]
fn the_readme_lists_every_component_the_tests_install() {
    let script = read("scripts/test-deps.sh");
    let components = installed(&script);
    assert!(components.len() >= 10, "{components:?}");
    let readme = read("README.md");
    let section = readme
        .split("## What the test command installs")
        .nth(1)
        .expect("README.md has a section `## What the test command installs`")
        .split("\n## ")
        .next()
        .unwrap_or("");
    let missing: Vec<&String> = components
        .iter()
        .filter(|c| !section.contains(&format!("**{c}**")))
        .collect();
    assert!(
        missing.is_empty(),
        "scripts/test-deps.sh installs {missing:?}, which README.md's `What the test command \
         installs` does not list (as **name**)"
    );
}

#[test]
fn python_packages_go_into_the_project_virtual_environment() {
    let script = read("scripts/test-deps.sh");
    assert!(
        script.contains("python3 -m venv \"$venv\""),
        "no venv is made"
    );
    assert!(
        script.contains("venv=\"$PWD/target/venv\""),
        "the venv is not target/venv"
    );
    for (n, line) in script.lines().enumerate() {
        let code = line.split('#').next().unwrap_or("");
        if code.contains("pip install") {
            assert!(
                code.contains("\"$vpy\" -m pip install"),
                "scripts/test-deps.sh:{}: pip runs outside target/venv: {line}",
                n + 1
            );
        }
        assert!(
            !code.contains("--target") && !code.contains("--user"),
            "scripts/test-deps.sh:{}: {line}",
            n + 1
        );
    }
    let pip_calls = script
        .lines()
        .filter(|l| l.trim().starts_with("pip_install "))
        .count();
    assert!(
        pip_calls >= 2,
        "rotel and otelcol-contrib are installed with pip_install"
    );
}
