//! What resolving the settings found wrong, as typed problems; `cause::config` words them.

use super::endpoint::EndpointError;
use super::kv::KvProblem;
use super::{Signal, Source};

/// One problem noticed while resolving the settings. Not an error: resolving goes on, and the
/// doctor's config stage turns each problem into a finding.
#[derive(Clone, Debug, PartialEq)]
pub enum Problem {
    /// A value that does not parse. `ignored`: the default applies instead (a warning, not an
    /// error). `signal` is `None` for a setting shared by every signal.
    Invalid {
        signal: Option<Signal>,
        source: Source,
        value: String,
        expected: String,
        ignored: bool,
    },
    /// An endpoint that is not a usable URL; `display` has its userinfo redacted.
    Endpoint {
        signal: Signal,
        source: Source,
        display: String,
        error: EndpointError,
    },
    /// An entry of a headers list that is not usable (names only: values are secrets).
    Headers {
        signal: Option<Signal>,
        source: Source,
        problem: KvProblem,
    },
    /// An entry of the resource attributes that is not usable.
    ResourceAttributes { source: Source, problem: KvProblem },
    /// An `OTEL_*` variable whose value is not UTF-8, so it was left out; `shown` has the
    /// non-ASCII bytes escaped (the wording redacts it when the variable is secret).
    NotUtf8 { variable: String, shown: String },
}

impl Problem {
    /// A value of `source` that does not parse; `expected` lists the valid values.
    pub fn invalid(
        signal: Option<Signal>,
        source: &Source,
        value: &str,
        expected: &str,
    ) -> Problem {
        Problem::Invalid {
            signal,
            source: source.clone(),
            value: value.to_owned(),
            expected: expected.to_owned(),
            ignored: false,
        }
    }

    /// Like [`Problem::invalid`], but the default applies instead of the value.
    pub fn invalid_ignored(
        signal: Option<Signal>,
        source: &Source,
        value: &str,
        expected: &str,
    ) -> Problem {
        Problem::Invalid {
            signal,
            source: source.clone(),
            value: value.to_owned(),
            expected: expected.to_owned(),
            ignored: true,
        }
    }

    pub fn headers(signal: Option<Signal>, source: &Source, problem: &KvProblem) -> Problem {
        Problem::Headers {
            signal,
            source: source.clone(),
            problem: problem.clone(),
        }
    }

    pub fn resource_attributes(source: &Source, problem: &KvProblem) -> Problem {
        Problem::ResourceAttributes {
            source: source.clone(),
            problem: problem.clone(),
        }
    }
}
