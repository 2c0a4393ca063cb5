//! Runs one scenario: starts its servers, fills the placeholders, runs the built `runner doctor
//! otel`, and compares the JSON report (and, on request, the text report) with `[expect]`.

use super::certs::Pki;
use super::otlp::Received;
use super::scenario::{Expect, Scenario, ScenarioFile};
use super::server::{self, Running};
use super::{dns, normalize, proxy};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How a scenario ended.
#[derive(Debug)]
pub enum Verdict {
    Pass,
    Fail(Vec<String>),
    /// Pending and still failing: the reason, and what differed.
    Pending(String, Vec<String>),
    /// Pending but everything matched: `pending` can be removed.
    UnexpectedPass(String),
    /// Needs a real component; run by the real-component suite.
    Skipped(String),
}

#[derive(Debug)]
pub struct Outcome {
    pub name: String,
    pub snapshot_name: String,
    pub verdict: Verdict,
    /// The normalized text report, for scenarios with `snapshot = true` that passed.
    pub text: Option<String>,
    pub elapsed: Duration,
}

/// Everything running for one scenario; dropping it stops every server.
#[derive(Default)]
struct Stage {
    servers: Vec<Running>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    proxy_seen: Option<proxy::Requests>,
}

impl Drop for Stage {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl Stage {
    fn received(&self) -> Vec<Arc<Mutex<Received>>> {
        self.servers
            .iter()
            .filter_map(|s| s.received.clone())
            .collect()
    }
}

pub async fn run(file: &ScenarioFile, bin: &Path) -> Outcome {
    let started = std::time::Instant::now();
    let mut outcome = Outcome {
        name: file.name.clone(),
        snapshot_name: file.snapshot_name(),
        verdict: Verdict::Pass,
        text: None,
        elapsed: Duration::ZERO,
    };
    let sc = match &file.parsed {
        Ok(sc) => sc,
        Err(e) => {
            outcome.verdict = Verdict::Fail(vec![format!("scenario file does not parse: {e}")]);
            return outcome;
        }
    };
    if let Some(needs) = &sc.needs {
        outcome.verdict = Verdict::Skipped(needs.clone());
        return outcome;
    }
    let (diffs, text) = match execute(sc, bin).await {
        Ok(r) => r,
        Err(e) => (vec![format!("harness: {e}")], None),
    };
    outcome.verdict = match (&sc.pending, diffs.is_empty()) {
        (None, true) => Verdict::Pass,
        (None, false) => Verdict::Fail(diffs),
        (Some(why), true) => Verdict::UnexpectedPass(why.clone()),
        (Some(why), false) => Verdict::Pending(why.clone(), diffs),
    };
    if matches!(outcome.verdict, Verdict::Pass) {
        outcome.text = text;
    }
    outcome.elapsed = started.elapsed();
    outcome
}

/// Starts everything, runs the doctor, compares. Returns the differences and the text report.
async fn execute(sc: &Scenario, bin: &Path) -> Result<(Vec<String>, Option<String>), String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let pki = Pki::new(tmp.path());
    let mut stage = Stage::default();
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    let mut ports: Vec<(String, u16)> = Vec::new();

    let mut all: Vec<(String, &server::ServerSpec)> = Vec::new();
    if let Some(s) = &sc.server {
        all.push((String::new(), s));
    }
    for (name, s) in &sc.servers {
        all.push((format!("{name}_"), s));
    }
    for (prefix, spec) in all {
        let running = server::start(spec, &pki).await?;
        for (suffix, port) in &running.ports {
            let key = if suffix.is_empty() {
                format!("{prefix}port")
            } else {
                format!("{prefix}{suffix}_port")
            };
            vars.insert(key.clone(), port.to_string());
            ports.push((key, *port));
        }
        stage.servers.push(running);
    }
    if let Some(d) = &sc.dns {
        let (port, task) = dns::start(d).await?;
        vars.insert("dns_port".into(), port.to_string());
        ports.push(("dns_port".into(), port));
        stage.tasks.push(task);
    }
    if let Some(p) = &sc.proxy {
        let (port, seen, task) = proxy::start(p).await?;
        vars.insert("proxy_port".into(), port.to_string());
        vars.insert("proxy_url".into(), format!("http://127.0.0.1:{port}"));
        ports.push(("proxy_port".into(), port));
        stage.tasks.push(task);
        stage.proxy_seen = Some(seen);
    }
    let path = |p: &Path| p.to_string_lossy().into_owned();
    vars.insert("tmp".into(), path(tmp.path()));
    vars.insert("ca_file".into(), path(&pki.ca_file));
    vars.insert("client_cert".into(), path(&pki.client_cert));
    vars.insert("client_key".into(), path(&pki.client_key));
    vars.insert(
        "stranger_client_cert".into(),
        path(&pki.stranger_client_cert),
    );
    vars.insert("stranger_client_key".into(), path(&pki.stranger_client_key));
    vars.insert("self_signed_file".into(), path(&pki.self_signed_file));
    vars.insert("self_signed_ca_file".into(), path(&pki.self_signed_ca_file));
    vars.insert("not_pem_file".into(), path(&pki.not_pem_file));

    let mut args: Vec<String> = vec!["doctor".into(), "otel".into()];
    if !sc.settings.flags.iter().any(|f| f == "--timeout") {
        // Failures wait for timeouts, so keep those short; a scenario that must pass waits for
        // nothing, so a generous bound only guards against a loaded machine.
        let t = if sc.expect.exit == 0 { "5s" } else { "2s" };
        args.extend(["--timeout".into(), t.into()]);
    }
    if let Some(text) = &sc.settings.config {
        let file = tmp.path().join("runner-config.toml");
        std::fs::write(&file, fill(text, &vars)?).map_err(|e| e.to_string())?;
        vars.insert("config_file".into(), path(&file));
        args.extend(["-c".into(), path(&file)]);
    }
    if let Some(text) = &sc.settings.collector_config {
        let file = tmp.path().join("collector.yaml");
        std::fs::write(&file, fill(text, &vars)?).map_err(|e| e.to_string())?;
        args.extend(["--collector-config".into(), path(&file)]);
    }
    for f in &sc.settings.flags {
        args.push(fill(f, &vars)?);
    }
    let mut env = BTreeMap::new();
    for (k, v) in &sc.settings.env {
        env.insert(k.clone(), fill(v, &vars)?);
    }

    let mut json_args = args.clone();
    json_args.insert(2, "--json".into());
    let out = doctor(bin, &json_args, &env, tmp.path()).await?;
    let mut diffs = compare(&sc.expect, &out, &stage);
    diffs.extend(
        debug_fragments(&out.stdout)
            .into_iter()
            .map(|f| format!("JSON report shows Rust Debug output: {f}")),
    );
    if !diffs.is_empty() && std::env::var_os("SCENARIO_VERBOSE").is_some() {
        diffs.push(format!("report:\n{}\nstderr:\n{}", out.stdout, out.stderr));
    }

    if diffs.is_empty() {
        diffs.extend(fixes_work(bin, &json_args, &env, tmp.path(), &out.stdout).await?);
    }

    let mut text = None;
    if sc.snapshot && diffs.is_empty() {
        let mut text_args = args.clone();
        text_args.splice(2..2, ["--output".to_string(), "text".to_string()]);
        let t = doctor(bin, &text_args, &env, tmp.path()).await?;
        for w in &sc.expect.never_contains {
            if t.stdout.contains(w.as_str()) {
                diffs.push(format!("text report contains {w:?}"));
            }
        }
        diffs.extend(
            debug_fragments(&t.stdout)
                .into_iter()
                .map(|f| format!("text report shows Rust Debug output: {f}")),
        );
        text = Some(normalize::report(&t.stdout, &ports, tmp.path()));
    }
    drop(stage);
    Ok((diffs, text))
}

/// Every fix works as written (see `fixes`): static checks, then each verified assignment
/// applied alone against the same servers, after which its finding must be gone.
async fn fixes_work(
    bin: &Path,
    args: &[String],
    env: &BTreeMap<String, String>,
    cwd: &Path,
    stdout: &str,
) -> Result<Vec<String>, String> {
    let Ok(report) = serde_json::from_str::<Value>(stdout) else {
        return Ok(Vec::new());
    };
    // Every report matches the published schema (docs/report-schema.json).
    let mut diffs: Vec<String> = super::schema::check(&super::schema::report_schema(), &report)
        .into_iter()
        .map(|p| format!("report does not match docs/report-schema.json: {p}"))
        .collect();
    diffs.extend(super::fixes::static_problems(&report));
    for (cause, signal, k, v) in super::fixes::verified_assignments(&report) {
        let mut env = env.clone();
        env.insert(k.clone(), v.clone());
        let again = doctor(bin, args, &env, cwd).await?;
        let after: Value = serde_json::from_str(&again.stdout).unwrap_or_default();
        if super::fixes::still_reported(&after, &cause, &signal) {
            diffs.push(format!(
                "the verified fix of {cause} ({k}={v}) applied as written still reports {cause}"
            ));
        }
    }
    Ok(diffs)
}

/// Fragments of Rust `Debug` output in a report (`Some(..)`, `None`, `Ok(..)`, `Err(..)`,
/// `..Kind(..)`, `Name { field: .. }`), each with its line: a user never reads those.
pub fn debug_fragments(report: &str) -> Vec<String> {
    let b = report.as_bytes();
    let starts_word = |i: usize| i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
    let mut at = Vec::new();
    for pat in ["Some(", "Ok(", "Err("] {
        at.extend(
            report
                .match_indices(pat)
                .map(|(i, _)| i)
                .filter(|&i| starts_word(i)),
        );
    }
    // `None` as a value: followed by a delimiter, not by more words ("None of the ...").
    at.extend(report.match_indices("None").map(|(i, _)| i).filter(|&i| {
        starts_word(i) && matches!(b.get(i + 4), None | Some(b',' | b')' | b'}' | b']' | b'"'))
    }));
    at.extend(report.match_indices("Kind(").map(|(i, _)| i));
    // A struct: a capitalised name, ` { `, a snake_case field and `: `.
    for (i, _) in report.match_indices(" { ") {
        let name_len = report[..i]
            .bytes()
            .rev()
            .take_while(u8::is_ascii_alphanumeric)
            .count();
        let after = &report[i + 3..];
        let field_len = after
            .bytes()
            .take_while(|c| c.is_ascii_lowercase() || *c == b'_')
            .count();
        if name_len > 0
            && b[i - name_len].is_ascii_uppercase()
            && field_len > 0
            && after[field_len..].starts_with(": ")
        {
            at.push(i - name_len);
        }
    }
    at.sort_unstable();
    at.dedup();
    at.into_iter()
        .map(|i| {
            let start = report[..i].rfind('\n').map_or(0, |n| n + 1);
            let end = report[i..].find('\n').map_or(report.len(), |n| i + n);
            report[start..end].chars().take(200).collect()
        })
        .collect()
}

#[test]
fn debug_fragments_are_found_and_prose_is_not() {
    for debug in [
        "failed (Some(Refused))",
        "\"read_error\": \"Err(x)\"",
        "value None, next",
        "kind ErrorKind(Other)",
        "path_analysis: Missing { corrected: \"/v1/traces\" }",
    ] {
        assert_eq!(debug_fragments(debug).len(), 1, "{debug}");
    }
    for prose in [
        "None of the signals is enabled.",
        "compression none; Sometimes (rarely) the server answers",
        "{ \"a\": 1 }",
        "Set `Okta(x)`? no: OK (200)",
    ] {
        assert!(debug_fragments(prose).is_empty(), "{prose}");
    }
}

/// Replaces `{name}` placeholders; an unknown `{word}` is an error naming it.
pub fn fill(text: &str, vars: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let end = after.find('}');
        let word = end.map(|e| &after[..e]);
        match word {
            Some(w)
                if !w.is_empty()
                    && w.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') =>
            {
                let v = vars.get(w).ok_or_else(|| {
                    format!(
                        "unknown placeholder {{{w}}} (known: {})",
                        vars.keys().cloned().collect::<Vec<_>>().join(", ")
                    )
                })?;
                out.push_str(v);
                rest = &after[w.len() + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

struct Output {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs the built binary with only the scenario's environment, from the scenario's temp folder.
async fn doctor(
    bin: &Path,
    args: &[String],
    env: &BTreeMap<String, String>,
    cwd: &Path,
) -> Result<Output, String> {
    let mut cmd = tokio::process::Command::new(bin);
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", cwd)
        .env("NO_COLOR", "1")
        .envs(env)
        .current_dir(cwd)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    let out = tokio::time::timeout(Duration::from_secs(60), cmd.output())
        .await
        .map_err(|_| format!("the doctor did not finish within 60 s: {args:?}"))?
        .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    Ok(Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

fn short(s: &str) -> String {
    let s = s.trim();
    if s.len() > 400 {
        let mut end = 400;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}...", &s[..end])
    } else {
        s.to_string()
    }
}

fn str_at<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// One line per finding: `cause/severity/stage`.
fn summarize(findings: &[Value]) -> String {
    if findings.is_empty() {
        return "none".into();
    }
    findings
        .iter()
        .map(|f| {
            format!(
                "{}/{}/{}",
                str_at(f, "cause"),
                str_at(f, "severity"),
                str_at(f, "stage")
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn compare(exp: &Expect, out: &Output, stage: &Stage) -> Vec<String> {
    let mut d = Vec::new();
    if out.code != exp.exit {
        d.push(format!(
            "exit code: expected {}, got {} (stderr: {})",
            exp.exit,
            out.code,
            short(&out.stderr)
        ));
    }
    for w in &exp.stderr_contains {
        if !out.stderr.to_lowercase().contains(&w.to_lowercase()) {
            d.push(format!(
                "stderr lacks {w:?} (stderr: {})",
                short(&out.stderr)
            ));
        }
    }
    for w in &exp.never_contains {
        if out.stdout.contains(w.as_str()) || out.stderr.contains(w.as_str()) {
            d.push(format!("output contains {w:?}, which must never appear"));
        }
    }
    let needs_report = exp.verdict.is_some()
        || !exp.findings.is_empty()
        || !exp.absent.is_empty()
        || !exp.checks.is_empty()
        || exp.canary_exported.is_some()
        || exp.canary_skipped_because.is_some()
        || exp.canary_arrived.is_some();
    if !needs_report {
        return d;
    }
    let report: Value = match serde_json::from_str(&out.stdout) {
        Ok(v) => v,
        Err(e) => {
            d.push(format!(
                "stdout is not a JSON report ({e}): {}",
                short(&out.stdout)
            ));
            return d;
        }
    };
    if let Some(v) = &exp.verdict {
        let got = str_at(&report, "verdict");
        if got != v {
            d.push(format!("verdict: expected {v}, got {got}"));
        }
    }
    let findings: Vec<Value> = report
        .get("findings")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for ef in &exp.findings {
        let candidates: Vec<&Value> = findings
            .iter()
            .filter(|f| str_at(f, "cause") == ef.cause)
            .collect();
        if candidates.is_empty() {
            d.push(format!(
                "missing finding {} (reported: {})",
                ef.cause,
                summarize(&findings)
            ));
            continue;
        }
        let best = candidates
            .iter()
            .map(|f| finding_diffs(ef, f))
            .min_by_key(Vec::len)
            .unwrap_or_default();
        d.extend(best);
    }
    for cause in &exp.absent {
        if findings.iter().any(|f| str_at(f, "cause") == cause) {
            d.push(format!("finding {cause} must not be reported"));
        }
    }
    if !exp.checks.is_empty() {
        let signal = exp.signal.as_deref().unwrap_or("traces");
        let target = report
            .get("targets")
            .and_then(Value::as_array)
            .and_then(|ts| ts.iter().find(|t| str_at(t, "signal") == signal));
        match target {
            None => d.push(format!("no target for signal {signal}")),
            Some(t) => {
                let checks = t.get("checks").and_then(Value::as_array);
                for (st, status) in &exp.checks {
                    let got = checks
                        .and_then(|cs| cs.iter().find(|c| str_at(c, "stage") == st))
                        .map(|c| {
                            format!("{} ({})", str_at(c, "status"), short(str_at(c, "summary")))
                        });
                    match got {
                        Some(g) if g.split(' ').next() == Some(status.as_str()) => {}
                        Some(g) => d.push(format!("check {st}: expected {status}, got {g}")),
                        None => d.push(format!("check {st}: missing")),
                    }
                }
            }
        }
    }
    if let Some(words) = &exp.canary_skipped_because {
        let check = report
            .get("targets")
            .and_then(Value::as_array)
            .and_then(|ts| ts.iter().find(|t| str_at(t, "signal") == "traces"))
            .and_then(|t| t.get("checks").and_then(Value::as_array))
            .and_then(|cs| cs.iter().find(|c| str_at(c, "stage") == "canary"));
        match check {
            Some(c)
                if str_at(c, "status") == "skip"
                    && str_at(c, "summary").contains(words.as_str()) => {}
            Some(c) => d.push(format!(
                "canary: expected skip because {words:?}, got {} ({})",
                str_at(c, "status"),
                short(str_at(c, "summary"))
            )),
            None => d.push("canary: check missing".to_string()),
        }
    }
    let canary = report.get("canary").filter(|c| !c.is_null());
    if let Some(want) = exp.canary_exported {
        let got = canary
            .and_then(|c| c.get("exported"))
            .and_then(Value::as_bool);
        if got != Some(want) {
            let err = canary.map(|c| str_at(c, "error").to_string());
            d.push(format!(
                "canary.exported: expected {want}, got {got:?} (error: {err:?})"
            ));
        }
    }
    let received: Vec<Received> = stage
        .received()
        .iter()
        .map(|r| r.lock().unwrap().clone())
        .collect();
    if let Some(want) = exp.canary_arrived {
        let id = canary.map(|c| str_at(c, "trace_id").to_string());
        let arrived = id
            .as_ref()
            .is_some_and(|id| !id.is_empty() && received.iter().any(|r| r.trace_ids.contains(id)));
        if arrived != want {
            d.push(format!(
                "canary arrived at the receiver: expected {want}, got {arrived} (trace id {id:?}, receiver saw {:?})",
                received.iter().flat_map(|r| r.trace_ids.clone()).collect::<Vec<_>>()
            ));
        }
    }
    if let Some(name) = &exp.service_name {
        if !received.iter().any(|r| r.service_names.contains(name)) {
            d.push(format!(
                "receiver saw no service.name {name:?} (saw {:?})",
                received
                    .iter()
                    .flat_map(|r| r.service_names.clone())
                    .collect::<Vec<_>>()
            ));
        }
    }
    if let Some(want) = exp.proxy_used {
        let used = stage
            .proxy_seen
            .as_ref()
            .is_some_and(|s| !s.lock().unwrap().is_empty());
        if used != want {
            d.push(format!("proxy used: expected {want}, got {used}"));
        }
    }
    d
}

fn finding_diffs(ef: &super::scenario::ExpectFinding, f: &Value) -> Vec<String> {
    let mut d = Vec::new();
    let c = &ef.cause;
    if str_at(f, "severity") != ef.severity {
        d.push(format!(
            "{c}: severity expected {}, got {}",
            ef.severity,
            str_at(f, "severity")
        ));
    }
    // `stage = "tcp|protocol"`: where the evidence is seen can depend on timing (a reset that
    // races the connect), so a scenario may name the stages it accepts.
    if !ef.stage.split('|').any(|st| st == str_at(f, "stage")) {
        d.push(format!(
            "{c}: stage expected {}, got {}",
            ef.stage,
            str_at(f, "stage")
        ));
    }
    if let Some(want) = ef.fix_verified {
        let got = f.get("fix_verified").and_then(Value::as_bool);
        if got != Some(want) {
            d.push(format!("{c}: fix_verified expected {want}, got {got:?}"));
        }
    }
    if let Some(sig) = &ef.signal {
        if str_at(f, "signal") != sig {
            d.push(format!(
                "{c}: signal expected {sig}, got {}",
                str_at(f, "signal")
            ));
        }
    }
    let fix = str_at(f, "fix").to_lowercase();
    for w in &ef.fix_contains {
        if !fix.contains(&w.to_lowercase()) {
            d.push(format!(
                "{c}: fix lacks {w:?} (fix: {})",
                short(str_at(f, "fix"))
            ));
        }
    }
    d
}
