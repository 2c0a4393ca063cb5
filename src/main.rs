//! Entry point: parse the command line and hand it to the application.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = runner::cli::Cli::parse();
    runner::app::main(cli)
}
