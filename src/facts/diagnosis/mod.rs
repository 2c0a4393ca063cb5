//! What each stage of `doctor otel` saw, one `Diagnosis` enum per stage: everything the
//! stage's wording (`cause::<stage>::finding`) needs, and nothing that is prose.

pub mod backend;
pub mod dns;
pub mod tcp;
pub mod tls;

pub use backend::Diagnosis as Backend;
pub use dns::Diagnosis as Dns;
pub use tcp::Diagnosis as Tcp;
pub use tls::Diagnosis as Tls;
