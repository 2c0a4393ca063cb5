//! The scenario files, both formats read one way: `scenarios/<stage>/*.toml` (a `doctor otel`
//! scenario: servers, settings, `[expect]`) and `scenarios/collector/*.yaml` (a collector
//! configuration whose `# title:`, `# flags:`, `# env:` and `# expect:` header lines declare a
//! `doctor collector` run). Both give a [`Scenario`] with the same [`Expect`]; the harnesses of
//! both commands and the cause catalogue read expectations only through here.

use super::dns::DnsSpec;
use super::proxy::ProxySpec;
use super::server::ServerSpec;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub title: String,
    /// The real-world situation this stands for, in plain words.
    pub situation: String,
    /// `real:nginx`, ...: described here, run by the real-component suite.
    pub needs: Option<String>,
    /// Why this scenario cannot pass yet; the harness runs it but does not fail on it.
    pub pending: Option<String>,
    /// Also snapshot the text report (`--output text`, NO_COLOR=1).
    #[serde(default)]
    pub snapshot: bool,
    /// The main server: `{port}` (or `{grpc_port}`/`{http_port}` for `kind = "otlp"`).
    pub server: Option<ServerSpec>,
    /// More servers: `{NAME_port}` (or `{NAME_grpc_port}`/`{NAME_http_port}`).
    #[serde(default)]
    pub servers: BTreeMap<String, ServerSpec>,
    /// A name server: `{dns_port}`.
    pub dns: Option<DnsSpec>,
    /// An HTTP proxy: `{proxy_url}`, `{proxy_port}`.
    pub proxy: Option<ProxySpec>,
    #[serde(default)]
    pub settings: Settings,
    pub expect: Expect,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Environment of the doctor (the harness starts from an empty environment).
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Text of a config file, passed with `-c`.
    pub config: Option<String>,
    /// Text of a collector configuration (YAML), passed with `--collector-config`.
    pub collector_config: Option<String>,
    /// Extra flags after `runner doctor otel --json`. Unless given, `--timeout 2s` is added
    /// (`5s` when `expect.exit` is 0: nothing should wait then, and a loaded machine is slow).
    #[serde(default)]
    pub flags: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub exit: i32,
    /// `healthy`, `degraded` or `broken`.
    pub verdict: Option<String>,
    #[serde(default)]
    pub findings: Vec<ExpectFinding>,
    /// Causes that must not be reported.
    #[serde(default)]
    pub absent: Vec<String>,
    /// Stage -> status (`pass`, `warn`, `fail`, `skip`) of the target of `signal`.
    #[serde(default)]
    pub checks: BTreeMap<String, String>,
    /// Which target `checks` looks at (default `traces`).
    pub signal: Option<String>,
    /// `canary.exported` of the report.
    pub canary_exported: Option<bool>,
    /// The receiver recorded a span with the report's canary trace id.
    pub canary_arrived: Option<bool>,
    /// The traces canary check is `skip` and its summary contains these words.
    pub canary_skipped_because: Option<String>,
    /// The receiver recorded a resource with this `service.name`.
    pub service_name: Option<String>,
    /// The proxy was (or was not) asked to carry traffic.
    pub proxy_used: Option<bool>,
    /// Words standard error must contain (exit 2 cases).
    #[serde(default)]
    pub stderr_contains: Vec<String>,
    /// Words the text or JSON report must never contain (secrets).
    #[serde(default)]
    pub never_contains: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectFinding {
    pub cause: String,
    pub severity: String,
    pub stage: String,
    /// `LINE:COLUMN` of the configuration the finding points at (collector scenarios).
    #[serde(skip)]
    pub at: Option<String>,
    pub fix_verified: Option<bool>,
    /// Words (case-insensitive) the fix must contain.
    #[serde(default)]
    pub fix_contains: Vec<String>,
    /// The finding's signal, when it matters.
    pub signal: Option<String>,
}

/// Which command a scenario file declares a run of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `*.toml`: `runner doctor otel` against the servers it declares.
    Otel,
    /// `*.yaml` under `scenarios/collector/`: `runner doctor collector FILE`.
    Collector,
}

/// A scenario file: its name (`tls/unknown_ca`), path, format, and parsed content or parse error.
#[derive(Debug)]
pub struct ScenarioFile {
    pub name: String,
    pub path: PathBuf,
    pub format: Format,
    pub parsed: Result<Scenario, String>,
}

impl ScenarioFile {
    /// Name used for snapshots: `tls__unknown_ca`.
    pub fn snapshot_name(&self) -> String {
        self.name.replace('/', "__")
    }
}

/// Every scenario under `dir` (recursively), both formats, sorted by name.
pub fn load_all(dir: &Path) -> Vec<ScenarioFile> {
    let mut files = Vec::new();
    collect(dir, &mut files);
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
        .into_iter()
        .map(|(path, format)| {
            let name = path
                .strip_prefix(dir)
                .unwrap()
                .with_extension("")
                .to_string_lossy()
                .replace('\\', "/");
            let parsed = read(&path, format);
            ScenarioFile {
                name,
                path,
                format,
                parsed,
            }
        })
        .collect()
}

/// One scenario file of `format`, parsed, or why it cannot be.
pub fn read(path: &Path, format: Format) -> Result<Scenario, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    match format {
        Format::Otel => toml::from_str::<Scenario>(&text).map_err(|e| e.to_string()),
        Format::Collector => collector_scenario(&text),
    }
}

/// The scenarios of one format.
pub fn load(dir: &Path, format: Format) -> Vec<ScenarioFile> {
    load_all(dir)
        .into_iter()
        .filter(|f| f.format == format)
        .collect()
}

/// A collector scenario's header: `# title: TEXT`, `# flags: FLAG ...`, `# env: K=V ...`, and
/// `# expect: CAUSE SEVERITY [LINE:COL]` (`# expect: CAUSE none`: must not be reported). The
/// expected exit is 1 when an `error` is expected, else 0 (`docs/exit-codes.md`).
fn collector_scenario(text: &str) -> Result<Scenario, String> {
    let mut title = None;
    let mut settings = Settings::default();
    let mut findings = Vec::new();
    let mut absent = Vec::new();
    for l in text.lines().take_while(|l| l.starts_with('#')) {
        if let Some(t) = l.strip_prefix("# title:") {
            title = Some(t.trim().to_owned());
        } else if let Some(f) = l.strip_prefix("# flags:") {
            settings.flags = f.split_whitespace().map(str::to_owned).collect();
        } else if let Some(e) = l.strip_prefix("# env:") {
            for kv in e.split_whitespace() {
                let (k, v) = kv
                    .split_once('=')
                    .ok_or_else(|| format!("`# env:` wants K=V, got {kv:?}"))?;
                settings.env.insert(k.to_owned(), v.to_owned());
            }
        } else if let Some(e) = l.strip_prefix("# expect:") {
            match e.split_whitespace().collect::<Vec<_>>()[..] {
                [cause, "none"] => absent.push(cause.to_owned()),
                [cause, severity, ref at @ ..] if at.len() <= 1 => findings.push(ExpectFinding {
                    cause: cause.to_owned(),
                    severity: severity.to_owned(),
                    stage: "collector".to_owned(),
                    at: at.first().map(|a| (*a).to_owned()),
                    fix_verified: None,
                    fix_contains: Vec::new(),
                    signal: None,
                }),
                _ => return Err(format!("`# expect:{e}`: want CAUSE SEVERITY [LINE:COL]")),
            }
        }
    }
    let title = title.ok_or("no `# title:` line")?;
    let errors = findings.iter().any(|f| f.severity == "error");
    Ok(Scenario {
        situation: title.clone(),
        title,
        needs: None,
        pending: None,
        snapshot: false,
        server: None,
        servers: BTreeMap::new(),
        dns: None,
        proxy: None,
        settings,
        expect: Expect {
            exit: i32::from(errors),
            verdict: None,
            findings,
            absent,
            checks: BTreeMap::new(),
            signal: None,
            canary_exported: None,
            canary_arrived: None,
            canary_skipped_because: None,
            service_name: None,
            proxy_used: None,
            stderr_contains: Vec::new(),
            never_contains: Vec::new(),
        },
    })
}

fn collect(dir: &Path, out: &mut Vec<(PathBuf, Format)>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "toml") {
            out.push((p, Format::Otel));
        } else if p.extension().is_some_and(|x| x == "yaml")
            && p.parent().is_some_and(|d| d.ends_with("collector"))
        {
            out.push((p, Format::Collector));
        }
    }
}

/// Cause codes `scenarios/README.md` (under `dir`) lists as not producible on one machine.
pub fn unproducible(dir: &Path) -> Vec<String> {
    let readme = std::fs::read_to_string(dir.join("README.md")).expect("scenarios/README.md");
    let section = readme
        .split("## Not producible on one machine")
        .nth(1)
        .expect("scenarios/README.md has a 'Not producible on one machine' section");
    let section = section.split("\n## ").next().unwrap_or("");
    section
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_string)
        .collect()
}
