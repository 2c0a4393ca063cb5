//! What each `doctor otel` stage saw, as one typed `Diagnosis` per stage: stages return these,
//! `cause/<stage>.rs` picks the cause and words it in one match (nothing here is prose).

pub mod backend;
pub mod canary;
pub mod config;
pub mod dns;
pub mod export;
pub mod protocol;
pub mod tcp;
pub mod tls;

pub use backend::Diagnosis as Backend;
pub use canary::Diagnosis as Canary;
pub use config::Diagnosis as Config;
pub use dns::Diagnosis as Dns;
pub use export::Diagnosis as Export;
pub use protocol::Diagnosis as Protocol;
pub use tcp::Diagnosis as Tcp;
pub use tls::Diagnosis as Tls;
