//! The canary against in-process receivers: each failure produces its cause, with evidence.

use crate::support::ports::free_port;
use crate::support::receivers::{self, Behaviour};
use crate::support::settings::{loaded, traces, with_timeout};
use runner::cause::{Cause, Finding, Severity, Stage};
use runner::config::{ExporterKind, Protocol, Sampler, Signal, Sourced};
use runner::doctor::{backend, canary_stage, BackendKind, BackendOptions, DoctorOptions};
use runner::report::{Canary, Status};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn opts(timeout: Duration) -> DoctorOptions {
    DoctorOptions {
        timeout,
        ..DoctorOptions::default()
    }
}

fn causes(findings: &[Finding]) -> Vec<Cause> {
    findings.iter().map(|f| f.cause).collect()
}

const PROTOCOLS: [Protocol; 3] = [Protocol::Grpc, Protocol::HttpProtobuf, Protocol::HttpJson];

fn receiver(proto: Protocol, b: Behaviour) -> receivers::Receiver {
    if proto == Protocol::Grpc {
        receivers::grpc(b)
    } else {
        receivers::http(b)
    }
}

#[tokio::test]
async fn a_healthy_receiver_gets_the_canary_with_its_ids() {
    for proto in PROTOCOLS {
        let rx = receiver(proto, Behaviour::Accept);
        let (r, c) = canary_stage(
            &loaded(traces(&rx.url(), proto)),
            &opts(Duration::from_secs(3)),
            &[],
        )
        .await;
        assert_eq!(r.check.status, Status::Pass, "{proto}: {:?}", r.check);
        assert!(r.findings.is_empty(), "{proto}: {:?}", r.findings);
        assert!(c.sent && c.exported && c.error.is_none(), "{proto}: {c:?}");
        let tid = c.trace_id.clone().unwrap();
        assert_eq!(tid.len(), 32);
        assert_eq!(c.span_id.as_ref().unwrap().len(), 16);
        assert!(c.latency_ms.is_some());
        assert_eq!(rx.seen.trace_ids(), vec![tid], "{proto}");
    }
}

#[tokio::test]
async fn partial_success_is_reported_with_message_and_count() {
    for proto in PROTOCOLS {
        let rx = receiver(
            proto,
            Behaviour::Partial(1, "span attribute too long".into()),
        );
        let (r, c) = canary_stage(
            &loaded(traces(&rx.url(), proto)),
            &opts(Duration::from_secs(3)),
            &[],
        )
        .await;
        assert_eq!(
            causes(&r.findings),
            vec![Cause::CanaryPartialSuccess],
            "{proto}"
        );
        let f = &r.findings[0];
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(f.evidence["rejected_spans"], 1, "{proto}");
        assert_eq!(f.evidence["error_message"], "span attribute too long");
        assert!(
            f.summary.contains("span attribute too long"),
            "{}",
            f.summary
        );
        assert!(!c.exported, "{proto}: rejected canary is not exported");
    }
}

#[tokio::test]
async fn a_refusal_no_probe_saw_is_classified_as_the_probes_classify_it() {
    // The empty probe passed (no probe finding); the canary's own export is refused for its
    // size: the answer's class names the cause, not `canary_export_failed`.
    for (proto, cause) in [
        (Protocol::HttpProtobuf, Cause::HttpPayloadTooLarge),
        (Protocol::HttpJson, Cause::HttpPayloadTooLarge),
        (Protocol::Grpc, Cause::GrpcResourceExhausted),
    ] {
        let rx = receiver(
            proto,
            Behaviour::Reject {
                http: 413,
                grpc: tonic::Code::ResourceExhausted,
                message: "grpc: received message larger than max (1204 vs. 64)".into(),
            },
        );
        let (r, c) = canary_stage(
            &loaded(traces(&rx.url(), proto)),
            &opts(Duration::from_secs(3)),
            &[],
        )
        .await;
        assert_eq!(r.check.status, Status::Fail, "{proto}");
        assert_eq!(causes(&r.findings), vec![cause], "{proto}");
        let f = &r.findings[0];
        assert_eq!(f.stage, Stage::Canary, "{proto}");
        assert!(
            f.explanation.contains("empty export went through"),
            "{proto}: {}",
            f.explanation
        );
        assert!(c.error.is_some() && !c.exported, "{proto}: {c:?}");
    }
}

#[tokio::test]
async fn a_rejection_is_explained_with_the_matching_probe_finding() {
    let probe = Finding::new(
        Cause::HttpAuthRejected,
        Severity::Error,
        Some(Signal::Traces),
    )
    .text(
        "The collector rejected the credentials (401).",
        "...",
        "Set the Authorization header.",
    );
    for proto in PROTOCOLS {
        let rx = receiver(
            proto,
            Behaviour::Reject {
                http: 401,
                grpc: tonic::Code::Unauthenticated,
                message: "missing or empty authorization header".into(),
            },
        );
        let (r, c) = canary_stage(
            &loaded(traces(&rx.url(), proto)),
            &opts(Duration::from_secs(3)),
            std::slice::from_ref(&probe),
        )
        .await;
        assert_eq!(r.check.status, Status::Fail);
        assert_eq!(
            causes(&r.findings),
            vec![Cause::CanaryExportFailed],
            "{proto}"
        );
        let f = &r.findings[0];
        assert!(
            f.explanation.contains("http_auth_rejected"),
            "{proto}: {}",
            f.explanation
        );
        assert!(f.fix.contains("Authorization"), "{}", f.fix);
        let err = c.error.unwrap();
        if proto == Protocol::Grpc {
            assert_eq!(f.evidence["failure"]["kind"], "grpc_status");
            assert_eq!(f.evidence["failure"]["code"], 16);
            assert!(
                err.contains("missing or empty authorization header"),
                "{err}"
            );
        } else {
            assert_eq!(f.evidence["failure"]["kind"], "http_status");
            assert_eq!(f.evidence["failure"]["status"], 401);
            assert!(err.contains("401"), "{err}");
        }
    }
}

#[tokio::test]
async fn a_refusal_after_the_handshake_is_matched_to_the_tls_finding() {
    // nginx `ssl_verify_client on` without a client certificate: the handshake passes and
    // every request gets `400 No required SSL certificate was sent`. The tls-stage finding
    // explains the canary's HTTP 400; a metrics finding and a warning do not.
    let probe = Finding::new(
        Cause::TlsClientCertRequired,
        Severity::Error,
        Some(Signal::Traces),
    )
    .text(
        "The server requires a client certificate.",
        "...",
        "Set OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE and OTEL_EXPORTER_OTLP_CLIENT_KEY.",
    );
    let other_signal = Finding::new(
        Cause::TlsClientCertRequired,
        Severity::Error,
        Some(Signal::Metrics),
    );
    let warning = Finding::new(
        Cause::TlsAlpnH2Missing,
        Severity::Warning,
        Some(Signal::Traces),
    );
    let rx = receivers::http(Behaviour::Reject {
        http: 400,
        grpc: tonic::Code::InvalidArgument,
        message: "No required SSL certificate was sent".into(),
    });
    let (r, _) = canary_stage(
        &loaded(traces(&rx.url(), Protocol::HttpProtobuf)),
        &opts(Duration::from_secs(3)),
        &[probe, other_signal, warning],
    )
    .await;
    assert_eq!(causes(&r.findings), vec![Cause::CanaryExportFailed]);
    let f = &r.findings[0];
    assert_eq!(f.evidence["failure"]["kind"], "http_status");
    assert_eq!(
        f.evidence["matched_findings"],
        serde_json::json!(["tls_client_cert_required"])
    );
    assert!(f.fix.contains("CLIENT_CERTIFICATE"), "{}", f.fix);
}

#[tokio::test]
async fn a_slow_receiver_past_the_timeout_is_canary_timeout() {
    for proto in [Protocol::Grpc, Protocol::HttpProtobuf] {
        let rx = receiver(proto, Behaviour::Slow(Duration::from_secs(5)));
        let start = Instant::now();
        // The exporter's timeout decides, not the doctor's `--timeout` (3 s here).
        let s = with_timeout(traces(&rx.url(), proto), Duration::from_millis(800));
        let (r, c) = canary_stage(&loaded(s), &opts(Duration::from_secs(3)), &[]).await;
        assert!(
            start.elapsed() < Duration::from_millis(2500),
            "{proto}: {:?}",
            start.elapsed()
        );
        assert_eq!(causes(&r.findings), vec![Cause::CanaryTimeout], "{proto}");
        assert!(c.sent && !c.exported);
        assert!(r.findings[0].fix.contains("OTEL_EXPORTER_OTLP_TIMEOUT"));
    }
}

/// A receiver slower than the doctor's `--timeout` but within the exporter's timeout works for
/// the runner's exporter, so the canary waits for it and passes.
#[tokio::test]
async fn a_slow_receiver_within_the_exporters_timeout_gets_the_canary() {
    for proto in [Protocol::Grpc, Protocol::HttpProtobuf] {
        let rx = receiver(proto, Behaviour::Slow(Duration::from_millis(1200)));
        let s = with_timeout(traces(&rx.url(), proto), Duration::from_secs(3));
        let (r, c) = canary_stage(&loaded(s), &opts(Duration::from_millis(500)), &[]).await;
        assert!(r.findings.is_empty(), "{proto}: {:?}", causes(&r.findings));
        assert!(c.exported, "{proto}");
        assert!(r.check.summary.contains(" s"), "{}", r.check.summary);
    }
}

#[tokio::test]
async fn a_receiver_that_is_down_is_export_failed_matched_to_tcp_refused() {
    let probe = Finding::new(Cause::TcpRefused, Severity::Error, Some(Signal::Traces)).text(
        "Connection refused.",
        "...",
        "Start the collector.",
    );
    let unrelated = Finding::new(Cause::ServiceNameMissing, Severity::Warning, None);
    for proto in PROTOCOLS {
        let url = format!("http://127.0.0.1:{}", free_port());
        let (r, c) = canary_stage(
            &loaded(traces(&url, proto)),
            &opts(Duration::from_secs(3)),
            &[probe.clone(), unrelated.clone()],
        )
        .await;
        assert_eq!(
            causes(&r.findings),
            vec![Cause::CanaryExportFailed],
            "{proto}"
        );
        let f = &r.findings[0];
        assert_eq!(f.stage, Stage::Canary);
        assert_eq!(f.evidence["failure"]["kind"], "transport");
        assert_eq!(
            f.evidence["matched_findings"],
            serde_json::json!(["tcp_refused"])
        );
        assert!(
            c.error.unwrap().to_lowercase().contains("refused"),
            "{proto}"
        );
    }
}

#[tokio::test]
async fn an_unsampled_canary_is_canary_not_sampled() {
    let rx = receivers::http(Behaviour::Accept);
    let mut s = traces(&rx.url(), Protocol::HttpProtobuf);
    s.sampler = Sourced::default_value(Sampler::AlwaysOff);
    let (r, c) = canary_stage(&loaded(s), &opts(Duration::from_secs(2)), &[]).await;
    assert_eq!(causes(&r.findings), vec![Cause::CanaryNotSampled]);
    assert_eq!(r.findings[0].severity, Severity::Error);
    assert!(!c.sent && !c.exported && c.trace_id.is_some());
    assert_eq!(rx.seen.count(), 0);
}

#[tokio::test]
async fn exporter_none_and_file_do_not_claim_a_collector() {
    let mut s = traces("http://127.0.0.1:4318", Protocol::HttpProtobuf);
    s.traces_exporter = Sourced::default_value(ExporterKind::None);
    let (r, c) = canary_stage(&loaded(s.clone()), &opts(Duration::from_secs(2)), &[]).await;
    assert_eq!(r.check.status, Status::Skip);
    assert!(!c.sent && !c.exported);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.jsonl");
    s.traces_exporter = Sourced::default_value(ExporterKind::File(path.clone()));
    let (r, c) = canary_stage(&loaded(s), &opts(Duration::from_secs(2)), &[]).await;
    assert_eq!(r.check.status, Status::Pass);
    assert!(
        r.check.summary.contains("no collector"),
        "{}",
        r.check.summary
    );
    let written = std::fs::read_to_string(&path).unwrap();
    // OTLP JSON carries trace ids as hex.
    assert!(
        written.contains(c.trace_id.as_deref().unwrap()),
        "{written}"
    );
}

#[tokio::test]
async fn backend_finds_the_canary_or_says_it_never_arrived() {
    for (tempo, kind) in [(false, BackendKind::Jaeger), (true, BackendKind::Tempo)] {
        let known = Arc::new(Mutex::new(Vec::new()));
        let api = receivers::backend(tempo, known.clone());
        let mut o = opts(Duration::from_millis(1200));
        o.backend = Some(BackendOptions {
            kind,
            url: api.url(),
        });
        let mut c = Canary {
            sent: true,
            exported: true,
            trace_id: Some("0af7651916cd43dd8448eb211c80319c".into()),
            span_id: Some("b7ad6b7169203331".into()),
            ..Canary::default()
        };
        let r = backend::run(&o, &mut c).await;
        assert_eq!(
            causes(&r.findings),
            vec![Cause::CanaryNotInBackend],
            "{kind:?}"
        );
        assert_eq!(r.findings[0].stage, Stage::Backend);
        assert_eq!(c.arrived, Some(false));

        // The trace shows up after a while: the stage keeps polling until it does.
        let k = known.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(400)).await;
            k.lock()
                .unwrap()
                .push("0af7651916cd43dd8448eb211c80319c".into());
        });
        let r = backend::run(&o, &mut c).await;
        assert_eq!(r.check.status, Status::Pass, "{kind:?}: {:?}", r.check);
        assert_eq!(c.arrived, Some(true));
    }
}
