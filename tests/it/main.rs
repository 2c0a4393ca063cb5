//! The integration tests, one binary.

mod explain_corpus;
mod explain_log;
mod explain_props;
