//! Entry point: parse the command line and hand it to the application.

use clap::Parser as _;

fn main() -> std::process::ExitCode {
    match runner::cli::Cli::try_parse() {
        Ok(cli) => runner::app::main(cli),
        Err(e) => runner::app::flag_error(&e),
    }
}
