//! Typed observations shared between probes, parsers and the wording in `cause`.

pub mod collector;
