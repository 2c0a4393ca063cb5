//! runner: a CI job runner whose telemetry explains itself.
//!
//! The core knows nothing of clap: `cli` parses, `app` turns parsed commands into calls here.

pub mod app;
pub mod bundle;
pub mod cause;
pub mod cli;
pub mod collector;
pub mod config;
pub mod doctor;
pub mod explain;
pub mod facts;
pub mod metrics;
pub mod redact;
pub mod report;
pub mod runner;
pub mod state;
pub mod telemetry;
pub mod tlsconf;

#[cfg(test)]
mod proptests;

/// The program's version, as shown by `--version` and written into reports.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
