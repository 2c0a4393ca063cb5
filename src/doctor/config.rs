//! The config stage: static checks of the resolved settings, before any network step.

use super::StageResult;
use crate::cause::config_text::{self as text, ExporterOff, InsecureConflict};
use crate::cause::{Finding, Severity, Stage};
use crate::config::endpoint::is_signal_specific;
use crate::config::global::sampler_name;
use crate::config::{Environment, ExporterKind, Loaded, Protocol, Sampler, SignalSettings, Source};
use crate::report::{Check, Status};
use crate::tlsconf;
use serde_json::json;

/// Checks the settings and returns the `config` check (shared by every target) and findings.
pub fn run(loaded: &Loaded, env: &Environment) -> StageResult {
    let started = std::time::Instant::now();
    let mut findings: Vec<Finding> = loaded.problems.iter().map(text::problem).collect();
    let st = &loaded.settings;
    for s in &st.signals {
        check_endpoint(s, &mut findings);
        check_tls(s, &mut findings);
    }
    check_global(loaded, env, &mut findings);
    let findings = dedup(findings);

    let (status, summary) = summarize(&findings, &signal_list(loaded));
    let check = Check::new(Stage::Config, status, summary)
        .evidence(json!({
            "config_file": loaded.path.as_ref().map(|p| p.display().to_string()),
            "signals": st.signals.iter().map(|s| s.signal).collect::<Vec<_>>(),
        }))
        .took(started.elapsed());
    let mut r = StageResult::new(check);
    r.findings = findings;
    r
}

/// The config check's status and summary for these config findings; `signals` names what the
/// settings were resolved for (shown when there is nothing to report).
pub fn summarize(findings: &[Finding], signals: &str) -> (Status, String) {
    let errors = count(findings, Severity::Error);
    let warnings = count(findings, Severity::Warning);
    match (errors, warnings) {
        (0, 0) => (Status::Pass, format!("settings resolved for {signals}")),
        (0, w) => (
            Status::Warn,
            format!("{w} warning{} in the settings", plural(w)),
        ),
        (e, w) => (
            Status::Fail,
            format!(
                "{e} error{}, {w} warning{} in the settings",
                plural(e),
                plural(w)
            ),
        ),
    }
}

fn count(findings: &[Finding], severity: Severity) -> usize {
    findings.iter().filter(|f| f.severity == severity).count()
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn signal_list(loaded: &Loaded) -> String {
    let names: Vec<&str> = loaded
        .settings
        .signals
        .iter()
        .map(|s| s.signal.as_str())
        .collect();
    names.join(", ")
}

/// One finding per problem: a generic setting shared by several signals yields identical
/// findings per signal; keep one, marked as not signal-specific.
fn dedup(findings: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    for f in findings {
        match out
            .iter_mut()
            .find(|o| o.cause == f.cause && o.summary == f.summary && o.fix == f.fix)
        {
            Some(o) => {
                if o.signal != f.signal {
                    o.signal = None;
                }
            }
            None => out.push(f),
        }
    }
    out
}

fn check_endpoint(s: &SignalSettings, out: &mut Vec<Finding>) {
    let Some(ep) = &s.endpoint else {
        return; // endpoint_invalid was reported while resolving
    };
    let src = &s.endpoint_raw.source;
    let protocol = s.protocol.value;
    if ep.scheme.is_empty() {
        out.push(text::endpoint_missing_scheme(
            s.signal,
            src,
            &ep.display,
            protocol,
            ep.tls,
        ));
    }
    let signal_paths = ["/v1/traces", "/v1/metrics", "/v1/logs"];
    let path = ep.path.trim_end_matches('/');
    if protocol == Protocol::Grpc {
        if !path.is_empty() {
            out.push(text::grpc_endpoint_has_path(
                s.signal,
                src,
                &ep.display,
                &ep.path,
            ));
        }
    } else if is_signal_specific(src) {
        // Used as written: warn only when the path cannot be right (none at all, or another
        // signal's route); a custom path (`/otlp/v1/traces`, a vendor's) is the export's to judge.
        let own = s.signal.http_path();
        let other_signal = signal_paths.iter().any(|p| *p != own && path.ends_with(p));
        if path.is_empty() || other_signal {
            out.push(text::signal_path_missing(
                s.signal,
                src,
                &ep.display,
                &ep.path,
            ));
        }
    } else if signal_paths.iter().any(|p| path.ends_with(p)) {
        let url = s.url.clone().unwrap_or_default();
        out.push(text::signal_path_duplicated(
            s.signal,
            src,
            &ep.display,
            &url,
        ));
    }
    let mismatch = match protocol {
        Protocol::Grpc => ep.port == 4318,
        _ => ep.port == 4317,
    };
    if mismatch {
        out.push(text::protocol_port_mismatch(
            s.signal,
            protocol,
            &s.protocol.source,
            ep.port,
            src,
        ));
    }
    if s.insecure.value {
        let kind = if !ep.scheme.is_empty() && ep.tls {
            Some(InsecureConflict::InsecureWithTlsScheme)
        } else if protocol.is_http() {
            Some(InsecureConflict::InsecureWithHttp)
        } else {
            None
        };
        if let Some(kind) = kind {
            out.push(text::insecure_conflict(
                s.signal,
                kind,
                &s.insecure.source,
                &ep.display,
            ));
        }
    }
    let certs = s.certificate.is_some() || s.client_certificate.is_some();
    if certs && !ep.tls {
        out.push(text::insecure_conflict(
            s.signal,
            InsecureConflict::CertificatesUnused,
            &s.insecure.source,
            &ep.display,
        ));
    }
}

fn check_tls(s: &SignalSettings, out: &mut Vec<Finding>) {
    if let Some(ca) = &s.certificate {
        if let Err(e) = tlsconf::read_certs(&ca.value) {
            out.push(text::tls_files_invalid(s.signal, &ca.source, &ca.value, &e));
        }
    }
    match (&s.client_certificate, &s.client_key) {
        (Some(cert), Some(key)) => {
            let chain = tlsconf::read_certs(&cert.value);
            let k = tlsconf::read_key(&key.value);
            if let Err(e) = &chain {
                out.push(text::tls_files_invalid(
                    s.signal,
                    &cert.source,
                    &cert.value,
                    e,
                ));
            }
            if let Err(e) = &k {
                out.push(text::tls_files_invalid(
                    s.signal,
                    &key.source,
                    &key.value,
                    e,
                ));
            }
            if let (Ok(chain), Ok(k)) = (chain, k) {
                let built = rustls::ClientConfig::builder_with_provider(tlsconf::provider())
                    .with_safe_default_protocol_versions()
                    .map(|b| {
                        b.with_root_certificates(rustls::RootCertStore::empty())
                            .with_client_auth_cert(chain, k)
                    });
                if let Ok(Err(e)) = built {
                    let err = tlsconf::TlsSetupError::KeyMismatch {
                        message: e.to_string(),
                    };
                    out.push(text::tls_files_invalid(
                        s.signal,
                        &key.source,
                        &key.value,
                        &err,
                    ));
                }
            }
        }
        (Some(half), None) | (None, Some(half)) => {
            out.push(text::tls_files_invalid(
                s.signal,
                &half.source,
                &half.value,
                &tlsconf::TlsSetupError::HalfIdentity,
            ));
        }
        (None, None) => {}
    }
}

fn check_global(loaded: &Loaded, env: &Environment, out: &mut Vec<Finding>) {
    let st = &loaded.settings;
    for (name, nearest) in env.unknown_otel_variables() {
        out.push(text::env_unknown_variable(name, nearest));
    }
    for sh in &st.shadowed {
        let env_loses = matches!(sh.source, Source::Env(ref v) if v.starts_with("OTEL_"));
        let higher = matches!(sh.winner, Source::Flag(_) | Source::Config(_));
        if env_loses && higher && sh.value != sh.winner_value {
            out.push(text::env_overridden(sh));
        }
    }
    if st.sdk_disabled.value {
        out.push(text::exporter_disabled(
            &ExporterOff::SdkDisabled,
            &st.sdk_disabled.source,
        ));
    }
    let traces = st
        .signals
        .iter()
        .any(|s| s.signal == crate::config::Signal::Traces);
    if traces {
        let off = match &st.traces_exporter.value {
            ExporterKind::Otlp => None,
            ExporterKind::None => Some(ExporterOff::None),
            ExporterKind::Console => Some(ExporterOff::Local("console")),
            ExporterKind::File(_) => Some(ExporterOff::Local("file")),
        };
        if let Some(off) = off {
            out.push(text::exporter_disabled(&off, &st.traces_exporter.source));
        }
        let drops = match st.sampler.value {
            Sampler::AlwaysOff | Sampler::ParentBasedAlwaysOff => true,
            Sampler::TraceIdRatio(r) | Sampler::ParentBasedTraceIdRatio(r) => r <= 0.0,
            _ => false,
        };
        if drops {
            let ratio = matches!(
                st.sampler.value,
                Sampler::TraceIdRatio(_) | Sampler::ParentBasedTraceIdRatio(_)
            );
            let arg_source = if ratio {
                st.shadowed
                    .iter()
                    .find(|s| s.setting == "sampler_arg")
                    .map(|s| s.winner.clone())
                    .unwrap_or_else(|| sampler_arg_source(loaded, env))
            } else {
                st.sampler.source.clone()
            };
            out.push(text::sampler_drops_all(
                &arg_source,
                &sampler_name(&st.sampler.value),
                &st.sampler.source,
            ));
        }
    }
    if let Some(name) = &st.service_name {
        let v = name.value.trim();
        if v.is_empty() || v.starts_with("unknown_service") {
            out.push(text::service_name_missing(&name.source, &name.value));
        }
    }
}

/// Where the sampler ratio came from when nothing shadowed it.
fn sampler_arg_source(loaded: &Loaded, env: &Environment) -> Source {
    let in_config = loaded
        .file
        .as_ref()
        .is_some_and(|f| f.otel.sampler_arg.is_some());
    if in_config {
        Source::Config("otel.sampler_arg".into())
    } else if env.get("OTEL_TRACES_SAMPLER_ARG").is_some() {
        Source::Env("OTEL_TRACES_SAMPLER_ARG".into())
    } else {
        Source::Default
    }
}
