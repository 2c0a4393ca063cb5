//! `runner doctor explain`: reads the error text, matches it, prints the result.
//!
//! Exits (`docs/exit-codes.md`): `Ok` when at least one known failure matched, `Problem` when
//! none did, `Usage` when there was nothing to read. The text `-`, like `--file -`, means
//! standard input, as Unix tools read it.

use super::{runtime, usage_error};
use crate::cli::{ExplainArgs, OutputFormat};
use crate::explain;
use crate::report::Exit;
use std::io::{IsTerminal, Read};

/// Reads standard input up to `explain::MAX_INPUT` bytes; the rest is ignored (and said so).
fn read_stdin() -> std::io::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("runner: reading the error text from standard input (end with Ctrl-D)");
    }
    let mut buf = Vec::new();
    stdin
        .lock()
        .take(explain::MAX_INPUT as u64 + 1)
        .read_to_end(&mut buf)?;
    if buf.len() > explain::MAX_INPUT {
        buf.truncate(explain::MAX_INPUT);
        eprintln!("runner: standard input is longer than 1 MiB; only the first 1 MiB is explained");
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// `runner doctor explain`.
pub fn command(args: ExplainArgs) -> Exit {
    let json = args.json || args.output == OutputFormat::Json;
    if let Some(path) = &args.file {
        return log_command(path, json);
    }
    let input = match args.text.filter(|t| t != "-") {
        Some(t) => t,
        None => match read_stdin() {
            Ok(t) => t,
            Err(e) => return usage_error(format!("cannot read standard input: {e}")),
        },
    };
    if input.trim().is_empty() {
        return usage_error(
            "nothing to explain: give the error text as an argument or on standard input, e.g. \
             runner doctor explain 'tls: first record does not look like a TLS handshake'",
        );
    }
    let matches = explain::explain(&input);
    let ctx = explain::extract::context(&input);
    let checked = (args.check && !matches.is_empty()).then(|| check(&ctx, &matches));
    let out = if json {
        explain::render::json_with(&input, &matches, &ctx, checked.as_ref())
    } else {
        explain::render::text_with(&input, &matches, &ctx, checked.as_ref())
    };
    crate::redact::egress::print(&out);
    Exit::problem_if(matches.is_empty())
}

/// `runner doctor explain --file LOG` (`-` for standard input): `Ok` when an export error was
/// found, `Problem` when none, `Usage` when the file cannot be read.
fn log_command(path: &std::path::Path, json: bool) -> Exit {
    let summary = if path.as_os_str() == "-" {
        explain::logscan::scan(std::io::stdin().lock())
    } else {
        match std::fs::File::open(path) {
            Ok(f) => explain::logscan::scan(std::io::BufReader::with_capacity(1 << 16, f)),
            Err(e) => {
                return usage_error(format!("--file {}: cannot read it: {e}", path.display()))
            }
        }
    };
    let summary = match summary {
        Ok(s) => s,
        Err(e) => return usage_error(format!("--file {}: read failed: {e}", path.display())),
    };
    let out = if json {
        explain::render::log_json(&summary)
    } else {
        explain::render::log_text(&summary)
    };
    crate::redact::egress::print(&out);
    Exit::problem_if(summary.groups.is_empty())
}

/// `--check`: runs the doctor the line calls for (no canary, each step within
/// `check::STEP`, the whole within `check::BUDGET`) and judges the line's candidates by it.
fn check(ctx: &explain::extract::Context, matches: &[explain::Match]) -> explain::check::Outcome {
    use explain::check;
    let plan = check::plan(ctx, matches);
    let env = crate::config::Environment::from_process();
    let loaded = match crate::config::load(&plan.overrides, &env) {
        Ok(l) => l,
        Err(e) => return check::failed(plan.command, &e.to_string()),
    };
    let opts = crate::doctor::DoctorOptions {
        timeout: check::STEP,
        canary: false,
        ..crate::doctor::DoctorOptions::default()
    };
    let report = runtime().block_on(async {
        tokio::time::timeout(check::BUDGET, crate::doctor::run(&loaded, &env, &opts)).await
    });
    match report {
        Ok(report) => check::judge(plan, matches, &report.findings),
        Err(_) => check::failed(plan.command, "the doctor did not finish within 30 s"),
    }
}
