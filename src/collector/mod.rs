//! `runner doctor collector`: diagnoses an OpenTelemetry Collector's configuration (and, when
//! given, the live collector) with file, line and column on every finding.

pub mod checks;
pub mod crosscheck;
pub mod env;
pub mod kb;
pub mod live;
pub mod load;
pub mod required;
pub mod schema;
pub mod typed;
pub mod yaml;

use crate::cause::{collector_text as text, Finding, Severity, Stage};
use crate::facts::collector::{
    ComponentKind, Fact, Invalid, Location, Observation, Pos, TargetVersion, VersionSource,
    YamlLimit,
};
use crate::report::collector::{status_of, CollectorReport, PipelineTarget, SCHEMA};
use crate::report::{Check, Status};
use checks::Detail;
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;

/// What to diagnose.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub files: Vec<PathBuf>,
    /// `--collector-version` as given.
    pub version: Option<String>,
    /// `--gateway` files: the collector that `files` (the agent) exports to.
    pub gateway: Vec<PathBuf>,
    /// The running collector, when `--metrics-url` or `--health-url` is given.
    pub live: Option<live::LiveOptions>,
}

/// Why the doctor could not run as asked (exit 2); the message names file and line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused(pub String);

/// Parses `0.135`, `0.135.0`, `v0.104.1`, `0.135.0-dev`, or `latest` into a minor version.
pub fn parse_version(s: &str) -> Option<u32> {
    if s == "latest" {
        return Some(kb::kb().newest);
    }
    let s = s.trim().trim_start_matches('v');
    let mut parts = s.split('.');
    if parts.next()? != "0" {
        return None;
    }
    let minor = parts.next()?;
    let digits: String = minor.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Reads the files and diagnoses them. `env` looks up the collector's environment variables.
pub fn diagnose(
    opts: &Options,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<CollectorReport, Refused> {
    let started = Instant::now();
    let flag = match &opts.version {
        Some(v) => Some(parse_version(v).ok_or_else(|| Refused(text::bad_version(v)))?),
        None => None,
    };
    let (mut names, mut sources) = read_sources(&opts.files)?;
    let split = (!opts.gateway.is_empty()).then_some(names.len());
    let (gw_names, gw_sources) = read_sources(&opts.gateway)?;
    names.extend(gw_names);
    sources.extend(gw_sources);
    let mut report = if opts.files.is_empty() {
        empty_report()
    } else {
        diagnose_chain(&names, &sources, split, flag, env, started)?
    };
    if let Some(l) = opts.live.as_ref().filter(|l| l.any()) {
        if let Some(m) = report.settings.as_object_mut() {
            let shown = |v: &Option<String>| v.as_deref().map(text::quote).unwrap_or_default();
            m.insert("metrics_url".into(), json!(shown(&l.metrics_url)));
            m.insert("health_url".into(), json!(shown(&l.health_url)));
            if let Some(p) = &l.log {
                m.insert("collector_log".into(), json!(p.display().to_string()));
            }
        }
        add_live(&mut report, live::observe(l)?);
    }
    report.duration_ms = started.elapsed().as_millis() as u64;
    Ok(report)
}

/// Reads the files (bounded in size); the names are as given.
pub fn read_sources(files: &[PathBuf]) -> Result<(Vec<String>, Vec<String>), Refused> {
    let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    let mut sources = Vec::with_capacity(files.len());
    for (p, name) in files.iter().zip(&names) {
        let meta = std::fs::metadata(p).map_err(|e| Refused(text::unreadable(name, e.kind())))?;
        if meta.len() > yaml::MAX_FILE_BYTES as u64 {
            let loc = Location {
                file: name.clone(),
                line: 1,
                column: 1,
            };
            let problem = YamlLimit::TooLarge {
                bytes: meta.len(),
                max: yaml::MAX_FILE_BYTES as u64,
            };
            return Err(Refused(text::refused(&loc, &problem)));
        }
        let s =
            std::fs::read_to_string(p).map_err(|e| Refused(text::unreadable(name, e.kind())))?;
        sources.push(s);
    }
    Ok((names, sources))
}

fn empty_report() -> CollectorReport {
    CollectorReport {
        schema: SCHEMA,
        version: crate::VERSION,
        verdict: CollectorReport::verdict_of(&[]),
        duration_ms: 0,
        settings: json!({"files": []}),
        targets: Vec::new(),
        findings: Vec::new(),
        canary: None,
    }
}

/// Adds the live observations: one target with a line per observation, and their findings.
fn add_live(report: &mut CollectorReport, observed: Vec<crate::facts::collector_live::Live>) {
    let mut checks = Vec::new();
    for l in &observed {
        let (sev, line) = text::live::check_line(l);
        checks.push(Check::new(Stage::Collector, status_of(sev), line));
        if let Some(f) = text::finding(&Fact {
            at: None,
            what: Observation::Live(l.clone()),
        }) {
            report.findings.push(f);
        }
    }
    report
        .findings
        .sort_by_key(|f| std::cmp::Reverse(f.severity));
    report.verdict = CollectorReport::verdict_of(&report.findings);
    report.targets.push(PipelineTarget {
        signal: String::new(),
        pipeline: "live collector".to_owned(),
        url: "metrics and health".to_owned(),
        checks,
    });
}

pub(crate) fn locate(names: &[String], p: Pos) -> Location {
    Location {
        file: names.get(p.file as usize).cloned().unwrap_or_default(),
        line: p.line,
        column: p.col,
    }
}

/// The component a fact is about, to mark its line in the pipelines.
fn subject(o: &Observation) -> Option<(ComponentKind, &str)> {
    use Observation as O;
    match o {
        O::UnknownComponent { kind, id, .. }
        | O::Undefined { kind, id, .. }
        | O::Unused { kind, id }
        | O::Deprecated { kind, id, .. }
        | O::SignalUnsupported { kind, id, .. }
        | O::Tls { kind, id, .. } => Some((*kind, id)),
        O::UnknownKey {
            kind: Some(kind),
            id,
            ..
        }
        | O::ValueInvalid {
            kind: Some(kind),
            id,
            ..
        } => Some((*kind, id)),
        O::LocalhostOnly { id, .. } => Some((ComponentKind::Receiver, id)),
        O::ProcessorOrder { processor, .. } => Some((ComponentKind::Processor, processor)),
        _ => None,
    }
}

/// Diagnoses texts already read (`names[i]` is the file of `sources[i]`).
pub fn diagnose_texts(
    names: &[String],
    sources: &[String],
    flag: Option<u32>,
    env: &dyn Fn(&str) -> Option<String>,
    started: Instant,
) -> Result<CollectorReport, Refused> {
    diagnose_chain(names, sources, None, flag, env, started)
}

/// Loads the files; with `split`, `sources[..split]` are the agent's and the rest the gateway's,
/// loaded apart (each side's plain files merge only with each other). Returns where the
/// gateway's configurations start among the units.
fn load_sides(
    names: &[String],
    sources: &[String],
    split: Option<usize>,
) -> Result<(load::Loaded, Option<usize>), Refused> {
    let Some(k) = split else {
        return Ok((load::load(sources), None));
    };
    // Blank texts keep every file's index, so positions still point into `names`.
    let part = |agent: bool| -> Vec<String> {
        let keep = |i: usize| (i < k) == agent;
        let texts = sources.iter().enumerate();
        texts
            .map(|(i, t)| if keep(i) { t.clone() } else { String::new() })
            .collect()
    };
    let (mut a, mut g) = (load::load(&part(true)), load::load(&part(false)));
    for (side, files) in [(&mut a, &names[..k]), (&mut g, &names[k..])] {
        for u in side.units.iter_mut().filter(|u| u.name.is_empty()) {
            u.name = files.join(" + ");
        }
    }
    let from = a.units.len();
    if g.units.is_empty() && g.problems.is_empty() {
        return Err(Refused(text::cross::no_gateway(&names[k..].join(", "))));
    }
    a.units.append(&mut g.units);
    a.services.append(&mut g.services);
    a.problems.append(&mut g.problems);
    Ok((a, Some(from)))
}

/// `diagnose_texts`, with the gateway's files after `split` when given.
fn diagnose_chain(
    names: &[String],
    sources: &[String],
    split: Option<usize>,
    flag: Option<u32>,
    env: &dyn Fn(&str) -> Option<String>,
    started: Instant,
) -> Result<CollectorReport, Refused> {
    let (mut loaded, gateway_from) = load_sides(names, sources, split)?;
    let mut facts: Vec<Fact> = Vec::new();
    for (pos, o) in loaded.problems.drain(..) {
        if let Observation::Invalid(Invalid::Yaml(y) | Invalid::Embedded(y)) = &o {
            if !matches!(y, YamlLimit::Syntax(_)) {
                return Err(Refused(text::refused(&locate(names, pos), y)));
            }
        }
        facts.push(Fact {
            at: Some(locate(names, pos)),
            what: o,
        });
    }
    if loaded.units.is_empty() && facts.is_empty() {
        return Err(Refused(format!(
            "{}: {}",
            names.join(", "),
            "no collector configuration found (valid: a YAML file with receivers/exporters/service, a ConfigMap holding one, or an OpenTelemetryCollector resource)"
        )));
    }
    let mut targets = Vec::new();
    let mut versions = Vec::new();
    let mut seen_vars = Vec::new();
    let several = loaded.units.len() > 1;
    for unit in &mut loaded.units {
        if unit.name.is_empty() {
            let plain: Vec<&str> = names.iter().map(String::as_str).collect();
            unit.name = plain.join(" + ");
        }
        let version = match (flag, &unit.image) {
            (Some(m), _) => TargetVersion {
                minor: m,
                source: VersionSource::Flag,
            },
            (None, Some((img, _))) if load::version_of_image(img).is_some() => TargetVersion {
                minor: load::version_of_image(img).unwrap_or(0),
                source: VersionSource::ImageTag(img.clone()),
            },
            _ => TargetVersion {
                minor: kb::kb().newest,
                source: VersionSource::Newest,
            },
        };
        let (missing, expanded) = env::resolve_marked(&mut unit.root, env);
        for (pos, var) in missing {
            if !seen_vars.contains(&var) {
                seen_vars.push(var.clone());
                facts.push(Fact {
                    at: Some(locate(names, pos)),
                    what: Observation::EnvUnresolved { var },
                });
            }
        }
        let outcome = checks::check(unit, &loaded.services, &version, &expanded);
        let first = facts.len();
        for (pos, o) in outcome.findings {
            facts.push(Fact {
                at: Some(locate(names, pos)),
                what: o,
            });
        }
        let mine = &facts[first..];
        let worst = |kind: ComponentKind, id: &str| {
            mine.iter()
                .filter(|f| subject(&f.what) == Some((kind, id)))
                .filter_map(|f| text::finding(f).map(|x| x.severity))
                .max()
        };
        for p in &outcome.pipelines {
            let checks = p
                .components
                .iter()
                .map(|(kind, id, pos)| {
                    let detail = outcome
                        .components
                        .iter()
                        .find(|c| c.0 == *kind && c.1 == *id)
                        .map(|c| &c.3);
                    let (listens, sends) = match detail {
                        Some(Detail::Listens(l)) => (l.clone(), None),
                        Some(Detail::Sends(s)) => (Vec::new(), Some(s.as_str())),
                        _ => (Vec::new(), None),
                    };
                    let undefined = mine.iter().any(|f| {
                        matches!(&f.what, Observation::Undefined { id: i, pipeline, .. } if i == id && *pipeline == p.name)
                    });
                    let status = if undefined {
                        Status::Fail
                    } else {
                        status_of(worst(*kind, id))
                    };
                    Check::new(
                        Stage::Collector,
                        status,
                        text::component_line(*kind, id, &listens, sends),
                    )
                    .evidence(json!({"kind": kind, "id": id, "location": locate(names, *pos)}))
                })
                .collect();
            targets.push(PipelineTarget {
                signal: p.data.map(|d| d.as_str().to_owned()).unwrap_or_default(),
                pipeline: if several {
                    format!("{} [{}]", p.name, unit.name)
                } else {
                    p.name.clone()
                },
                url: unit.name.clone(),
                checks,
            });
        }
        versions.push(text::version_line(&version));
    }
    let mut findings: Vec<(Option<Location>, Finding)> = facts
        .iter()
        .filter_map(|f| Some((f.at.clone(), text::finding(f)?)))
        .collect();
    let aims = crosscheck::across::across(&loaded.units, &loaded.services, gateway_from, names);
    for a in &aims {
        let f = text::cross::aimed(a);
        // The exporter's line in each pipeline of its configuration shows the finding too.
        let mine = targets.iter_mut().filter(|t| t.url == a.sender.config);
        for c in mine.flat_map(|t| t.checks.iter_mut()) {
            if c.evidence["kind"] == "exporter" && c.evidence["id"] == a.sender.id.as_str() {
                let worse = status_of(Some(f.severity));
                if c.status == Status::Pass || worse == Status::Fail {
                    c.status = worse;
                }
            }
        }
        findings.push((Some(a.at().clone()), f));
    }
    findings.sort_by(|a, b| b.1.severity.cmp(&a.1.severity).then(a.0.cmp(&b.0)));
    let findings: Vec<Finding> = findings.into_iter().map(|(_, f)| f).collect();
    versions.dedup();
    let settings = json!({
        "files": names,
        "collector_version": versions.join("; "),
        "configurations": loaded.units.iter().map(|u| u.name.clone()).collect::<Vec<_>>(),
    });
    Ok(CollectorReport {
        schema: SCHEMA,
        version: crate::VERSION,
        verdict: CollectorReport::verdict_of(&findings),
        duration_ms: started.elapsed().as_millis() as u64,
        settings,
        targets,
        findings,
        canary: None,
    })
}

/// Severity of the worst finding, for callers that only need the verdict.
pub fn worst(r: &CollectorReport) -> Option<Severity> {
    r.findings.iter().map(|f| f.severity).max()
}
