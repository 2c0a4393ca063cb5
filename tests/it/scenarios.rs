//! Runs every `doctor otel` scenario of `scenarios/` against the built `runner` binary, in
//! parallel (the collector's run in `collector.rs`), and checks over both formats that every
//! cause code is named by a scenario (or explained as not producible in `scenarios/README.md`).

use crate::support::harness::{self, Outcome, Verdict};
use crate::support::scenario::{self, Format, ScenarioFile};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Scenarios run at once; each has its own servers, so only CPU bounds this.
const PARALLEL: usize = 4;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_runner"))
}

fn report(outcomes: &[Outcome]) -> (Vec<String>, String) {
    use std::fmt::Write;
    let mut failures = Vec::new();
    let mut out = String::new();
    let (mut pass, mut pending, mut skipped, mut unexpected) = (0, 0, 0, 0);
    for o in outcomes {
        let ms = o.elapsed.as_millis();
        match &o.verdict {
            Verdict::Pass => {
                pass += 1;
                let _ = writeln!(out, "PASS     {} ({ms} ms)", o.name);
            }
            Verdict::Fail(diffs) => {
                let _ = writeln!(out, "FAIL     {} ({ms} ms)", o.name);
                for d in diffs {
                    let _ = writeln!(out, "           - {d}");
                }
                failures.push(format!("{}: {}", o.name, diffs.join("; ")));
            }
            Verdict::Pending(why, diffs) => {
                pending += 1;
                let _ = writeln!(out, "PENDING  {} ({why})", o.name);
                for d in diffs {
                    let _ = writeln!(out, "           - {d}");
                }
            }
            Verdict::UnexpectedPass(why) => {
                unexpected += 1;
                let _ = writeln!(
                    out,
                    "UNEXPECTED PASS {}: remove `pending = {why:?}` from its file",
                    o.name
                );
            }
            Verdict::Skipped(needs) => {
                skipped += 1;
                let _ = writeln!(out, "SKIP     {} (needs {needs})", o.name);
            }
        }
    }
    let _ = writeln!(
        out,
        "\n{} scenarios: {pass} pass, {} fail, {pending} pending, {unexpected} pending but passing, \
         {skipped} need a real component",
        outcomes.len(),
        failures.len()
    );
    (failures, out)
}

#[test]
fn scenarios() {
    let files = scenario::load(&dir(), Format::Otel);
    assert!(!files.is_empty(), "no scenario under {}", dir().display());
    let only = std::env::var("SCENARIO").ok();
    let files: Vec<Arc<ScenarioFile>> = files
        .into_iter()
        .filter(|f| only.as_ref().is_none_or(|o| f.name.contains(o.as_str())))
        .map(Arc::new)
        .collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let outcomes: Vec<Outcome> = rt.block_on(async {
        let permits = Arc::new(tokio::sync::Semaphore::new(PARALLEL));
        let bin = Arc::new(bin());
        let mut handles = Vec::new();
        for f in &files {
            let f = f.clone();
            let bin = bin.clone();
            let permits = permits.clone();
            handles.push(tokio::spawn(async move {
                let _permit = permits.acquire_owned().await.unwrap();
                harness::run(&f, &bin).await
            }));
        }
        let mut outcomes = Vec::new();
        for h in handles {
            outcomes.push(h.await.expect("scenario task panicked"));
        }
        outcomes
    });
    let (mut failures, text) = report(&outcomes);
    println!("{text}");
    println!("{}", pending_only_causes(&files, &outcomes));

    // Wording changes of the text report are reviewed through these snapshots.
    for o in &outcomes {
        if let Some(t) = &o.text {
            let name = o.snapshot_name.clone();
            let t = t.clone();
            let r = std::panic::catch_unwind(move || {
                insta::assert_snapshot!(name, t);
            });
            if r.is_err() {
                failures.push(format!("{}: text report differs from its snapshot", o.name));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} scenario(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Causes whose every scenario is still pending (or needs a real component): the diagnosis of
/// these is not proven on main yet.
fn pending_only_causes(files: &[Arc<ScenarioFile>], outcomes: &[Outcome]) -> String {
    use std::collections::BTreeMap;
    let mut proven: BTreeMap<&str, bool> = BTreeMap::new();
    for (f, o) in files.iter().zip(outcomes) {
        let Ok(sc) = &f.parsed else { continue };
        for ef in &sc.expect.findings {
            let e = proven.entry(ef.cause.as_str()).or_default();
            *e |= matches!(o.verdict, Verdict::Pass);
        }
    }
    let open: Vec<&str> = proven
        .iter()
        .filter(|(_, p)| !**p)
        .map(|(c, _)| *c)
        .collect();
    format!("causes with no passing scenario yet: {open:?}")
}

#[test]
fn every_cause_has_a_scenario() {
    let files = scenario::load_all(&dir());
    let mut named = std::collections::BTreeSet::new();
    for f in &files {
        if let Ok(sc) = &f.parsed {
            for ef in &sc.expect.findings {
                named.insert(ef.cause.clone());
            }
        }
    }
    let excused = scenario::unproducible(&dir());
    let missing: Vec<&str> = runner::cause::Cause::ALL
        .iter()
        .map(|c| c.code())
        .filter(|c| !named.contains(*c) && !excused.iter().any(|e| e == c))
        .collect();
    assert!(
        missing.is_empty(),
        "cause codes with no scenario and no reason in scenarios/README.md: {missing:?}"
    );
    for e in &excused {
        assert!(
            runner::cause::Cause::from_code(e).is_some(),
            "README lists {e:?}, which is not a cause code"
        );
    }
}

#[test]
fn scenario_files_are_valid() {
    let otel = [
        "config", "dns", "tcp", "tls", "protocol", "export", "canary", "backend",
    ];
    let mut problems = Vec::new();
    for f in scenario::load_all(&dir()) {
        let stages: &[&str] = match f.format {
            Format::Otel => &otel,
            Format::Collector => &["collector"],
        };
        let sc = match &f.parsed {
            Ok(sc) => sc,
            Err(e) => {
                problems.push(format!("{}: {e}", f.path.display()));
                continue;
            }
        };
        if sc.title.trim().is_empty() || sc.situation.trim().is_empty() {
            problems.push(format!(
                "{}: title and situation must say something",
                f.name
            ));
        }
        for cause in &sc.expect.absent {
            if runner::cause::Cause::from_code(cause).is_none() {
                problems.push(format!("{}: unknown cause {cause:?}", f.name));
            }
        }
        for ef in &sc.expect.findings {
            if runner::cause::Cause::from_code(&ef.cause).is_none() {
                problems.push(format!("{}: unknown cause {:?}", f.name, ef.cause));
            }
            if !ef.stage.split('|').all(|st| stages.contains(&st)) {
                problems.push(format!("{}: unknown stage {:?}", f.name, ef.stage));
            }
            if !["error", "warning", "info"].contains(&ef.severity.as_str()) {
                problems.push(format!("{}: unknown severity {:?}", f.name, ef.severity));
            }
        }
        for (stage, status) in &sc.expect.checks {
            if !otel.contains(&stage.as_str())
                || !["pass", "warn", "fail", "skip"].contains(&status.as_str())
            {
                problems.push(format!("{}: bad check {stage} = {status}", f.name));
            }
        }
        if let Some(v) = &sc.expect.verdict {
            if !["healthy", "degraded", "broken"].contains(&v.as_str()) {
                problems.push(format!("{}: unknown verdict {v:?}", f.name));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The folder a scenario must live in, from what it asserts: `real/` for what the
/// real-component suite runs (`needs = "real:..."`), `healthy/` for a clean run (exit 0, no
/// finding), else the stage its findings are seen at (one of `a|b`; `canary/` also holds the
/// canary's `backend` lookup). A scenario without findings names its stage in `checks`, or is
/// a usage error (exit 2) of `config/`.
fn folder_problem(folder: &str, sc: &scenario::Scenario) -> Option<String> {
    let real = sc.needs.as_deref().is_some_and(|n| n.starts_with("real:"));
    if real || folder == "real" {
        return (real != (folder == "real")).then(|| {
            "`needs = \"real:...\"` scenarios, and only they, belong in real/".to_string()
        });
    }
    let findings = &sc.expect.findings;
    if folder == "healthy" {
        return (sc.expect.exit != 0 || !findings.is_empty())
            .then(|| "healthy/ holds clean runs: exit 0 and no finding".to_string());
    }
    let fits = |stage: &str| stage == folder || (folder == "canary" && stage == "backend");
    if findings.is_empty() {
        let named = sc.expect.checks.keys().any(|s| fits(s));
        let usage_error = folder == "config" && sc.expect.exit == 2;
        return (!named && !usage_error).then(|| {
            format!("no finding, and `checks` names no {folder} stage: move it or say what {folder} shows")
        });
    }
    let off: Vec<String> = findings
        .iter()
        .filter(|f| !f.stage.split('|').any(fits))
        .map(|f| format!("{} is seen at stage {}", f.cause, f.stage))
        .collect();
    (!off.is_empty()).then(|| {
        format!(
            "in {folder}/ but {}: move it to scenarios/<stage>/ (and its snapshot)",
            off.join(", ")
        )
    })
}

#[test]
fn scenario_folders_match_their_stage() {
    let mut problems = Vec::new();
    for f in scenario::load_all(&dir()) {
        let Ok(sc) = &f.parsed else { continue };
        let folder = f.name.split('/').next().unwrap_or_default();
        if f.format == Format::Collector {
            // Read as collector scenarios only there (`support::scenario`).
            continue;
        }
        if let Some(p) = folder_problem(folder, sc) {
            problems.push(format!("{}: {p}", f.name));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
