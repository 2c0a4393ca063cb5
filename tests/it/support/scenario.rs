//! The scenario file format (TOML, one file per scenario under `scenarios/<stage>/`).

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
    pub fix_verified: Option<bool>,
    /// Words (case-insensitive) the fix must contain.
    #[serde(default)]
    pub fix_contains: Vec<String>,
    /// The finding's signal, when it matters.
    pub signal: Option<String>,
}

/// A scenario file: its name (`tls/unknown_ca`), path, and parsed content or parse error.
#[derive(Debug)]
pub struct ScenarioFile {
    pub name: String,
    pub path: PathBuf,
    pub parsed: Result<Scenario, String>,
}

impl ScenarioFile {
    /// Name used for snapshots: `tls__unknown_ca`.
    pub fn snapshot_name(&self) -> String {
        self.name.replace('/', "__")
    }
}

/// Every `*.toml` under `dir` (recursively), sorted by name.
pub fn load_all(dir: &Path) -> Vec<ScenarioFile> {
    let mut files = Vec::new();
    collect(dir, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let name = path
                .strip_prefix(dir)
                .unwrap()
                .with_extension("")
                .to_string_lossy()
                .replace('\\', "/");
            let parsed = std::fs::read_to_string(&path)
                .map_err(|e| e.to_string())
                .and_then(|t| toml::from_str::<Scenario>(&t).map_err(|e| e.to_string()));
            ScenarioFile { name, path, parsed }
        })
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "toml") {
            out.push(p);
        }
    }
}
