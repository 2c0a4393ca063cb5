//! `runner doctor collector --output sarif|codequality`: each output validated against its
//! published JSON schema (`tests/data/schemas/`), every finding on the line the JSON report names.

use crate::collector::{doctor, json, root};
use crate::support::schema::published;
use serde_json::Value;
use std::path::PathBuf;

fn scenarios() -> Vec<PathBuf> {
    [
        "unknown_key.yaml",
        "tls_misconfigured.yaml",
        "component_unused.yaml",
        "port_mismatch.yaml",
    ]
    .iter()
    .map(|f| PathBuf::from("scenarios/collector").join(f))
    .collect()
}

fn output(file: &PathBuf, format: &str) -> (i32, Value) {
    let (code, out, err) = doctor(
        std::slice::from_ref(file),
        &["--output", format, "--collector-version", "0.135"],
        &[],
    );
    let v =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{file:?} {format}: {e}: {out}{err}"));
    (code, v)
}

/// (cause, severity, line) of every finding with a place, from the JSON report.
fn expected(file: &PathBuf) -> Vec<(String, String, u64)> {
    let (_, r) = json(
        std::slice::from_ref(file),
        &["--collector-version", "0.135"],
        &[],
    );
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["cause"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
                f["evidence"]["location"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

#[test]
fn sarif_is_valid_sarif_2_1_0_with_every_finding_on_its_line() {
    // The validator does reject what breaks the schema.
    let bad = serde_json::json!({"version": "2.0.0", "runs": [{"results": []}]});
    assert!(published("sarif-2.1.0.json", &bad).len() >= 2);
    for file in scenarios() {
        let want = expected(&file);
        let (code, s) = output(&file, "sarif");
        let (json_code, _) = json(
            std::slice::from_ref(&file),
            &["--collector-version", "0.135"],
            &[],
        );
        assert_eq!(code, json_code, "{file:?}: same exit code as --json");
        let errors = published("sarif-2.1.0.json", &s);
        assert!(errors.is_empty(), "{file:?}: {errors:#?}");
        let run = &s["runs"][0];
        let rules: Vec<&str> = run["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        let results = run["results"].as_array().unwrap();
        assert_eq!(
            results.len(),
            want.len(),
            "{file:?}: one result per finding"
        );
        for (res, (cause, sev, line)) in results.iter().zip(&want) {
            assert_eq!(res["ruleId"], cause.as_str());
            assert_eq!(rules[res["ruleIndex"].as_u64().unwrap() as usize], cause);
            let level = match sev.as_str() {
                "error" => "error",
                "warning" => "warning",
                _ => "note",
            };
            assert_eq!(res["level"], level, "{res}");
            let loc = &res["locations"][0]["physicalLocation"];
            assert_eq!(loc["region"]["startLine"], *line, "{res}");
            assert_eq!(loc["artifactLocation"]["uri"], file.to_str().unwrap());
            assert!(
                res["message"]["text"].as_str().unwrap().contains("Fix: "),
                "{res}"
            );
        }
    }
}

#[test]
fn codequality_is_valid_gitlab_code_quality_with_stable_fingerprints() {
    let mut all_prints = Vec::new();
    for file in scenarios() {
        let want = expected(&file);
        let (_, issues) = output(&file, "codequality");
        let list = issues.as_array().expect("an array of issues");
        assert_eq!(list.len(), want.len(), "{file:?}");
        for (issue, (cause, sev, line)) in list.iter().zip(&want) {
            let errors = published("codequality.json", issue);
            assert!(errors.is_empty(), "{file:?}: {errors:#?}");
            // What GitLab's documentation requires beyond its validator's schema.
            assert_eq!(issue["check_name"], cause.as_str());
            assert!(["info", "minor", "major", "critical", "blocker"]
                .contains(&issue["severity"].as_str().unwrap()));
            assert_eq!(issue["severity"] == "critical", sev == "error", "{issue}");
            assert_eq!(issue["location"]["lines"]["begin"], *line, "{issue}");
            assert_eq!(issue["location"]["path"], file.to_str().unwrap());
            all_prints.push(issue["fingerprint"].as_str().unwrap().to_owned());
        }
        let (_, again) = output(&file, "codequality");
        assert_eq!(
            issues, again,
            "{file:?}: the same input gives the same report"
        );
    }
    let mut unique = all_prints.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), all_prints.len(), "fingerprints are unique");
}

/// A finding moved down by an edit above it keeps its fingerprint (GitLab then shows it as
/// unchanged, not as fixed and new).
#[test]
fn a_fingerprint_survives_lines_inserted_above() {
    let dir = crate::support::real::tempdir();
    let text =
        std::fs::read_to_string(root().join("scenarios/collector/unknown_key.yaml")).unwrap();
    let a = dir.path().join("a.yaml");
    std::fs::write(&a, &text).unwrap();
    let (_, before) = output(&a, "codequality");
    std::fs::write(&a, format!("# a comment\n# another\n{text}")).unwrap();
    let (_, after) = output(&a, "codequality");
    let prints = |v: &Value| -> Vec<Value> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|i| i["fingerprint"].clone())
            .collect()
    };
    assert_eq!(prints(&before), prints(&after));
    assert_eq!(
        before[0]["location"]["lines"]["begin"].as_u64().unwrap() + 2,
        after[0]["location"]["lines"]["begin"].as_u64().unwrap()
    );
}
