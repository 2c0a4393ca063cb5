//! Command-line types (clap only). The core never sees these: `app` converts them.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "runner",
    version,
    about = "A CI job runner whose telemetry explains itself",
    long_about = "A CI job runner whose telemetry explains itself.\n\n\
        `runner doctor otel` finds out why traces do not arrive at an OpenTelemetry collector \
        and says exactly what to change.",
    after_help = "Examples:\n  \
        runner doctor otel\n  \
        runner doctor otel --endpoint http://localhost:4318 --protocol http/protobuf\n  \
        runner doctor explain 'tls: first record does not look like a TLS handshake'\n  \
        runner run -c config.toml"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the runner: take jobs from the coordinator and trace them (a pre-flight doctor runs first)
    Run(RunArgs),
    /// Diagnose the runner's telemetry
    #[command(subcommand)]
    Doctor(DoctorCommand),
}

#[derive(Debug, Subcommand)]
pub enum DoctorCommand {
    /// Diagnose the OTLP export path that `runner run` would use, end to end
    #[command(after_help = "Examples:\n  \
        runner doctor otel\n  \
        OTEL_EXPORTER_OTLP_ENDPOINT=https://collector:4317 runner doctor otel\n  \
        runner doctor otel --endpoint http://localhost:4318 --protocol http/protobuf --json\n  \
        runner doctor otel -c /etc/runner/config.toml --signal all -v\n\n\
        Exit codes: 0 nothing stops telemetry (warnings allowed), 1 an error was found,\n\
        2 the doctor could not run as asked.")]
    Otel(Box<OtelArgs>),
    /// Write a support bundle (.tar.gz, mode 0600) for a ticket
    #[command(after_help = "Example:\n  runner doctor bundle -o runner-support.tar.gz")]
    Bundle(BundleArgs),
    /// Explain an error line copied from an SDK's or collector's log (offline)
    #[command(after_help = "Examples:\n  \
        runner doctor explain 'transport: authentication handshake failed: EOF'\n  \
        grep -i error collector.log | runner doctor explain\n  \
        runner doctor explain --file collector.log\n  \
        runner doctor explain --check 'dial tcp 127.0.0.1:4317: connect: connection refused'")]
    Explain(ExplainArgs),
    /// Diagnose an OpenTelemetry Collector: its configuration (file:line on every finding), its live metrics, health and log
    #[command(after_help = "Examples:\n  \
        runner doctor collector otelcol-config.yaml\n  \
        runner doctor collector base.yaml extras.yaml --collector-version 0.135\n  \
        runner doctor collector manifest.yaml --json\n  \
        runner doctor collector agent.yaml --gateway gateway.yaml --gateway gateway-extra.yaml\n  \
        runner doctor collector config.yaml --output sarif > collector.sarif\n  \
        runner doctor collector config.yaml --metrics-url http://127.0.0.1:8888/metrics --collector-log otelcol.log\n\n\
        Files are merged in order as the collector merges several --config files (maps merge,\n\
        lists are replaced); Kubernetes manifests (ConfigMap, OpenTelemetryCollector, Service) are read too.\n\
        With --gateway, the files before it are the agent and the --gateway files the collector it\n\
        exports to: each agent exporter aimed at the gateway must match a gateway receiver (port,\n\
        gRPC or HTTP, scheme and TLS, the auth header, a pipeline of its signal).\n\
        Exit codes: 0 nothing stops telemetry (warnings allowed), 1 an error was found,\n\
        2 the doctor could not run as asked.")]
    Collector(CollectorArgs),
}

#[derive(Debug, Args)]
pub struct CollectorArgs {
    /// Collector configuration files or Kubernetes manifests, merged in order
    #[arg(required_unless_present_any = ["metrics_url", "health_url"], value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The running collector's own metrics (Prometheus text), read twice for rates, e.g. http://127.0.0.1:8888/metrics
    #[arg(long, value_name = "URL")]
    pub metrics_url: Option<String>,
    /// The collector's health_check extension, e.g. http://127.0.0.1:13133/
    #[arg(long, value_name = "URL")]
    pub health_url: Option<String>,
    /// The collector's log: its error lines are explained and attached to the failing exporter
    #[arg(long, value_name = "FILE", requires = "metrics_url")]
    pub collector_log: Option<PathBuf>,
    /// Time between the two reads of --metrics-url
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = crate::config::duration::parse)]
    pub interval: std::time::Duration,
    /// Per request to the live collector
    #[arg(long, value_name = "DURATION", default_value = "3s", value_parser = crate::config::duration::parse)]
    pub timeout: std::time::Duration,
    /// Collector version to judge against, e.g. 0.135 (default: the manifest's image tag, else the newest known)
    #[arg(long, value_name = "VERSION")]
    pub collector_version: Option<String>,
    /// The gateway collector the given configuration (the agent) exports to: its files, repeatable;
    /// the agent's exporters are checked against the gateway's receivers
    #[arg(long, value_name = "FILE")]
    pub gateway: Vec<PathBuf>,
    /// Output format: text, json, sarif (SARIF 2.1.0 for code scanning), codequality (GitLab Code Quality)
    #[arg(long, value_enum, default_value = "text")]
    pub output: CollectorOutput,
    /// Short for --output json
    #[arg(long)]
    pub json: bool,
    /// Show evidence per component and finding
    #[arg(short, long)]
    pub verbose: bool,
}

/// The output formats of `doctor collector`: those of `doctor otel` and two for CI pipelines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CollectorOutput {
    Text,
    Json,
    Sarif,
    Codequality,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ProtocolArg {
    #[value(name = "grpc")]
    Grpc,
    #[value(name = "http/protobuf")]
    HttpProtobuf,
    #[value(name = "http/json")]
    HttpJson,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SignalArg {
    Traces,
    Metrics,
    Logs,
    All,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BackendArg {
    Jaeger,
    Tempo,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PreflightArg {
    Off,
    Warn,
    Strict,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Where the configuration comes from; shared by every command that reads it.
#[derive(Debug, Args, Clone)]
pub struct ConfigArg {
    /// Config file (default: ./config.toml when present)
    #[arg(
        short = 'c',
        long = "config",
        env = "RUNNER_CONFIG",
        value_name = "FILE"
    )]
    pub config: Option<PathBuf>,
}

/// The exporter settings a flag can override (`docs/settings.md`).
#[derive(Debug, Args, Clone, Default)]
pub struct ExporterArgs {
    /// OTLP endpoint URL (http, https, grpc, grpcs)
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// OTLP protocol
    #[arg(long, value_enum)]
    pub protocol: Option<ProtocolArg>,
    /// Use plaintext for a scheme-less gRPC endpoint
    #[arg(long)]
    pub insecure: bool,
    /// Header sent with every export, K=V (repeatable)
    #[arg(long = "header", value_name = "K=V")]
    pub headers: Vec<String>,
    /// CA certificate (PEM) to trust in addition to the system's
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Client certificate (PEM) for mTLS
    #[arg(long, value_name = "FILE")]
    pub client_cert: Option<PathBuf>,
    /// Client private key (PEM) for mTLS
    #[arg(long, value_name = "FILE")]
    pub client_key: Option<PathBuf>,
    /// Which signals to check (default: every signal the configuration enables, traces at least)
    #[arg(long, value_enum)]
    pub signal: Option<SignalArg>,
}

#[derive(Debug, Args)]
pub struct OtelArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    #[command(flatten)]
    pub exporter: ExporterArgs,
    /// Bound of each connection step (DNS, TCP, TLS, proxy), e.g. 3s, 500ms [default: 3s]. An answer is awaited as long as the exporter waits (OTEL_EXPORTER_OTLP_TIMEOUT, default 10s); a --timeout given here bounds that wait too
    #[arg(long, value_parser = crate::config::duration::parse, value_name = "DURATION")]
    pub timeout: Option<std::time::Duration>,
    /// Do not send a canary span through the telemetry pipeline
    #[arg(long)]
    pub no_canary: bool,
    /// Ask this name server instead of the system's
    #[arg(long, value_name = "HOST:PORT")]
    pub dns_server: Option<std::net::SocketAddr>,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub output: OutputFormat,
    /// Short for --output json
    #[arg(long)]
    pub json: bool,
    /// Show every setting and what each step sent and received, in order (like curl -v)
    #[arg(short, long)]
    pub verbose: bool,
    /// Backend to poll for proof that the canary arrived
    #[arg(long, value_enum, requires = "backend_url")]
    pub backend: Option<BackendArg>,
    /// Base URL of the backend's query API (e.g. http://localhost:16686 for Jaeger)
    #[arg(long, value_name = "URL", requires = "backend")]
    pub backend_url: Option<String>,
    /// The collector's configuration: compare the runner's settings with the receiver that would take them
    #[arg(long, value_name = "FILE")]
    pub collector_config: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BundleArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// Where to write the bundle (.tar.gz) [default: runner-support-HOST-UTCTIME.tar.gz here]
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Overwrite an existing file
    #[arg(long)]
    pub force: bool,
    /// Bound of each connection step of the fresh doctor report [default: 3s]; given here, it bounds the waits for an answer too (else the exporter's timeout)
    #[arg(long, value_parser = crate::config::duration::parse, value_name = "DURATION")]
    pub timeout: Option<std::time::Duration>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The error text; read from standard input when absent or `-`
    #[arg(conflicts_with = "file")]
    pub text: Option<String>,
    /// Explain a whole log: find its export errors and group them by cause (`-` reads standard input)
    #[arg(long, value_name = "LOG")]
    pub file: Option<std::path::PathBuf>,
    /// Run the doctor on the endpoint the line names and say which candidate the wire confirms
    #[arg(long)]
    pub check: bool,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub output: OutputFormat,
    /// Short for --output json
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// Pre-flight doctor at start-up: off, warn (never stops), strict (exit 1 on an error)
    #[arg(long, value_enum)]
    pub preflight: Option<PreflightArg>,
    /// Pre-flight budget
    #[arg(long, default_value = "2s", value_parser = crate::config::duration::parse, value_name = "DURATION")]
    pub preflight_budget: std::time::Duration,
    /// Log format of the runner's own logs
    #[arg(long, value_enum, default_value = "text")]
    pub log_format: LogFormat,
    /// Serve Prometheus metrics (/metrics) and /healthz here (overrides `listen_address`)
    #[arg(long, value_name = "HOST:PORT", value_parser = crate::config::listen::parse_listen_address)]
    pub listen_address: Option<crate::config::listen::ListenAddress>,
}
