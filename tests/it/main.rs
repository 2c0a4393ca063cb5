//! The integration tests, one binary.

mod blame;
mod blame_time;
mod blame_shutdown;
