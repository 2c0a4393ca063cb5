//! Running the real-component scenarios under `scenarios/real/` (parsed by the one scenario
//! parser, `support/scenario.rs`): settings with upper-case placeholders this suite fills in,
//! and checking what the report must say.

use super::doctor::{Invocation, Outcome};
use crate::support::scenario::{ExpectFinding, Scenario};
use std::collections::HashMap;
use std::path::PathBuf;

/// Placeholders a scenario's settings may use; each test fills those its components provide.
pub const PLACEHOLDERS: &[&str] = &[
    "ROTEL_GRPC_PORT",
    "ROTEL_HTTP_PORT",
    "NGINX_PORT",
    "HAPROXY_PORT",
    "DNS_PORT",
    "CA_FILE",
    "CLIENT_CERT_FILE",
    "CLIENT_KEY_FILE",
    "GOCOL_GRPC_PORT",
    "GOCOL_HTTP_PORT",
    "SELF_SIGNED_CA_TRUE_FILE",
];

impl Scenario {
    pub fn load(name: &str) -> Scenario {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios/real")
            .join(format!("{name}.toml"));
        let s = crate::support::scenario::read(&path, crate::support::scenario::Format::Otel)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            s.needs.as_deref().is_some_and(|n| n.starts_with("real:")),
            "{}: needs must start with real:",
            path.display()
        );
        s
    }

    /// The doctor invocation the scenario's settings describe, placeholders filled in.
    pub fn invocation(&self, values: &HashMap<&str, String>) -> Invocation {
        let fill = |s: &str| -> String {
            let mut s = s.to_string();
            for (k, v) in values {
                s = s.replace(k, v);
            }
            if let Some(left) = PLACEHOLDERS.iter().find(|p| s.contains(*p)) {
                panic!("scenario {:?}: no value for {left} in {s:?}", self.title);
            }
            s
        };
        let mut inv = Invocation::default();
        for (k, v) in &self.settings.env {
            inv = inv.env(k, fill(v));
        }
        for f in &self.settings.flags {
            inv = inv.arg(fill(f));
        }
        inv
    }

    /// Checks the doctor's exit code, verdict and findings against this scenario.
    pub fn check(&self, out: &Outcome) {
        let e = &self.expect;
        let ctx = || format!("scenario {:?}\n{out}", self.title);
        assert_eq!(out.code, Some(e.exit), "exit code; {}", ctx());
        if let Some(v) = &e.verdict {
            assert_eq!(out.verdict(), v, "verdict; {}", ctx());
        }
        for ef in &e.findings {
            let found = out.findings().into_iter().find(|f| f["cause"] == ef.cause);
            let Some(f) = found else {
                panic!(
                    "expected cause {}, found {:?}; {}",
                    ef.cause,
                    out.causes(),
                    ctx()
                );
            };
            assert_eq!(
                f["severity"],
                ef.severity,
                "{} severity; {}",
                ef.cause,
                ctx()
            );
            assert_eq!(f["stage"], ef.stage, "{} stage; {}", ef.cause, ctx());
        }
        for f in out.findings() {
            if f["severity"] != "error" {
                continue;
            }
            let cause = f["cause"].as_str().unwrap_or_default();
            assert!(
                e.findings.iter().any(|ef| ef.cause == cause) || canary_confirms(f, &e.findings),
                "unexpected error cause {cause}; {}",
                ctx()
            );
            // An error shows in the stage list too: some check of its target fails.
            let target = out.target_of(f);
            let failed = out.report["targets"][target]["checks"]
                .as_array()
                .is_some_and(|cs| cs.iter().any(|c| c["status"] == "fail"));
            assert!(failed, "error {cause} but no check failed; {}", ctx());
        }
        if let Some(exported) = e.canary_exported {
            assert_eq!(
                out.canary()["exported"],
                exported,
                "canary.exported; {}",
                ctx()
            );
        }
        if let Some(words) = &e.canary_skipped_because {
            for t in out.report["targets"].as_array().into_iter().flatten() {
                let canary = t["checks"]
                    .as_array()
                    .and_then(|c| c.iter().find(|c| c["stage"] == "canary"));
                if t["signal"] != "traces" {
                    continue;
                }
                let canary = canary.unwrap_or_else(|| panic!("no canary check; {}", ctx()));
                assert_eq!(canary["status"], "skip", "canary check; {}", ctx());
                let summary = canary["summary"].as_str().unwrap_or_default();
                assert!(
                    summary.contains(words.as_str()),
                    "canary skip reason {summary:?} lacks {words:?}; {}",
                    ctx()
                );
            }
        }
        if e.exit == 0 {
            check_path_proven(out, e.canary_skipped_because.is_some(), &ctx());
        }
    }
}

/// Runs real scenario `name` as a user would with these placeholder `values`, keeps the report
/// under target/real-reports/, checks it against the scenario and, when it says
/// `canary_arrived = true`, that the collector (`who`) logged the canary's trace id: `saw(id)`
/// looks in its span log, `log()` shows that log when it did not.
pub fn run_real(
    name: &str,
    values: &HashMap<&str, String>,
    who: &str,
    saw: impl Fn(&str) -> bool,
    log: impl Fn() -> String,
) -> Outcome {
    let scenario = Scenario::load(name);
    let out = scenario.invocation(values).run();
    out.keep(name);
    scenario.check(&out);
    if scenario.expect.canary_arrived == Some(true) {
        let id = out.canary()["trace_id"].as_str().unwrap_or_default();
        assert_eq!(id.len(), 32, "canary trace id;\n{out}");
        assert!(
            saw(id),
            "{who} never logged trace {id};\n{out}\n{who} log:\n{}",
            log()
        );
    }
    out
}

/// The canary goes through the real exporter even when an earlier stage failed; its failure is
/// a consequence, not a second diagnosis, when the doctor ties it to an expected cause.
fn canary_confirms(finding: &serde_json::Value, expected: &[ExpectFinding]) -> bool {
    finding["cause"] == "canary_export_failed"
        && finding["evidence"]["matched_findings"]
            .as_array()
            .is_some_and(|m| {
                m.iter()
                    .any(|c| expected.iter().any(|e| c == e.cause.as_str()))
            })
}

/// A report without errors must also show the path walked: a doctor that skipped every stage
/// would otherwise look healthy. Every target's network stages pass (TLS only for https://,
/// name resolution may skip an IP literal) and the canary went through.
fn check_path_proven(out: &Outcome, canary_skipped: bool, ctx: &str) {
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
        let mut must_pass = vec!["tcp", "protocol", "export"];
        if !canary_skipped {
            must_pass.push("canary");
        }
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
