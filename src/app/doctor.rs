//! `runner doctor otel`: loads the settings, runs the doctor, renders the report.

use super::{overrides, runtime, usage_error};
use crate::cli::{self, OutputFormat};
use crate::config::{self, Environment};
use crate::doctor::{self, BackendKind, BackendOptions, DoctorOptions};
use crate::report;
use crate::report::Exit;
use std::io::IsTerminal;

pub fn command(args: cli::OtelArgs, env: &Environment) -> Exit {
    let loaded = match config::load(&overrides(&args.config, &args.exporter), env) {
        Ok(l) => l,
        Err(e) => return usage_error(e),
    };
    config::secrets::install(env, None, Some(&loaded));
    let json = args.json || args.output == OutputFormat::Json;
    let stdout_tty = std::io::stdout().is_terminal();
    // --collector-config: the collector's receivers, read before any probe (bad input: exit 2).
    let collector = if args.collector_config.is_empty() {
        None
    } else {
        let lookup = |k: &str| env.get(k).map(str::to_owned);
        match crate::collector::crosscheck::load_files(&args.collector_config, &lookup) {
            Ok(side) => Some(std::sync::Arc::new(side)),
            Err(e) => return usage_error(e.0),
        }
    };
    let opts = DoctorOptions {
        collector,
        timeout: args.timeout.unwrap_or(doctor::STEP_TIMEOUT),
        timeout_given: args.timeout.is_some(),
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
