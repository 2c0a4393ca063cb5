//! The integration tests, one binary.

mod explain_corpus;
