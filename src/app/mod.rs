//! The application layer: turns parsed command-line values into calls on the core.
//!
//! The only user of `cli` (clap). It owns the process concerns: the tokio runtime, usage errors
//! and exit codes (`docs/exit-codes.md`, named by `report::Exit`). One file per command; the core takes plain option structs and
//! returns typed errors, which are worded and mapped to exit codes here.

mod bundle;
mod collector;
mod doctor;
mod explain;
mod run;

use crate::cli::{self, Cli, Command, DoctorCommand};
use crate::config::{Environment, Overrides, Protocol, Signal};
use crate::redact::Secret;
use crate::report::Exit;
use std::io::Write;
use std::process::ExitCode;

/// Runs the parsed command and returns the process exit code (`docs/exit-codes.md`).
pub fn main(cli: Cli) -> ExitCode {
    let env = Environment::from_process();
    // Secrets of the environment are known before anything is printed.
    crate::config::secrets::install(&env, None, None);
    let code = match cli.command {
        Command::Doctor(DoctorCommand::Otel(args)) => doctor::command(*args, &env),
        Command::Doctor(DoctorCommand::Bundle(args)) => bundle::command(&args, &env),
        Command::Doctor(DoctorCommand::Explain(args)) => explain::command(args),
        Command::Doctor(DoctorCommand::Collector(args)) => collector::command(args, &env),
        Command::Run(args) => run::command(&args, &env),
    };
    code.into()
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
pub fn usage_error(message: impl std::fmt::Display) -> Exit {
    let text = crate::redact::egress::scrub(&format!("runner: {message}\n"));
    let _ = std::io::stderr().write_all(text.as_bytes());
    Exit::Usage
}
