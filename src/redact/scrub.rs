//! `Scrubber`: context-free redaction plus the secret values known where it runs.

use super::{is_redacted, redact_json, redact_text, redacted_marker};
use std::fmt;

/// Context-free redaction plus the literal values known to be secret where it runs (tokens,
/// header values, passwords, key material read from the configuration): belt and braces for
/// outputs such as the support bundle, where a secret must not survive in any form.
#[derive(Clone, Default)]
pub struct Scrubber {
    known: Vec<String>,
}

impl fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Scrubber({} known secrets)", self.known.len())
    }
}

/// Shorter literals are left to the context-free rules: replacing them everywhere would
/// mangle ordinary words.
const MIN_KNOWN_LEN: usize = 6;

impl Scrubber {
    pub fn new() -> Scrubber {
        Scrubber::default()
    }

    /// Remembers a secret value, with its percent-decoded form and its longer words
    /// (`Bearer abc...` also hides `abc...` when printed alone).
    pub fn add(&mut self, value: &str) {
        let decoded = percent_encoding::percent_decode_str(value)
            .decode_utf8_lossy()
            .into_owned();
        for v in [value.to_string(), decoded] {
            let words: Vec<String> = v
                .split(|c: char| c.is_whitespace() || c == ',')
                .filter(|w| w.len() >= 8)
                .map(str::to_string)
                .collect();
            self.push(v.trim().to_string());
            for w in words {
                self.push(w);
            }
        }
    }

    fn push(&mut self, v: String) {
        if v.len() >= MIN_KNOWN_LEN && !is_redacted(&v) && !self.known.contains(&v) {
            self.known.push(v);
            // Longest first, so a value is replaced before any of its words.
            self.known.sort_by_key(|k| std::cmp::Reverse(k.len()));
        }
    }

    pub fn len(&self) -> usize {
        self.known.len()
    }

    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }

    /// Replaces every known secret, then applies the context-free rules.
    pub fn text(&self, text: &str) -> String {
        let mut t = text.to_string();
        for k in &self.known {
            if t.contains(k.as_str()) {
                t = t.replace(k.as_str(), &redacted_marker(k));
            }
        }
        redact_text(&t)
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
        let out = s
            .text("sent header value=Bearer PLANTEDHEADERVALUE; raw PLANTEDHEADERVALUE; abc stays");
        assert!(!out.contains("PLANTEDHEADERVALUE"), "{out}");
        assert!(out.contains("abc stays"), "{out}");
        let j = s
            .json(&serde_json::json!({"k": ["x PLANTEDHEADERVALUE"]}))
            .to_string();
        assert!(!j.contains("PLANTEDHEADERVALUE"), "{j}");
    }
}
