//! The integration tests, one binary.

mod blame;
mod blame_shutdown;
mod blame_time;
