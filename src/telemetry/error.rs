//! Why the runner's own exporter could not be built or could not write: typed, worded once.

use std::path::PathBuf;

/// Why the exporter the settings select could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ExporterError {
    #[error("no traces settings")]
    NoTraces,
    #[error("no effective URL for traces")]
    NoUrl,
    #[error("endpoint `{0}` does not parse")]
    Endpoint(String),
    #[error("URL `{url}`: {message}")]
    Url { url: String, message: String },
    #[error("proxy URL `{url}` (from {source_name}): {why}")]
    Proxy {
        url: String,
        source_name: String,
        why: &'static str,
    },
    #[error("span file {}: {source}", path.display())]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Tls(#[from] crate::tlsconf::TlsSetupError),
    #[error("the OTLP exporter: {0}")]
    Build(#[from] opentelemetry_otlp::ExporterBuildError),
}

/// Why the console or file exporter could not write a batch.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("spans as JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("standard error: {0}")]
    Stderr(std::io::Error),
    #[error("{}: {source}", path.display())]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
}
