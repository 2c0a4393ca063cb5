//! Building blocks for tests that need real servers on loopback, and the scenario harness.
//!
//! Used from the test modules as `crate::support`. Every server binds `127.0.0.1:0` (or `[::1]:0`)
//! and stops when its handle is dropped.
pub mod catalogue;
pub mod certs;
pub mod collector_admin;
pub mod dns;
pub mod doctor_run;
pub mod fixes;
pub mod gitlab;
pub mod harness;
pub mod markdown;
pub mod normalize;
pub mod otlp;
pub mod ports;
pub mod probe;
pub mod proc;
pub mod process;
pub mod proxy;
pub mod raw;
pub mod real;
pub mod receivers;
pub mod rotel;
pub mod scenario;
pub mod schema;
mod selftest;
pub mod server;
pub mod settings;
pub mod tls;
