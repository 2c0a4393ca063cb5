//! The config stage: static checks of the resolved settings, before any network step.

use super::Seen;
use crate::config::endpoint::is_signal_specific;
use crate::config::global::sampler_name;
use crate::config::{
    Environment, ExporterKind, Loaded, Protocol, Sampler, SignalSettings, Source, Sourced,
};
use crate::facts::diagnosis::config::{Diagnosis, ExporterOff, InsecureConflict};
use crate::tlsconf;
use serde_json::json;
use std::path::PathBuf;

/// Checks the settings: one diagnosis per problem, shared by every target.
pub fn run(loaded: &Loaded, env: &Environment) -> Seen<Vec<Diagnosis>> {
    let started = std::time::Instant::now();
    let mut found: Vec<Diagnosis> = loaded
        .problems
        .iter()
        .cloned()
        .map(Diagnosis::Problem)
        .collect();
    let st = &loaded.settings;
    for s in &st.signals {
        check_endpoint(s, &mut found);
        check_tls(s, &mut found);
    }
    check_global(loaded, env, &mut found);
    let evidence = json!({
        "config_file": loaded.path.as_ref().map(|p| p.display().to_string()),
        "signals": st.signals.iter().map(|s| s.signal).collect::<Vec<_>>(),
    });
    Seen::new(found, evidence, started)
}

fn check_endpoint(s: &SignalSettings, out: &mut Vec<Diagnosis>) {
    let Some(ep) = &s.endpoint else {
        return; // endpoint_invalid was reported while resolving
    };
    let signal = s.signal;
    let source = s.endpoint_raw.source.clone();
    let display = ep.display.clone();
    let protocol = s.protocol.value;
    if ep.scheme.is_empty() {
        out.push(Diagnosis::EndpointMissingScheme {
            signal,
            source: source.clone(),
            display: display.clone(),
            protocol,
            tls: ep.tls,
        });
    }
    let signal_paths = ["/v1/traces", "/v1/metrics", "/v1/logs"];
    let path = ep.path.trim_end_matches('/');
    if protocol == Protocol::Grpc {
        if !path.is_empty() {
            out.push(Diagnosis::GrpcEndpointHasPath {
                signal,
                source: source.clone(),
                display: display.clone(),
                path: ep.path.clone(),
            });
        }
    } else if is_signal_specific(&source) {
        // Used as written: warn only when the path cannot be right (none at all, or another
        // signal's route); a custom path (`/otlp/v1/traces`, a vendor's) is the export's to judge.
        let own = signal.http_path();
        let other_signal = signal_paths.iter().any(|p| *p != own && path.ends_with(p));
        if path.is_empty() || other_signal {
            out.push(Diagnosis::SignalPathMissing {
                signal,
                source: source.clone(),
                display: display.clone(),
                path: ep.path.clone(),
            });
        }
    } else if signal_paths.iter().any(|p| path.ends_with(p)) {
        out.push(Diagnosis::SignalPathDuplicated {
            signal,
            source: source.clone(),
            display: display.clone(),
            url: s.url.clone().unwrap_or_default(),
        });
    }
    let mismatch = match protocol {
        Protocol::Grpc => ep.port == 4318,
        _ => ep.port == 4317,
    };
    if mismatch {
        out.push(Diagnosis::ProtocolPortMismatch {
            signal,
            protocol,
            protocol_source: s.protocol.source.clone(),
            port: ep.port,
            endpoint_source: source.clone(),
        });
    }
    let conflict = |kind| Diagnosis::InsecureConflict {
        signal,
        kind,
        insecure_source: s.insecure.source.clone(),
        display: display.clone(),
    };
    if s.insecure.value {
        if !ep.scheme.is_empty() && ep.tls {
            out.push(conflict(InsecureConflict::InsecureWithTlsScheme));
        } else if protocol.is_http() {
            out.push(conflict(InsecureConflict::InsecureWithHttp));
        }
    }
    let certs = s.certificate.is_some() || s.client_certificate.is_some();
    if certs && !ep.tls {
        out.push(conflict(InsecureConflict::CertificatesUnused));
    }
}

fn check_tls(s: &SignalSettings, out: &mut Vec<Diagnosis>) {
    let invalid = |file: &Sourced<PathBuf>, error| Diagnosis::TlsFilesInvalid {
        signal: s.signal,
        source: file.source.clone(),
        path: file.value.clone(),
        error,
    };
    if let Some(ca) = &s.certificate {
        if let Err(e) = tlsconf::read_certs(&ca.value) {
            out.push(invalid(ca, e));
        }
    }
    match (&s.client_certificate, &s.client_key) {
        (Some(cert), Some(key)) => {
            match (
                tlsconf::read_certs(&cert.value),
                tlsconf::read_key(&key.value),
            ) {
                (Ok(chain), Ok(k)) => {
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
                        out.push(invalid(key, err));
                    }
                }
                (chain, k) => {
                    if let Err(e) = chain {
                        out.push(invalid(cert, e));
                    }
                    if let Err(e) = k {
                        out.push(invalid(key, e));
                    }
                }
            }
        }
        (Some(half), None) | (None, Some(half)) => {
            out.push(invalid(half, tlsconf::TlsSetupError::HalfIdentity));
        }
        (None, None) => {}
    }
}

fn check_global(loaded: &Loaded, env: &Environment, out: &mut Vec<Diagnosis>) {
    let st = &loaded.settings;
    for (name, nearest) in env.unknown_otel_variables() {
        out.push(Diagnosis::EnvUnknownVariable {
            name: name.to_owned(),
            nearest: nearest.map(str::to_owned),
        });
    }
    for sh in &st.shadowed {
        let env_loses = matches!(sh.source, Source::Env(ref v) if v.starts_with("OTEL_"));
        let higher = matches!(sh.winner, Source::Flag(_) | Source::Config(_));
        if env_loses && higher && sh.value != sh.winner_value {
            out.push(Diagnosis::EnvOverridden(sh.clone()));
        }
    }
    if st.sdk_disabled.value {
        out.push(Diagnosis::ExporterDisabled {
            off: ExporterOff::SdkDisabled,
            source: st.sdk_disabled.source.clone(),
        });
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
            out.push(Diagnosis::ExporterDisabled {
                off,
                source: st.traces_exporter.source.clone(),
            });
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
            out.push(Diagnosis::SamplerDropsAll {
                arg_source,
                sampler: sampler_name(&st.sampler.value),
                sampler_source: st.sampler.source.clone(),
            });
        }
    }
    if let Some(name) = &st.service_name {
        let v = name.value.trim();
        if v.is_empty() || v.starts_with("unknown_service") {
            out.push(Diagnosis::ServiceNameMissing {
                source: name.source.clone(),
                value: name.value.clone(),
            });
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
