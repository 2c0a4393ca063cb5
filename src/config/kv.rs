//! The `k=v,k2=v2` lists of `OTEL_EXPORTER_OTLP_HEADERS` and `OTEL_RESOURCE_ATTRIBUTES`
//! (W3C-baggage-like, values percent-encoded). Problems never quote a value: it may be a secret.

use crate::redact::Secret;

/// What is wrong with one entry of a list. `entry` is 1-based.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KvProblem {
    /// No `=` in the entry; `colon` when it looks like an HTTP `Name: value` line.
    MissingEquals {
        entry: usize,
        colon: bool,
    },
    EmptyKey {
        entry: usize,
    },
    /// The value is not valid percent-encoded UTF-8.
    BadEncoding {
        key: String,
    },
    /// Not a valid HTTP header name.
    BadHeaderName {
        key: String,
    },
    /// The decoded value has characters HTTP does not allow (control characters, line breaks).
    BadHeaderValue {
        key: String,
    },
    /// A space that was not percent-encoded: some SDKs reject the whole variable.
    UnencodedSpace {
        key: String,
    },
    /// More entries than `MAX_ENTRIES`: the rest were not read.
    TooMany {
        limit: usize,
    },
}

/// The most entries of one list that are read (headers or resource attributes): enough for
/// any real configuration, and a bound on memory for a hostile one.
pub const MAX_ENTRIES: usize = 256;

/// Parses a list; returns the decoded pairs and every problem. Entries with problems other
/// than `UnencodedSpace` are dropped.
pub fn parse_list(text: &str) -> (Vec<(String, Secret)>, Vec<KvProblem>) {
    let mut pairs = Vec::new();
    let mut problems = Vec::new();
    for (i, entry) in text.split(',').enumerate() {
        let entry_no = i + 1;
        if entry.trim().is_empty() {
            continue;
        }
        if pairs.len() == MAX_ENTRIES {
            problems.push(KvProblem::TooMany { limit: MAX_ENTRIES });
            break;
        }
        let Some((k, v)) = entry.split_once('=') else {
            problems.push(KvProblem::MissingEquals {
                entry: entry_no,
                colon: entry.contains(':'),
            });
            continue;
        };
        let key = k.trim();
        if key.is_empty() {
            problems.push(KvProblem::EmptyKey { entry: entry_no });
            continue;
        }
        let raw_value = v.trim();
        if raw_value.contains(' ') {
            problems.push(KvProblem::UnencodedSpace {
                key: key.to_owned(),
            });
        }
        match percent_encoding::percent_decode_str(raw_value).decode_utf8() {
            Ok(value) if !bad_percent(raw_value) => {
                pairs.push((key.to_owned(), Secret::new(value.into_owned())));
            }
            _ => problems.push(KvProblem::BadEncoding {
                key: key.to_owned(),
            }),
        }
    }
    (pairs, problems)
}

/// A `%` not followed by two hex digits: the decoder passes it through, but it means the value
/// was not encoded (e.g. a literal `100%`).
fn bad_percent(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        c == b'%'
            && !(i + 2 < b.len() && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit())
    })
}

/// Checks that a pair is a valid HTTP header.
pub fn check_header(name: &str, value: &Secret) -> Option<KvProblem> {
    if http::HeaderName::from_bytes(name.as_bytes()).is_err() {
        return Some(KvProblem::BadHeaderName {
            key: name.to_owned(),
        });
    }
    if http::HeaderValue::from_str(value.expose()).is_err() {
        return Some(KvProblem::BadHeaderValue {
            key: name.to_owned(),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_percent_encoded_values() {
        let (p, probs) = parse_list("Authorization=Basic%20dXNlcjpwYXNz, x-tenant = a ,");
        assert!(probs.is_empty(), "{probs:?}");
        assert_eq!(p[0].0, "Authorization");
        assert_eq!(p[0].1.expose(), "Basic dXNlcjpwYXNz");
        assert_eq!((p[1].0.as_str(), p[1].1.expose()), ("x-tenant", "a"));
    }

    #[test]
    fn problems_never_carry_values() {
        let (_, probs) = parse_list("Authorization: Bearer s3cr3t,=v,k=100%,sp=a b");
        assert_eq!(
            probs,
            vec![
                KvProblem::MissingEquals {
                    entry: 1,
                    colon: true
                },
                KvProblem::EmptyKey { entry: 2 },
                KvProblem::BadEncoding { key: "k".into() },
                KvProblem::UnencodedSpace { key: "sp".into() },
            ]
        );
    }

    #[test]
    fn header_validity() {
        assert!(check_header("x-ok", &Secret::new("v")).is_none());
        assert!(matches!(
            check_header("bad name", &Secret::new("v")),
            Some(KvProblem::BadHeaderName { .. })
        ));
        assert!(matches!(
            check_header("k", &Secret::new("a\nb")),
            Some(KvProblem::BadHeaderValue { .. })
        ));
    }
}
