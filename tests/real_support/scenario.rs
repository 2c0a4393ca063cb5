//! The real-component scenarios' descriptions under `scenarios/real/`: the catalogue entry each
//! test reproduces, and the expectation the test checks the doctor's report against.

use super::doctor::Outcome;
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// `real:<component>`: the scenario harness skips these; this suite runs them.
    pub needs: String,
    pub title: String,
    pub situation: String,
    pub expect: Expect,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// `healthy`, `degraded` or `broken`.
    pub verdict: String,
    /// Causes the report must name (severity `error` when the verdict is `broken`).
    #[serde(default)]
    pub causes: Vec<String>,
    /// Other causes that may also appear as errors without making the diagnosis wrong.
    #[serde(default)]
    pub also_allowed: Vec<String>,
}

impl Scenario {
    pub fn load(name: &str) -> Scenario {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios/real")
            .join(format!("{name}.toml"));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let s: Scenario =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            s.needs.starts_with("real:"),
            "{}: needs must start with real:",
            path.display()
        );
        s
    }

    /// Checks the doctor's verdict, exit code and causes against this scenario's expectation.
    pub fn check(&self, out: &Outcome) {
        let e = &self.expect;
        let ctx = || format!("scenario {:?}\n{out}", self.title);
        assert_eq!(out.verdict(), e.verdict, "verdict; {}", ctx());
        let code = if e.verdict == "broken" { 1 } else { 0 };
        assert_eq!(out.code, Some(code), "exit code; {}", ctx());
        let all = out.causes();
        for cause in &e.causes {
            assert!(
                all.contains(cause),
                "expected cause {cause}, found {all:?}; {}",
                ctx()
            );
        }
        for f in out.findings() {
            if f["severity"] != "error" {
                continue;
            }
            // An error shows in the stage list too: some check of its target fails.
            let target = out.target_of(f);
            let failed = out.report["targets"][target]["checks"]
                .as_array()
                .is_some_and(|cs| cs.iter().any(|c| c["status"] == "fail"));
            assert!(
                failed,
                "finding {} is an error but no check failed; {}",
                f["cause"],
                ctx()
            );
        }
        if e.verdict != "broken" {
            check_path_proven(out, &ctx());
        }
        for f in out.findings() {
            if f["severity"] != "error" {
                continue;
            }
            let cause = f["cause"].as_str().unwrap_or_default().to_string();
            assert!(
                e.causes.contains(&cause)
                    || e.also_allowed.contains(&cause)
                    || canary_confirms(f, &e.causes),
                "unexpected error cause {cause} (expected {:?}); {}",
                e.causes,
                ctx()
            );
        }
    }
}

/// A report without errors must also show the path walked: a doctor that skipped every stage
/// would otherwise look healthy. Every target's network stages pass (TLS only for https://,
/// name resolution may skip an IP literal) and the canary went through.
fn check_path_proven(out: &Outcome, ctx: &str) {
    let targets = out.report["targets"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(!targets.is_empty(), "no targets; {ctx}");
    for t in &targets {
        let url = t["url"].as_str().unwrap_or_default();
        let status = |stage: &str| {
            t["checks"]
                .as_array()
                .and_then(|c| c.iter().find(|c| c["stage"] == stage))
                .and_then(|c| c["status"].as_str())
                .unwrap_or("<missing>")
                .to_string()
        };
        let mut must_pass = vec!["tcp", "protocol", "export", "canary"];
        if url.starts_with("https://") {
            must_pass.push("tls");
        }
        for stage in must_pass {
            let st = status(stage);
            assert!(
                st == "pass" || st == "warn",
                "{url}: stage {stage} is {st}, expected pass; {ctx}"
            );
        }
        let dns = status("dns");
        assert!(
            ["pass", "warn", "skip"].contains(&dns.as_str()),
            "{url}: stage dns is {dns}; {ctx}"
        );
    }
}

/// The canary goes through the real exporter even when an earlier stage failed; its failure is
/// a consequence, not a second diagnosis, when the doctor ties it to an expected cause.
fn canary_confirms(finding: &serde_json::Value, expected: &[String]) -> bool {
    finding["cause"] == "canary_export_failed"
        && finding["evidence"]["matched_findings"]
            .as_array()
            .is_some_and(|m| m.iter().any(|c| expected.iter().any(|e| c == e.as_str())))
}
