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
    Otel(OtelArgs),
    /// Write a support bundle (.tar.gz, mode 0600) for a ticket
    #[command(after_help = "Example:\n  runner doctor bundle -o runner-support.tar.gz")]
    Bundle(BundleArgs),
    /// Explain an error line copied from an SDK's or collector's log (offline)
    #[command(after_help = "Examples:\n  \
        runner doctor explain 'transport: authentication handshake failed: EOF'\n  \
        grep -i error collector.log | runner doctor explain")]
    Explain(ExplainArgs),
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

/// The exporter settings a flag can override (contract §1).
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
    /// Bound of every network step, e.g. 3s, 500ms
    #[arg(long, default_value = "3s", value_parser = parse_duration, value_name = "DURATION")]
    pub timeout: std::time::Duration,
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
    /// Show raw evidence: bytes seen, error chains, timings per step
    #[arg(short, long)]
    pub verbose: bool,
    /// Backend to poll for proof that the canary arrived
    #[arg(long, value_enum, requires = "backend_url")]
    pub backend: Option<BackendArg>,
    /// Base URL of the backend's query API (e.g. http://localhost:16686 for Jaeger)
    #[arg(long, value_name = "URL", requires = "backend")]
    pub backend_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct BundleArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// Where to write the bundle (.tar.gz)
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Overwrite an existing file
    #[arg(long)]
    pub force: bool,
    /// Bound of every network step of the fresh doctor report
    #[arg(long, default_value = "3s", value_parser = parse_duration, value_name = "DURATION")]
    pub timeout: std::time::Duration,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The error text; read from standard input when absent
    pub text: Option<String>,
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
    #[arg(long, default_value = "2s", value_parser = parse_duration, value_name = "DURATION")]
    pub preflight_budget: std::time::Duration,
    /// Log format of the runner's own logs
    #[arg(long, value_enum, default_value = "text")]
    pub log_format: LogFormat,
}

/// Parses `3s`, `500ms`, `1m` (humantime), or a bare number of seconds, from 1 ms to 1 h:
/// zero and absurd values are usage errors (clap names the flag, exit 2).
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    crate::config::duration::parse(s).map_err(|e| crate::config::duration::explain(&e))
}
