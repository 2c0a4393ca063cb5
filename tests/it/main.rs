//! Integration tests, one binary (modules are added here as the suite is consolidated).

mod collector;
mod collector_live;
