//! The application layer: turns parsed command-line values into calls on the core.

use crate::cli::{self, Cli, Command, DoctorCommand, OutputFormat};
use crate::config::{self, Environment, Overrides, Protocol, Signal};
use crate::doctor::{self, BackendKind, BackendOptions, DoctorOptions};
use crate::redact::Secret;
use crate::report;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

/// Runs the parsed command and returns the process exit code (contract §3).
pub fn main(cli: Cli) -> ExitCode {
    let env = Environment::from_process();
    // Secrets of the environment are known before anything is printed.
    config::secrets::install(&env, None, None);
    let code = match cli.command {
        Command::Doctor(DoctorCommand::Otel(args)) => doctor_otel(args, &env),
        Command::Doctor(DoctorCommand::Bundle(args)) => crate::bundle::command(args, &env),
        Command::Doctor(DoctorCommand::Explain(args)) => crate::explain::command(args),
        Command::Run(args) => crate::runner::command(args, &env),
    };
    ExitCode::from(code)
}

/// Converts the exporter flags into the core's overrides.
pub fn overrides(config: &cli::ConfigArg, exporter: &cli::ExporterArgs) -> Overrides {
    Overrides {
        config_path: config.config.clone(),
        endpoint: exporter.endpoint.clone(),
        protocol: exporter.protocol.map(|p| match p {
            cli::ProtocolArg::Grpc => Protocol::Grpc,
            cli::ProtocolArg::HttpProtobuf => Protocol::HttpProtobuf,
            cli::ProtocolArg::HttpJson => Protocol::HttpJson,
        }),
        insecure: exporter.insecure,
        headers: exporter.headers.iter().map(Secret::new).collect(),
        ca_file: exporter.ca_file.clone(),
        client_cert: exporter.client_cert.clone(),
        client_key: exporter.client_key.clone(),
        signals: exporter.signal.map(|s| match s {
            cli::SignalArg::Traces => vec![Signal::Traces],
            cli::SignalArg::Metrics => vec![Signal::Metrics],
            cli::SignalArg::Logs => vec![Signal::Logs],
            cli::SignalArg::All => Signal::ALL.to_vec(),
        }),
        preflight: None,
    }
}

/// A multi-threaded runtime for the doctor and the runner.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime starts")
}

/// Prints a usage error (exit 2) to standard error.
pub fn usage_error(message: impl std::fmt::Display) -> u8 {
    let text = crate::redact::egress::scrub(&format!("runner: {message}\n"));
    let _ = std::io::stderr().write_all(text.as_bytes());
    2
}

fn doctor_otel(args: cli::OtelArgs, env: &Environment) -> u8 {
    let loaded = match config::load(&overrides(&args.config, &args.exporter), env) {
        Ok(l) => l,
        Err(e) => return usage_error(e),
    };
    config::secrets::install(env, None, Some(&loaded));
    let json = args.json || args.output == OutputFormat::Json;
    let stdout_tty = std::io::stdout().is_terminal();
    let opts = DoctorOptions {
        timeout: args.timeout,
        dns_server: args.dns_server,
        canary: !args.no_canary,
        verbose: args.verbose,
        progress: !json && std::io::stderr().is_terminal(),
        backend: match (args.backend, args.backend_url) {
            (Some(kind), Some(url)) => Some(BackendOptions {
                kind: match kind {
                    cli::BackendArg::Jaeger => BackendKind::Jaeger,
                    cli::BackendArg::Tempo => BackendKind::Tempo,
                },
                url,
            }),
            _ => None,
        },
    };
    let report = runtime().block_on(doctor::run(&loaded, env, &opts));
    let out = if json {
        report::json::render(&report)
    } else {
        let color = stdout_tty && env.get("NO_COLOR").is_none();
        report::text::render(&report, color, args.verbose)
    };
    crate::redact::egress::print(&out);
    report.exit_code()
}
