//! The runner's telemetry pipeline under load: spans/s to a real collector, CPU per thousand
//! spans, and the cost of a job's span tree with telemetry on versus off.
//!
//! Run by `scripts/bench` (which starts rotel); by hand:
//! `cargo bench --bench pipeline -- throughput grpc http://127.0.0.1:4317 50000 2000`
//! `cargo bench --bench pipeline -- job http://127.0.0.1:4317 2000`
//! Each mode prints one JSON line. `cargo bench` with no arguments prints the usage and exits 0.

use opentelemetry::trace::{Span, SpanKind, TraceContextExt, Tracer, TracerProvider};
use opentelemetry::{Context, KeyValue};
use runner::config::*;
use runner::telemetry::{self, Identity};
use std::process::Command;
use std::time::{Duration, Instant};

/// Settings for traces only, as `config::load` resolves them for `--endpoint URL --protocol P`
/// (the same shape `tests/it/support/settings.rs` builds).
fn settings(endpoint: &str, protocol: Protocol) -> Settings {
    let url = url::Url::parse(endpoint).expect("endpoint URL");
    let effective = if protocol.is_http() {
        format!("{}/v1/traces", endpoint.trim_end_matches('/'))
    } else {
        endpoint.to_owned()
    };
    let traces = SignalSettings {
        signal: Signal::Traces,
        endpoint_raw: Sourced::new(endpoint.to_owned(), Source::Flag("--endpoint".into())),
        endpoint: Some(Endpoint {
            display: endpoint.to_owned(),
            scheme: url.scheme().to_owned(),
            host: url.host_str().expect("host").to_owned(),
            port: url.port_or_known_default().expect("port"),
            path: url.path().to_owned(),
            tls: false,
            password: None,
            real: runner::redact::Secret::new(endpoint),
        }),
        url: Some(effective),
        protocol: Sourced::new(protocol, Source::Flag("--protocol".into())),
        headers: Sourced::default_value(vec![]),
        insecure: Sourced::default_value(false),
        certificate: None,
        client_certificate: None,
        client_key: None,
        compression: Sourced::default_value(Compression::None),
        timeout: Sourced::default_value(Duration::from_secs(10)),
    };
    Settings {
        signals: vec![traces],
        service_name: None,
        resource_attributes: Sourced::default_value(vec![]),
        sdk_disabled: Sourced::default_value(false),
        traces_exporter: Sourced::default_value(ExporterKind::Otlp),
        sampler: Sourced::default_value(Sampler::ParentBasedAlwaysOn),
        proxy: ProxySettings::default(),
        preflight: Sourced::default_value("warn".into()),
        shadowed: vec![],
    }
}

/// CPU time (user + system) of the whole process so far, from /proc/self/stat.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    // Fields after the command name (which may hold spaces) start at field 3 (state).
    let rest = &stat[stat.rfind(')').expect("stat format") + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap();
    ticks / clock_ticks()
}

fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

fn step_attributes() -> Vec<KeyValue> {
    // The same five attributes the Python side sets (scripts/bench.d/py_throughput.py).
    vec![
        KeyValue::new("cicd.pipeline.task.name", "build"),
        KeyValue::new("cicd.pipeline.task.run.id", "123456"),
        KeyValue::new("runner.executor", "shell"),
        KeyValue::new(
            "vcs.ref.head.revision",
            "0123456789abcdef0123456789abcdef01234567",
        ),
        KeyValue::new("step.index", 3),
    ]
}

fn protocol(name: &str) -> Protocol {
    match name {
        "grpc" => Protocol::Grpc,
        "http" | "http/protobuf" => Protocol::HttpProtobuf,
        other => panic!("protocol {other}: expected grpc or http"),
    }
}

/// Emits `total` spans in bursts of `burst` (below the queue size, so none is dropped), each
/// burst followed by a flush; reports spans/s and CPU per thousand spans.
fn throughput(rt: &tokio::runtime::Runtime, proto: &str, endpoint: &str, total: u64, burst: u64) {
    let p = telemetry::build(&settings(endpoint, protocol(proto)), &Identity::default())
        .expect("pipeline");
    let tracer = p.tracer("bench");
    let attrs = step_attributes();
    let (c0, t0) = (cpu_seconds(), Instant::now());
    let mut emitted = 0;
    while emitted < total {
        let n = burst.min(total - emitted);
        for i in 0..n {
            let mut s = tracer
                .span_builder(format!("step {}", i % 16))
                .with_attributes(attrs.clone())
                .start(&tracer);
            s.end();
        }
        emitted += n;
        rt.block_on(p.flush(Duration::from_secs(30)))
            .expect("flush");
    }
    let stats = p.stats();
    rt.block_on(p.shutdown(Duration::from_secs(10)))
        .expect("shutdown");
    let (wall, cpu) = (t0.elapsed().as_secs_f64(), cpu_seconds() - c0);
    println!(
        "{}",
        serde_json::json!({
            "impl": "runner", "protocol": proto, "spans": total,
            "exported": stats.spans_exported, "failed": stats.spans_failed,
            "dropped": stats.spans_dropped, "wall_s": round(wall, 4),
            "spans_per_s": (stats.spans_exported as f64 / wall).round(),
            "cpu_s": round(cpu, 4), "cpu_ms_per_1000": round(cpu * 1e6 / total as f64, 3),
        })
    );
}

/// One job's trace, shaped like `runner::runner::execute`: a root with the CI/CD attributes
/// and six children (request, prepare, two steps, upload, report).
fn job_tree<T: Tracer>(tracer: &T, job: u64)
where
    T::Span: Send + Sync + 'static,
{
    let mut attrs = step_attributes();
    attrs.extend([
        KeyValue::new("cicd.pipeline.name", "bench pipeline"),
        KeyValue::new("cicd.worker.name", "bench-runner"),
        KeyValue::new("cicd.worker.id", "0a1b2c3d"),
        KeyValue::new("runner.name", "bench-runner"),
        KeyValue::new("runner.job.stage", "test"),
        KeyValue::new(
            "vcs.repository.url.full",
            "https://example.invalid/group/p.git",
        ),
        KeyValue::new("cicd.pipeline.run.id", job as i64),
    ]);
    let root = tracer
        .span_builder(format!("job build-{}", job % 8))
        .with_kind(SpanKind::Internal)
        .with_attributes(attrs)
        .start_with_context(tracer, &Context::new());
    let cx = Context::new().with_span(root);
    for (name, kind) in [
        ("request job", SpanKind::Client),
        ("prepare", SpanKind::Internal),
        ("step before_script", SpanKind::Internal),
        ("step script", SpanKind::Internal),
        ("upload log", SpanKind::Client),
        ("report result", SpanKind::Client),
    ] {
        let mut s = tracer
            .span_builder(name)
            .with_kind(kind)
            .with_attributes(vec![KeyValue::new("http.response.status_code", 200)])
            .start_with_context(tracer, &cx);
        s.end();
    }
    cx.span().end();
}

/// The smallest real job: one `bash -c true`, process start to exit.
fn minimal_job() {
    let st = Command::new("bash")
        .args(["-c", "true"])
        .status()
        .expect("bash");
    assert!(st.success());
}

/// Per-job telemetry cost: the span tree with the pipeline on (exporting to `endpoint` over
/// gRPC) versus off (a provider without processors, what `runner run` uses when the pipeline
/// is off), beside the wall time of a minimal job; then the same jobs run for real (`bash -c
/// true` inside the tree), on versus off, in alternating blocks.
fn job(rt: &tokio::runtime::Runtime, endpoint: &str, jobs: u64) {
    // Flush every 250 jobs (1750 spans) so the 2048-span queue never drops.
    const BLOCK: u64 = 250;
    let p = telemetry::build(&settings(endpoint, Protocol::Grpc), &Identity::default())
        .expect("pipeline");
    let on = p.tracer("runner");
    let off = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .build()
        .tracer("runner");

    // 1. The span tree alone: emitting-thread wall time, and whole-process CPU (which includes
    // the exporter's thread and the flushes) per job.
    let (mut tree_on, mut tree_off) = (Duration::ZERO, Duration::ZERO);
    let c0 = cpu_seconds();
    for b in 0..jobs.div_ceil(BLOCK) {
        let t = Instant::now();
        for j in 0..BLOCK {
            job_tree(&on, b * BLOCK + j);
        }
        tree_on += t.elapsed();
        rt.block_on(p.flush(Duration::from_secs(30)))
            .expect("flush");
    }
    let cpu_on = cpu_seconds() - c0;
    let c1 = cpu_seconds();
    for b in 0..jobs.div_ceil(BLOCK) {
        let t = Instant::now();
        for j in 0..BLOCK {
            job_tree(&off, b * BLOCK + j);
        }
        tree_off += t.elapsed();
    }
    let cpu_off = cpu_seconds() - c1;
    let n = (jobs.div_ceil(BLOCK) * BLOCK) as f64;

    // 2. Minimal real jobs, alternating blocks of 20 on, off and bare so all three share the
    // machine's noise; the median over blocks resists bursts of other load.
    let (blocks, per) = (30u64, 20u64);
    let (mut on_ms, mut off_ms, mut bare_ms) = (vec![], vec![], vec![]);
    let per_job = |t: Instant| t.elapsed().as_secs_f64() * 1e3 / per as f64;
    for b in 0..blocks {
        let t = Instant::now();
        for j in 0..per {
            minimal_job();
            job_tree(&on, b * per + j);
        }
        on_ms.push(per_job(t));
        let t = Instant::now();
        for j in 0..per {
            minimal_job();
            job_tree(&off, b * per + j);
        }
        off_ms.push(per_job(t));
        let t = Instant::now();
        for _ in 0..per {
            minimal_job();
        }
        bare_ms.push(per_job(t));
    }
    let real = blocks * per;
    let stats = p.stats();
    rt.block_on(p.shutdown(Duration::from_secs(10)))
        .expect("shutdown");
    let us = |d: Duration, k: f64| round(d.as_secs_f64() * 1e6 / k, 2);
    let job_ms = median(&mut bare_ms);
    let tree_delta_us = (tree_on.as_secs_f64() - tree_off.as_secs_f64()) * 1e6 / n;
    let cpu_delta_us = (cpu_on - cpu_off) * 1e6 / n;
    println!(
        "{}",
        serde_json::json!({
            "jobs": n, "spans_per_job": 7,
            "tree_on_us": us(tree_on, n), "tree_off_us": us(tree_off, n),
            "cpu_on_us_per_job": round(cpu_on * 1e6 / n, 2),
            "cpu_off_us_per_job": round(cpu_off * 1e6 / n, 2),
            "minimal_job_ms": round(job_ms, 3),
            "tree_overhead_pct_of_minimal_job": round(tree_delta_us / 10.0 / job_ms, 3),
            "cpu_overhead_pct_of_minimal_job": round(cpu_delta_us / 10.0 / job_ms, 3),
            "real_jobs": real,
            "real_on_ms_median": round(median(&mut on_ms), 3),
            "real_off_ms_median": round(median(&mut off_ms), 3),
            "real_bare_ms_median": round(job_ms, 3),
            "spans_exported": stats.spans_exported, "spans_dropped": stats.spans_dropped,
        })
    );
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn round(x: f64, digits: i32) -> f64 {
    let m = 10f64.powi(digits);
    (x * m).round() / m
}

fn main() {
    // `cargo bench` passes `--bench`; skip flags so only our own arguments count.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let num = |i: usize, d: u64| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    match args.first().map(String::as_str) {
        Some("throughput") if args.len() >= 3 => {
            throughput(&rt, &args[1], &args[2], num(3, 50_000), num(4, 2_000));
        }
        Some("job") if args.len() >= 2 => job(&rt, &args[1], num(2, 2_000)),
        _ => eprintln!(
            "usage: pipeline throughput grpc|http ENDPOINT [SPANS] [BURST]\n       \
             pipeline job GRPC_ENDPOINT [JOBS]\n(run by scripts/bench, which starts rotel)"
        ),
    }
}
