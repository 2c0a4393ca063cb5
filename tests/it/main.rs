//! Integration tests, one binary (modules are added here as the suite is consolidated).

mod collector;
mod collector_live;
mod collector_real;
#[path = "../real_support/mod.rs"]
mod real_support;
