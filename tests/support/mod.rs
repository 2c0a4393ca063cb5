//! Building blocks for tests that need real servers on loopback, and the scenario harness.
//!
//! Used from test files with `mod support;`. Every server binds `127.0.0.1:0` (or `[::1]:0`)
//! and stops when its handle is dropped.
#![allow(dead_code)]

pub mod certs;
pub mod dns;
pub mod fixes;
pub mod harness;
pub mod normalize;
pub mod otlp;
pub mod proxy;
pub mod raw;
pub mod scenario;
pub mod schema;
pub mod server;
pub mod tls;
