//! Typed observations shared between probes, parsers and the wording in `cause`.

pub mod collector;
pub mod collector_cross;
pub mod collector_live;
