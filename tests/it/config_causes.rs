//! One test per configuration cause (`docs/causes.md`): environment or config in; cause, severity
//! and a fix that names the setting out.

use runner::cause::{Cause, Finding, Severity};
use runner::config::{self, Environment, Overrides};
use runner::doctor::stages::config as run;
use runner::report::Status;
use std::path::PathBuf;

struct Diag {
    findings: Vec<Finding>,
    status: Status,
}

fn diagnose_with(config: &str, env: &[(&str, &str)], mut flags: Overrides) -> Diag {
    let dir = tempfile::tempdir().unwrap();
    if !config.is_empty() {
        let path = dir.path().join("config.toml");
        std::fs::write(&path, config).unwrap();
        flags.config_path = Some(path);
    }
    let env = Environment::from_pairs(env.iter().copied());
    let loaded = config::load(&flags, &env).unwrap();
    let r = run(&loaded, &env);
    Diag {
        findings: r.findings,
        status: r.check.status,
    }
}

fn diagnose(config: &str, env: &[(&str, &str)]) -> Diag {
    diagnose_with(config, env, Overrides::default())
}

/// The one finding of `cause`; asserts its severity and that the fix names `setting`.
fn expect(d: &Diag, cause: Cause, severity: Severity, setting: &str) -> Finding {
    let found: Vec<&Finding> = d.findings.iter().filter(|f| f.cause == cause).collect();
    assert_eq!(found.len(), 1, "want one {cause}, got {:#?}", d.findings);
    let f = found[0].clone();
    assert_eq!(f.severity, severity, "{f:#?}");
    assert!(
        f.fix.contains(setting),
        "fix should name {setting}: {}",
        f.fix
    );
    assert!(!f.summary.is_empty() && !f.explanation.is_empty());
    // The stage's status is its worst finding's: an info finding alone leaves it passing.
    let worst = d.findings.iter().map(|f| f.severity).max();
    let want = match worst {
        Some(Severity::Error) => Status::Fail,
        Some(Severity::Warning) => Status::Warn,
        Some(Severity::Info) | None => Status::Pass,
    };
    assert_eq!(d.status, want, "status with findings {:#?}", d.findings);
    f
}

#[test]
fn healthy_defaults_pass() {
    let d = diagnose(
        "",
        &[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")],
    );
    assert!(d.findings.is_empty(), "{:#?}", d.findings);
    assert_eq!(d.status, Status::Pass);
}

#[test]
fn config_invalid_protocol_in_env_and_config() {
    let d = diagnose("", &[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpcc")]);
    let f = expect(
        &d,
        Cause::ConfigInvalid,
        Severity::Error,
        "OTEL_EXPORTER_OTLP_PROTOCOL",
    );
    assert!(f.fix.contains("http/protobuf"), "{}", f.fix);
    assert_eq!(d.status, Status::Fail);
    let d = diagnose("[otel]\nprotocol = \"grpcc\"\n", &[]);
    let f = expect(
        &d,
        Cause::ConfigInvalid,
        Severity::Error,
        "`protocol` in the `[otel]` table",
    );
    assert!(f.summary.contains("grpcc"));
}

#[test]
fn endpoint_invalid_double_port() {
    let d = diagnose(
        "",
        &[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4317:4317")],
    );
    let f = expect(
        &d,
        Cause::EndpointInvalid,
        Severity::Error,
        "OTEL_EXPORTER_OTLP_ENDPOINT",
    );
    assert!(f.explanation.contains("port"), "{}", f.explanation);
    let d = diagnose(
        "",
        &[(
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "http://local host:4318/v1/traces",
        )],
    );
    expect(
        &d,
        Cause::EndpointInvalid,
        Severity::Error,
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    );
}

#[test]
fn endpoint_missing_scheme_http_is_error_grpc_warning() {
    let d = diagnose("", &[("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318")]);
    expect(
        &d,
        Cause::EndpointMissingScheme,
        Severity::Error,
        "OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4318",
    );
    let d = diagnose(
        "",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ],
    );
    let f = expect(
        &d,
        Cause::EndpointMissingScheme,
        Severity::Warning,
        "OTEL_EXPORTER_OTLP_ENDPOINT=https://collector:4317",
    );
    assert!(f.explanation.contains("tonic"), "{}", f.explanation);
}

#[test]
fn grpc_endpoint_has_path() {
    let d = diagnose(
        "[otel]\nprotocol = \"grpc\"\nendpoint = \"grpc://collector:4317/v1/traces\"\n",
        &[],
    );
    expect(
        &d,
        Cause::GrpcEndpointHasPath,
        Severity::Warning,
        "endpoint = \"grpc://collector:4317\"",
    );
}

#[test]
fn signal_path_missing() {
    let d = diagnose(
        "",
        &[(
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "http://collector:4318",
        )],
    );
    expect(
        &d,
        Cause::SignalPathMissing,
        Severity::Error,
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://collector:4318/v1/traces",
    );
}

#[test]
fn signal_path_duplicated() {
    let d = diagnose(
        "",
        &[(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "http://collector:4318/v1/traces",
        )],
    );
    let f = expect(
        &d,
        Cause::SignalPathDuplicated,
        Severity::Error,
        "OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4318`",
    );
    assert!(f.summary.contains("/v1/traces/v1/traces"), "{}", f.summary);
}

#[test]
fn protocol_port_mismatch() {
    let d = diagnose(
        "",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ],
    );
    expect(
        &d,
        Cause::ProtocolPortMismatch,
        Severity::Warning,
        "OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
    );
    let d = diagnose(
        "",
        &[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317")],
    );
    expect(
        &d,
        Cause::ProtocolPortMismatch,
        Severity::Warning,
        "OTEL_EXPORTER_OTLP_PROTOCOL=grpc",
    );
}

#[test]
fn env_overridden_by_config_names_both() {
    let d = diagnose(
        "[otel]\nendpoint = \"http://localhost:4318\"\n",
        &[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector.prod:4318")],
    );
    let f = expect(&d, Cause::EnvOverridden, Severity::Warning, "`endpoint`");
    assert!(
        f.summary.contains("OTEL_EXPORTER_OTLP_ENDPOINT"),
        "{}",
        f.summary
    );
    assert!(
        f.summary.contains("http://collector.prod:4318")
            && f.summary.contains("http://localhost:4318")
    );
    // The same value in both places shadows nothing worth a finding.
    let d = diagnose(
        "[otel]\nendpoint = \"http://c:4318\"\n",
        &[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318")],
    );
    assert!(d.findings.iter().all(|f| f.cause != Cause::EnvOverridden));
}

#[test]
fn env_overridden_by_flag_is_info() {
    let flags = Overrides {
        endpoint: Some("http://127.0.0.1:4318".into()),
        ..Default::default()
    };
    let d = diagnose_with(
        "",
        &[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318")],
        flags,
    );
    expect(&d, Cause::EnvOverridden, Severity::Info, "--endpoint");
}

#[test]
fn env_unknown_variable_suggests_nearest() {
    let d = diagnose("", &[("OTEL_EXPORTER_OTLP_ENDPIONT", "http://c:4318")]);
    let f = expect(
        &d,
        Cause::EnvUnknownVariable,
        Severity::Warning,
        "OTEL_EXPORTER_OTLP_ENDPOINT",
    );
    assert!(f
        .summary
        .contains("did you mean `OTEL_EXPORTER_OTLP_ENDPOINT`"));
}

#[test]
fn headers_invalid_never_shows_the_value() {
    let d = diagnose(
        "",
        &[(
            "OTEL_EXPORTER_OTLP_HEADERS",
            "Authorization: Bearer hunter2secret",
        )],
    );
    let f = expect(
        &d,
        Cause::HeadersInvalid,
        Severity::Error,
        "OTEL_EXPORTER_OTLP_HEADERS=",
    );
    let all = serde_json::to_string(&d.findings).unwrap();
    assert!(!all.contains("hunter2secret"), "{all}");
    assert!(f.summary.contains("Name: value"));
    let d = diagnose("[otel.headers]\n\"bad name\" = \"x\"\n", &[]);
    expect(&d, Cause::HeadersInvalid, Severity::Error, "[otel.headers]");
}

fn pem_pair() -> (String, String) {
    let k = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    (k.cert.pem(), k.signing_key.serialize_pem())
}

#[test]
fn tls_files_invalid_unreadable_not_pem_and_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.pem");
    let d = diagnose(
        "",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://c:4318"),
            ("OTEL_EXPORTER_OTLP_CERTIFICATE", missing.to_str().unwrap()),
        ],
    );
    let f = expect(
        &d,
        Cause::TlsFilesInvalid,
        Severity::Error,
        "OTEL_EXPORTER_OTLP_CERTIFICATE",
    );
    assert!(f.summary.contains("cannot be read"));

    let garbage = dir.path().join("ca.der");
    std::fs::write(&garbage, b"\x30\x82garbage").unwrap();
    let d = diagnose(
        &format!(
            "[otel]\nendpoint = \"https://c:4318\"\ncertificate = {:?}\n",
            garbage
        ),
        &[],
    );
    let f = expect(
        &d,
        Cause::TlsFilesInvalid,
        Severity::Error,
        "`certificate` in the `[otel]` table",
    );
    assert!(f.summary.contains("no PEM"));

    let (cert_a, _) = pem_pair();
    let (_, key_b) = pem_pair();
    let (ca, kb): (PathBuf, PathBuf) = (dir.path().join("a.crt"), dir.path().join("b.key"));
    std::fs::write(&ca, cert_a).unwrap();
    std::fs::write(&kb, key_b).unwrap();
    let d = diagnose(
        "",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://c:4318"),
            (
                "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
                ca.to_str().unwrap(),
            ),
            ("OTEL_EXPORTER_OTLP_CLIENT_KEY", kb.to_str().unwrap()),
        ],
    );
    let f = expect(
        &d,
        Cause::TlsFilesInvalid,
        Severity::Error,
        "OTEL_EXPORTER_OTLP_CLIENT_KEY",
    );
    assert!(f.summary.contains("does not match"), "{}", f.summary);

    // A matching pair is fine.
    let (cert, key) = pem_pair();
    std::fs::write(&ca, cert).unwrap();
    std::fs::write(&kb, key).unwrap();
    let d = diagnose(
        "",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://c:4318"),
            (
                "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
                ca.to_str().unwrap(),
            ),
            ("OTEL_EXPORTER_OTLP_CLIENT_KEY", kb.to_str().unwrap()),
        ],
    );
    assert!(d.findings.is_empty(), "{:#?}", d.findings);
}

#[test]
fn insecure_conflict_with_tls_scheme() {
    let d = diagnose(
        "",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "grpcs://c:4317"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_INSECURE", "true"),
        ],
    );
    expect(
        &d,
        Cause::InsecureConflict,
        Severity::Warning,
        "unset `OTEL_EXPORTER_OTLP_INSECURE`",
    );
}

#[test]
fn exporter_disabled_sdk_and_none() {
    let d = diagnose("", &[("OTEL_SDK_DISABLED", "true")]);
    expect(
        &d,
        Cause::ExporterDisabled,
        Severity::Error,
        "OTEL_SDK_DISABLED",
    );
    let d = diagnose("", &[("OTEL_TRACES_EXPORTER", "none")]);
    expect(
        &d,
        Cause::ExporterDisabled,
        Severity::Error,
        "OTEL_TRACES_EXPORTER=otlp",
    );
}

#[test]
fn sampler_drops_all_always_off_and_ratio_zero() {
    let d = diagnose("", &[("OTEL_TRACES_SAMPLER", "always_off")]);
    expect(
        &d,
        Cause::SamplerDropsAll,
        Severity::Error,
        "OTEL_TRACES_SAMPLER=parentbased_always_on",
    );
    let d = diagnose(
        "",
        &[
            ("OTEL_TRACES_SAMPLER", "traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "0"),
        ],
    );
    expect(
        &d,
        Cause::SamplerDropsAll,
        Severity::Error,
        "OTEL_TRACES_SAMPLER_ARG=1.0",
    );
}

#[test]
fn service_name_missing_only_when_the_user_removes_it() {
    let d = diagnose("", &[("OTEL_SERVICE_NAME", "unknown_service")]);
    expect(
        &d,
        Cause::ServiceNameMissing,
        Severity::Warning,
        "OTEL_SERVICE_NAME=gitlab-runner",
    );
    let d = diagnose("", &[("OTEL_RESOURCE_ATTRIBUTES", "service.name=,team=ci")]);
    expect(
        &d,
        Cause::ServiceNameMissing,
        Severity::Warning,
        "OTEL_SERVICE_NAME=gitlab-runner",
    );
    // Unset: the runner's default `runner` applies, nothing to report.
    let d = diagnose("", &[]);
    assert!(d
        .findings
        .iter()
        .all(|f| f.cause != Cause::ServiceNameMissing));
}

#[test]
fn resource_attributes_invalid() {
    let d = diagnose(
        "",
        &[(
            "OTEL_RESOURCE_ATTRIBUTES",
            "team,deployment.environment=prod",
        )],
    );
    expect(
        &d,
        Cause::ResourceAttributesInvalid,
        Severity::Warning,
        "OTEL_RESOURCE_ATTRIBUTES=",
    );
}

#[test]
fn every_configuration_cause_has_a_test_above() {
    let src = include_str!("config_causes.rs");
    for c in Cause::ALL
        .iter()
        .filter(|c| c.stage() == runner::cause::Stage::Config)
    {
        let variant = format!("{c:?}");
        assert!(
            src.matches(&format!("Cause::{variant},")).count() >= 1,
            "no test for {}",
            c.code()
        );
    }
}

#[test]
fn collector_mismatch_quotes_the_receiver_the_runner_would_reach() {
    // The runner posts OTLP/HTTP to /v1/traces; the collector's receiver on that port moved its
    // traces path: `--collector-config` reads it before any request is sent.
    let dir = tempfile::tempdir().unwrap();
    let collector = dir.path().join("collector.yaml");
    std::fs::write(
        &collector,
        "receivers:\n  otlp:\n    protocols:\n      http:\n        endpoint: 0.0.0.0:4318\n        \
         traces_url_path: /otlp/v1/traces\nexporters:\n  debug: {}\nservice:\n  pipelines:\n    \
         traces: {receivers: [otlp], exporters: [debug]}\n",
    )
    .unwrap();
    let side = runner::collector::crosscheck::load_files(&[collector], &|_| None).unwrap();
    let env = Environment::from_pairs([
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
    ]);
    let loaded = config::load(&Overrides::default(), &env).unwrap();
    let r = run(&loaded, &env);
    let mut findings = r.findings;
    runner::collector::crosscheck::compare(&side, &loaded.settings, &mut findings);
    let d = Diag {
        findings,
        status: Status::Fail,
    };
    let f = expect(
        &d,
        Cause::CollectorMismatch,
        Severity::Error,
        "/otlp/v1/traces",
    );
    assert!(
        f.explanation.contains("collector.yaml"),
        "{}",
        f.explanation
    );
}
