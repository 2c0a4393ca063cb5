//! What each `doctor otel` stage saw, as one typed `Diagnosis` per stage: stages return these,
//! `cause/<stage>.rs` picks the cause and words it in one match.

pub mod canary;
pub mod export;
pub mod protocol;

pub use canary::Diagnosis as Canary;
pub use export::Diagnosis as Export;
