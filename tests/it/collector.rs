//! `runner doctor collector` against its scenarios (`scenarios/collector/`), the real
//! configurations of `tests/data/collector-configs/`, and hostile input.

use crate::support::scenario::{self, Format, ScenarioFile};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the doctor from an empty environment plus `env`; returns exit code, stdout, stderr.
pub(crate) fn doctor(
    files: &[PathBuf],
    flags: &[&str],
    env: &[(String, String)],
) -> (i32, String, String) {
    let mut c = Command::new(crate::support::process::runner_bin());
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .args(["doctor", "collector"])
        .args(files)
        .args(flags)
        .current_dir(root());
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("runner runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub(crate) fn json(files: &[PathBuf], flags: &[&str], env: &[(String, String)]) -> (i32, Value) {
    let mut f = flags.to_vec();
    f.push("--json");
    let (code, out, err) = doctor(files, &f, env);
    let v = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{files:?}: {e}: {out}{err}"));
    (code, v)
}

fn place(f: &Value) -> String {
    let l = &f["evidence"]["location"];
    format!("{}:{}", l["line"], l["column"])
}

fn scenario_files() -> Vec<ScenarioFile> {
    scenario::load(&root().join("scenarios"), Format::Collector)
}

/// The causes about the running collector (no file position).
const LIVE: [&str; 6] = [
    "collector_unhealthy",
    "collector_admin_unreachable",
    "collector_exporter_failing",
    "collector_receiver_refusing",
    "collector_queue_full",
    "collector_dropping",
];

#[test]
fn every_collector_scenario_gives_its_findings_on_their_lines() {
    let mut problems = Vec::new();
    let files = scenario_files();
    assert!(files.len() >= 12);
    for file in files {
        let name = file.name.clone();
        let path = file.path.clone();
        let sc = file.parsed.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            !sc.expect.findings.is_empty() || !sc.expect.absent.is_empty(),
            "{name}: no `# expect:` line"
        );
        let text = std::fs::read_to_string(&path).unwrap();
        // `# metrics:` / `# health:` lines: a loopback server plays the recorded admin answers.
        let (live, _server) =
            crate::support::collector_admin::scenario_server(&text, path.parent().unwrap());
        let env: Vec<(String, String)> = sc.settings.env.clone().into_iter().collect();
        let flags: Vec<&str> = sc
            .settings
            .flags
            .iter()
            .chain(&live)
            .map(String::as_str)
            .collect();
        let (code, r) = json(std::slice::from_ref(&path), &flags, &env);
        let findings = r["findings"].as_array().cloned().unwrap_or_default();
        let got = || -> Vec<String> {
            findings
                .iter()
                .map(|f| format!("{} {} {}", f["cause"], f["severity"], place(f)))
                .collect()
        };
        for e in &sc.expect.findings {
            let hit = findings.iter().any(|f| {
                f["cause"] == e.cause.as_str()
                    && f["severity"] == e.severity.as_str()
                    && e.at.as_ref().is_none_or(|a| &place(f) == a)
            });
            if !hit {
                let (cause, sev, at) = (&e.cause, &e.severity, &e.at);
                problems.push(format!(
                    "{name}: no {cause} {sev} at {at:?}; got {:?}",
                    got()
                ));
            }
        }
        for cause in &sc.expect.absent {
            if findings.iter().any(|f| f["cause"] == cause.as_str()) {
                problems.push(format!("{name}: unexpected {cause}"));
            }
        }
        for f in &findings {
            // Live findings are about the running collector, not a line of the file.
            let live = f["cause"].as_str().is_some_and(|c| LIVE.contains(&c));
            if !live && f["evidence"]["location"]["line"].as_u64().unwrap_or(0) == 0 {
                problems.push(format!("{name}: {} has no line", f["cause"]));
            }
        }
        let errors = findings.iter().any(|f| f["severity"] == "error");
        if code != i32::from(errors) || code != sc.expect.exit {
            problems.push(format!(
                "{name}: exit {code} with errors={errors}, expected exit {}",
                sc.expect.exit
            ));
        }
        assert_eq!(r["schema"], "runner.doctor.collector/v1");
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The real configurations' file sets (same prefix = merged in order) with the environment their
/// deployments set, as `tests/data/collector-configs/README.md` lists them.
/// Files merged in order, and the environment they are deployed with.
pub(crate) type FileSet = (Vec<PathBuf>, Vec<(String, String)>);

pub(crate) fn real_sets() -> Vec<FileSet> {
    let dir = root().join("tests/data/collector-configs");
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml"))
        .collect();
    names.sort();
    let mut sets: Vec<(String, Vec<PathBuf>)> = Vec::new();
    for n in names {
        let prefix: String = n.chars().take(3).collect();
        match sets.iter_mut().find(|(p, _)| *p == prefix) {
            Some((_, v)) => v.push(dir.join(&n)),
            None => sets.push((prefix, vec![dir.join(&n)])),
        }
    }
    sets.into_iter()
        .map(|(_, files)| {
            let first = files[0].file_name().unwrap().to_string_lossy().into_owned();
            let row = readme.lines().find(|l| l.contains(&first)).unwrap_or("");
            let env = row
                .split("(env: ")
                .nth(1)
                .and_then(|r| r.split(')').next())
                .map(|list| {
                    list.split(", ")
                        .filter_map(|kv| kv.split_once('='))
                        .map(|(k, v)| (k.to_owned(), v.to_owned()))
                        .collect()
                })
                .unwrap_or_default();
            (files, env)
        })
        .collect()
}

/// The collector release of the configurations written for an older collector (README: the
/// chart's collector 0.86; 2021 examples; the secure-tracing example still uses `logging` and
/// `telemetry.metrics.address`, so a release before 0.111). The rest are judged as the newest.
const ERA: [(&str, &str); 3] = [("v16", "0.86"), ("v27", "0.33"), ("v28", "0.110")];

#[test]
fn real_configurations_give_no_error_finding() {
    let mut problems = Vec::new();
    let mut summary = Vec::new();
    for (files, env) in real_sets() {
        let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with('b') {
            continue; // the known-bad control, below
        }
        let era = ERA.iter().find(|(p, _)| name.starts_with(p));
        let flags: Vec<&str> = era
            .map(|(_, v)| vec!["--collector-version", *v])
            .unwrap_or_default();
        let (code, r) = json(&files, &flags, &env);
        let findings = r["findings"].as_array().cloned().unwrap_or_default();
        let errors: Vec<String> = findings
            .iter()
            .filter(|f| f["severity"] == "error")
            .map(|f| format!("{} at {}: {}", f["cause"], place(f), f["summary"]))
            .collect();
        if !errors.is_empty() || code != 0 {
            problems.push(format!("{name} (exit {code}): {errors:?}"));
        }
        assert!(
            !r["targets"].as_array().unwrap().is_empty(),
            "{name}: no pipeline"
        );
        summary.push(format!("{name}: {} finding(s)", findings.len()));
    }
    println!("{}", summary.join("\n"));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_bad_control_configuration_names_the_removed_jaeger_exporter() {
    let f = root()
        .join("tests/data/collector-configs/b10-otel-js-basic-tracer-node-collector-config.yaml");
    let (_, r) = json(std::slice::from_ref(&f), &[], &[]);
    let jaeger = |r: &Value, sev: &str| {
        r["findings"].as_array().unwrap().iter().any(|f| {
            f["cause"] == "collector_deprecated_component"
                && f["severity"] == sev
                && place(f) == "12:3"
        })
    };
    assert!(
        jaeger(&r, "error"),
        "without a version the newest known judges it: removed, an error on line 12"
    );
    // The image is otel/opentelemetry-collector-contrib:latest: the newest collector refuses it.
    let (code, r) = json(
        std::slice::from_ref(&f),
        &["--collector-version", "latest"],
        &[],
    );
    assert!(jaeger(&r, "error") && code == 1);
    // A collector from before the removal only warns (deprecated since v0.80).
    let (_, r) = json(&[f], &["--collector-version", "0.82"], &[]);
    assert!(jaeger(&r, "warning"), "{r}");
}

#[test]
fn text_report_of_the_original_report() {
    let f = root().join("scenarios/collector/original_report.yaml");
    let (code, out, _) = doctor(
        &[PathBuf::from("scenarios/collector/original_report.yaml")],
        &[],
        &[],
    );
    assert_eq!(code, 1, "{}", f.display());
    let out = out
        .lines()
        .map(|l| match l.find(") in ") {
            Some(i) if l.starts_with("Verdict:") => format!("{} in N ms", &l[..=i]),
            _ => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!("collector_original_report", out);
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn hostile_yaml_exits_2_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    let mut prev = 'a';
    for c in "bcdefghij".chars() {
        bomb.push_str(&format!("{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        prev = c;
    }
    let mut deep = String::from("receivers:\n");
    for i in 1..400 {
        deep.push_str(&" ".repeat(i * 2));
        deep.push_str("k:\n");
    }
    let huge = "#".repeat(17 * 1024 * 1024);
    for (name, text, want) in [
        ("bomb.yaml", bomb.as_str(), "alias"),
        ("deep.yaml", deep.as_str(), "deeper than"),
        ("huge.yaml", huge.as_str(), "bytes"),
    ] {
        let p = write(dir.path(), name, text);
        let started = std::time::Instant::now();
        let (code, out, err) = doctor(&[p], &[], &[]);
        assert_eq!(code, 2, "{name}: {out}{err}");
        assert!(err.contains(name) && err.contains(want), "{name}: {err}");
        assert!(
            err.contains(&format!("{name}:")),
            "{name}: names a line: {err}"
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "{name}: bounded"
        );
    }
}

#[test]
fn several_files_merge_maps_and_replace_lists() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        dir.path(),
        "base.yaml",
        "receivers:\n  otlp:\n    protocols: {grpc: {endpoint: 0.0.0.0:4317}}\nexporters:\n  debug: {}\nservice:\n  pipelines:\n    traces: {receivers: [otlp], exporters: [debug, otlp/gone]}\n",
    );
    let b = write(
        dir.path(),
        "extra.yaml",
        "exporters:\n  otlp/backend: {endpoint: backend:4317}\nservice:\n  pipelines:\n    traces: {exporters: [otlp/backend]}\n",
    );
    let (code, r) = json(std::slice::from_ref(&a), &[], &[]);
    assert_eq!(code, 1, "alone, base.yaml names an undefined exporter");
    let (code, r2) = json(&[a, b], &[], &[]);
    let causes: Vec<&Value> = r2["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["cause"])
        .collect();
    assert_eq!(code, 0, "the list was replaced: {causes:?}");
    assert!(r["findings"][0]["evidence"]["location"]["file"]
        .as_str()
        .unwrap()
        .ends_with("base.yaml"));
    let unused = r2["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["cause"] == "collector_component_unused")
        .expect("debug is unused after the merge");
    assert!(unused["evidence"]["location"]["file"]
        .as_str()
        .unwrap()
        .ends_with("base.yaml"));
}

#[test]
fn env_references_resolve_from_the_environment() {
    let f = root().join("scenarios/collector/env_unresolved.yaml");
    let env = [("COLLECTOR_TEST_UNSET_HOST".to_owned(), "0.0.0.0".to_owned())];
    let (code, r) = json(&[f], &[], &env);
    assert_eq!(code, 0);
    assert!(r["findings"].as_array().unwrap().is_empty(), "{r}");
}
