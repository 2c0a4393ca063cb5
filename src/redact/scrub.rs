//! `Scrubber`: context-free redaction plus the secret values known where it runs.

use super::egress::Secrets;
use super::{redact_json, redact_text};
use std::fmt;

/// Context-free redaction plus the literal values known to be secret where it runs (tokens,
/// header values, passwords, key material read from the configuration), in every form the
/// egress scrubber knows (plain, percent-encoded, base64, JSON-escaped).
#[derive(Clone, Default)]
pub struct Scrubber {
    known: Secrets,
}

impl fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Scrubber({:?})", self.known)
    }
}

impl Scrubber {
    pub fn new() -> Scrubber {
        Scrubber::default()
    }

    /// Remembers a secret value, with its percent-decoded form and its longer words
    /// (`Bearer abc...` also hides `abc...` when printed alone).
    pub fn add(&mut self, value: &str) {
        self.known.add(value);
    }

    /// Remembers a header's value (see `Secrets::add_header`: short values only beside the
    /// header's name).
    pub fn add_header(&mut self, name: &str, value: &str) {
        self.known.add_header(name, value);
    }

    /// Remembers exactly this value, not its words (a whole key file).
    pub fn add_exact(&mut self, value: &str) {
        self.known.add_exact(value);
    }

    /// The known values, for the egress scrubber.
    pub fn secrets(&self) -> &Secrets {
        &self.known
    }

    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }

    /// Replaces every known secret, then applies the context-free rules.
    pub fn text(&self, text: &str) -> String {
        redact_text(&self.known.scrub(text))
    }

    /// `text` applied to every string of a JSON document, after `redact_json`.
    pub fn json(&self, value: &serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        fn walk(s: &Scrubber, v: &Value) -> Value {
            match v {
                Value::String(x) => Value::String(s.text(x)),
                Value::Array(a) => Value::Array(a.iter().map(|v| walk(s, v)).collect()),
                Value::Object(o) => {
                    Value::Object(o.iter().map(|(k, v)| (s.text(k), walk(s, v))).collect())
                }
                other => other.clone(),
            }
        }
        walk(self, &redact_json(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubber_hides_known_values_in_any_form() {
        let mut s = Scrubber::new();
        s.add("Bearer%20PLANTEDHEADERVALUE");
        s.add("abc");
        let out = s.text(
            "sent header value=Bearer PLANTEDHEADERVALUE; raw PLANTEDHEADERVALUE; abc; abcd stays",
        );
        assert!(!out.contains("PLANTEDHEADERVALUE"), "{out}");
        // A short secret goes as a token; inside a longer word it is not that secret.
        assert!(
            !out.contains(" abc;") && out.contains("abcd stays"),
            "{out}"
        );
        let j = s
            .json(&serde_json::json!({"k": ["x PLANTEDHEADERVALUE"]}))
            .to_string();
        assert!(!j.contains("PLANTEDHEADERVALUE"), "{j}");
    }
}
