//! The real Go OpenTelemetry Collector (the current release, built from its Go modules by
//! `scripts/build-otelcol.sh`): its own OTLP receivers with TLS, mTLS, bearer-token auth, size
//! limits, custom paths and processors, configured per test; the `debug` exporter's log proves
//! which spans arrived. Everything binds 127.0.0.1 on free ports, its own telemetry included.

use super::certs::{Certs, Pem};
use super::doctor::Outcome;
use super::scenario::run_real;
use crate::support::ports::v4;
use crate::support::proc::{start_with_retry, test_dep, Proc};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A loaded 2-core machine can take a few seconds to start a 39 MB Go binary.
const READY_WITHIN: Duration = Duration::from_secs(20);

/// The binary `scripts/test-deps.sh` recorded (`OTELCOL_GO`).
pub fn binary() -> PathBuf {
    PathBuf::from(test_dep("OTELCOL_GO"))
}

/// The collector release it was built from (`OTELCOL_GO_VERSION`, e.g. `0.165.0`).
pub fn version() -> String {
    test_dep("OTELCOL_GO_VERSION")
}

/// How to configure the collector: one `otlp` receiver (gRPC and HTTP), a `debug` exporter at
/// `detailed` verbosity, the `health_check` extension, and whatever the test adds. Entries are
/// YAML flow-mapping members (`tls: {cert_file: A, key_file: B}`, `max_recv_msg_size_mib: 1`).
#[derive(Debug, Clone)]
pub struct Spec {
    /// Added to the gRPC protocol's mapping.
    pub grpc: Vec<String>,
    /// Added to the HTTP protocol's mapping.
    pub http: Vec<String>,
    /// Extra extensions, `name: {body}`, each also listed in `service.extensions`.
    pub extensions: Vec<String>,
    /// Processors, `name: {body}`, in pipeline order.
    pub processors: Vec<String>,
    /// The pipeline's signal: `traces` by default; `metrics` makes a traces-less collector.
    pub signal: &'static str,
}

impl Default for Spec {
    fn default() -> Spec {
        Spec {
            grpc: Vec::new(),
            http: Vec::new(),
            extensions: Vec::new(),
            processors: Vec::new(),
            signal: "traces",
        }
    }
}

impl Spec {
    /// Adds `entry` to both protocols.
    pub fn both(mut self, entry: &str) -> Spec {
        self.grpc.push(entry.to_owned());
        self.http.push(entry.to_owned());
        self
    }

    pub fn grpc(mut self, entry: &str) -> Spec {
        self.grpc.push(entry.to_owned());
        self
    }

    pub fn http(mut self, entry: &str) -> Spec {
        self.http.push(entry.to_owned());
        self
    }

    /// Server TLS on both protocols with `pem`; with `client_ca`, client certificates from that
    /// CA are required (mTLS).
    pub fn tls(self, pem: &Pem, client_ca: Option<&Path>) -> Spec {
        let mut tls = format!(
            "tls: {{cert_file: {}, key_file: {}",
            pem.cert.display(),
            pem.key.display()
        );
        if let Some(ca) = client_ca {
            tls.push_str(&format!(", client_ca_file: {}", ca.display()));
        }
        tls.push('}');
        self.both(&tls)
    }

    /// Both protocols require `Authorization: Bearer TOKEN` (the `bearertokenauth` extension).
    pub fn bearer(mut self, token: &str) -> Spec {
        self.extensions
            .push(format!("bearertokenauth: {{token: \"{token}\"}}"));
        self.both("auth: {authenticator: bearertokenauth}")
    }

    pub fn processor(mut self, entry: &str) -> Spec {
        self.processors.push(entry.to_owned());
        self
    }

    pub fn signal(mut self, signal: &'static str) -> Spec {
        self.signal = signal;
        self
    }

    /// The whole configuration for these ports.
    pub fn yaml(&self, p: &Ports) -> String {
        let proto = |port: u16, extra: &[String]| {
            let mut m = format!("endpoint: \"127.0.0.1:{port}\"");
            for e in extra {
                m.push_str(", ");
                m.push_str(e);
            }
            format!("{{{m}}}")
        };
        let name = |entry: &String| entry.split(':').next().unwrap_or("").trim().to_owned();
        let mut exts = vec![format!(
            "health_check: {{endpoint: \"127.0.0.1:{}\"}}",
            p.health
        )];
        exts.extend(self.extensions.iter().cloned());
        let ext_names: Vec<String> = exts.iter().map(name).collect();
        let procs: Vec<String> = self.processors.iter().map(name).collect();
        let mut y = String::new();
        y.push_str("receivers:\n  otlp:\n    protocols:\n");
        y.push_str(&format!("      grpc: {}\n", proto(p.grpc, &self.grpc)));
        y.push_str(&format!("      http: {}\n", proto(p.http, &self.http)));
        y.push_str("exporters:\n  debug: {verbosity: detailed}\n");
        if !self.processors.is_empty() {
            y.push_str("processors:\n");
            for e in &self.processors {
                y.push_str(&format!("  {e}\n"));
            }
        }
        y.push_str("extensions:\n");
        for e in &exts {
            y.push_str(&format!("  {e}\n"));
        }
        y.push_str(&format!(
            "service:\n  extensions: [{}]\n",
            ext_names.join(", ")
        ));
        y.push_str(&format!(
            "  pipelines:\n    {}: {{receivers: [otlp], processors: [{}], exporters: [debug]}}\n",
            self.signal,
            procs.join(", ")
        ));
        y.push_str(&format!(
            "  telemetry:\n    metrics:\n      readers:\n        - pull: {{exporter: {{prometheus: {{host: 127.0.0.1, port: {}}}}}}}\n",
            p.metrics
        ));
        y
    }
}

/// The collector's loopback ports.
#[derive(Debug, Clone, Copy)]
pub struct Ports {
    pub grpc: u16,
    pub http: u16,
    /// The `health_check` extension: `GET http://127.0.0.1:{health}/` answers 200 when ready.
    pub health: u16,
    /// Its own Prometheus metrics: `http://127.0.0.1:{metrics}/metrics`.
    pub metrics: u16,
}

/// A running Go collector; dropping it kills its process group.
#[derive(Debug)]
pub struct GoCol {
    pub proc: Proc,
    pub ports: Ports,
    pub config: PathBuf,
}

impl GoCol {
    /// Writes `spec`'s configuration under `dir`, starts the collector and waits until it logs
    /// `Everything is ready` and accepts on every port.
    pub fn start(dir: &Path, spec: &Spec) -> GoCol {
        let bin = binary();
        start_with_retry("Go collector", 4, |p| {
            let ports = Ports {
                grpc: p[0],
                http: p[1],
                health: p[2],
                metrics: p[3],
            };
            let config = dir.join("gocol.yaml");
            std::fs::write(&config, spec.yaml(&ports)).map_err(|e| e.to_string())?;
            let args = vec!["--config".to_owned(), config.display().to_string()];
            let mut proc = Proc::spawn("gocol", &bin, &args, &[], &dir.join("gocol.log"))
                .map_err(|e| format!("spawn {}: {e}", bin.display()))?;
            proc.wait_for_log("Everything is ready", READY_WITHIN)?;
            proc.wait_for_ports(&p.iter().map(|p| v4(*p)).collect::<Vec<_>>(), READY_WITHIN)?;
            Ok(GoCol {
                proc,
                ports,
                config,
            })
        })
    }

    /// Whether the `debug` exporter printed a span of `trace_id` (hex) within `within`.
    pub fn saw_trace(&self, trace_id: &str, within: Duration) -> bool {
        let needle = format!("Trace ID       : {}", trace_id.to_ascii_lowercase());
        let deadline = Instant::now() + within;
        loop {
            if self.proc.log_text().contains(&needle) {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A server certificate as users make one: `openssl req -x509` for localhost and 127.0.0.1,
/// which OpenSSL marks `CA:TRUE`.
pub fn openssl_self_signed(dir: &Path) -> Pem {
    let pem = Pem {
        cert: dir.join("openssl-x509.crt"),
        key: dir.join("openssl-x509.key"),
        combined: dir.join("openssl-x509.pem"),
    };
    let out = std::process::Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
        ])
        .args(["-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&pem.key)
        .arg("-out")
        .arg(&pem.cert)
        .output()
        .expect("openssl runs");
    assert!(out.status.success(), "openssl req -x509: {out:?}");
    let both =
        std::fs::read_to_string(&pem.cert).unwrap() + &std::fs::read_to_string(&pem.key).unwrap();
    std::fs::write(&pem.combined, both).expect("write combined");
    pem
}

/// nginx `http {}` server on `port` with `client_max_body_size 100` in front of the collector's
/// HTTP port (`proxy_pass`) or, when `grpc`, its gRPC port (`grpc_pass` over h2c).
pub fn nginx_body_limit(port: u16, col: &Ports, grpc: bool) -> String {
    let (listen, pass) = if grpc {
        ("http2", format!("grpc_pass grpc://127.0.0.1:{}", col.grpc))
    } else {
        ("", format!("proxy_pass http://127.0.0.1:{}", col.http))
    };
    format!(
        "server {{\n listen 127.0.0.1:{port} {listen};\n client_max_body_size 100;\n location / {{ {pass}; }}\n}}\n"
    )
}

/// One test against the Go collector: a private directory, certificates, the collector as the
/// test configured it, and the placeholders its scenario uses (`GOCOL_GRPC_PORT`,
/// `GOCOL_HTTP_PORT`, `CA_FILE`, `CLIENT_CERT_FILE`, `CLIENT_KEY_FILE`, plus any `set`).
#[derive(Debug)]
pub struct GoWorld {
    pub dir: tempfile::TempDir,
    pub col: GoCol,
    values: HashMap<&'static str, String>,
}

impl GoWorld {
    /// Starts the collector with the spec `spec(&certs)` builds (certificates exist by then).
    pub fn new(spec: impl FnOnce(&Certs) -> Spec) -> GoWorld {
        let dir = super::tempdir();
        let certs = Certs::make(dir.path());
        let col = GoCol::start(dir.path(), &spec(&certs));
        let path = |p: &Path| p.display().to_string();
        let values = HashMap::from([
            ("GOCOL_GRPC_PORT", col.ports.grpc.to_string()),
            ("GOCOL_HTTP_PORT", col.ports.http.to_string()),
            ("CA_FILE", path(&certs.ca)),
            ("CLIENT_CERT_FILE", path(&certs.client.cert)),
            ("CLIENT_KEY_FILE", path(&certs.client.key)),
        ]);
        GoWorld { dir, col, values }
    }

    /// Another placeholder for the scenario's settings (`NGINX_PORT`, a certificate's path).
    pub fn set(&mut self, key: &'static str, value: impl Into<String>) {
        self.values.insert(key, value.into());
    }

    /// Runs scenario `name` of `scenarios/real/`, keeps its report, checks it against the
    /// scenario and, when it says `canary_arrived = true`, that the debug exporter logged the
    /// canary's trace id.
    pub fn run(&self, name: &str) -> Outcome {
        run_real(
            name,
            &self.values,
            "the Go collector",
            |id| self.col.saw_trace(id, Duration::from_secs(5)),
            || self.col.proc.log_text(),
        )
    }
}
