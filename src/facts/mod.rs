//! Typed observations: what probes and the pipeline saw, in the shape wording consumes.
//!
//! Probes (`doctor`, `telemetry`) produce these; `cause` turns them into sentences. Nothing here
//! is prose, and nothing here runs I/O.

pub mod answer;
pub mod collector;
pub mod collector_cross;
pub mod collector_live;
pub mod diagnosis;
pub mod grpc_code;
pub mod net;
pub mod peer_text;
pub mod pipeline;
pub mod proxy;
pub mod skip;
pub mod target;
pub mod verify;

pub use diagnosis::tcp::CloseKind;
pub use net::{http_version, ConnectFailure, PeerDid};
pub use pipeline::{ExportFailure, FailureKind, PartialSuccess, SpanPartialSuccess};
pub use proxy::ProxyError;
pub use skip::Skip;
pub use target::Target;
pub use verify::{Change, Observed, PathProblem, TlsShortfall, TlsSign, Tried, Waiting};
