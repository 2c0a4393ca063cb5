//! `runner doctor collector`: a collector's configuration, and when given its live endpoints and
//! log, diagnosed and rendered.

use super::usage_error;
use crate::cli::{self, CollectorOutput};
use crate::collector::{self, live::LiveOptions, Options};
use crate::config::Environment;
use crate::report;
use crate::report::Exit;
use std::io::IsTerminal;

pub fn command(args: cli::CollectorArgs, env: &Environment) -> Exit {
    let opts = Options {
        files: args.files,
        version: args.collector_version,
        gateway: args.gateway,
        live: Some(LiveOptions {
            metrics_url: args.metrics_url,
            health_url: args.health_url,
            log: args.collector_log,
            interval: args.interval,
            timeout: args.timeout,
        }),
    };
    let report = match collector::diagnose(&opts, &|k| env.get(k).map(str::to_owned)) {
        Ok(r) => r,
        Err(e) => return usage_error(e.0),
    };
    let format = if args.json {
        CollectorOutput::Json
    } else {
        args.output
    };
    let out = match format {
        CollectorOutput::Json => report::collector::render_json(&report),
        CollectorOutput::Sarif => report::sarif::render(&report),
        CollectorOutput::Codequality => report::codequality::render(&report),
        CollectorOutput::Text => {
            let color = std::io::stdout().is_terminal() && env.get("NO_COLOR").is_none();
            report::collector::render_text(&report, color, args.verbose)
        }
    };
    crate::redact::egress::print(&out);
    report.exit_code()
}
