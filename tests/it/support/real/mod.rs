//! Real components for the doctor's end-to-end tests: rotel, otelcol-contrib, nginx, haproxy and
//! dnsmasq run as plain processes on loopback ports, with configurations and certificates made at
//! test time.

pub mod blocks;
pub mod certs;
pub mod dnsmasq;
pub mod doctor;
pub mod gocol;
pub mod haproxy;
pub mod nginx;
pub mod otelcol;
pub mod scenario;
pub mod world;

/// A private directory for one test's configurations, certificates and logs.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("runner-real-")
        .tempdir()
        .expect("tempdir")
}
