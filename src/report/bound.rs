//! An upper size for a whole report: evidence strings and lists are cut (saying how much was
//! left out), and so is any sentence that quotes a long value.

use super::Report;
use serde_json::Value;

/// The longest string kept in evidence (bytes, cut at a character boundary).
pub const MAX_EVIDENCE_STRING: usize = 16 * 1024;
/// The most items kept in an evidence list.
pub const MAX_EVIDENCE_ITEMS: usize = 50;
/// The longest summary, explanation or fix.
pub const MAX_SENTENCE: usize = 4 * 1024;
/// Evidence is not walked deeper than this.
const MAX_DEPTH: usize = 16;

/// Cuts every part of the report to its bound. With at most a few dozen checks and findings,
/// the whole report stays within a few MiB whatever a peer sent.
pub fn bound(report: &mut Report) {
    for t in &mut report.targets {
        for c in &mut t.checks {
            cut_string(&mut c.summary, MAX_SENTENCE);
            bound_value(&mut c.evidence, 0);
        }
    }
    for f in &mut report.findings {
        cut_string(&mut f.summary, MAX_SENTENCE);
        cut_string(&mut f.explanation, MAX_SENTENCE);
        cut_string(&mut f.fix, MAX_SENTENCE);
        bound_value(&mut f.evidence, 0);
    }
    if let Some(c) = &mut report.canary {
        if let Some(e) = &mut c.error {
            cut_string(e, MAX_SENTENCE);
        }
    }
}

fn bound_value(v: &mut Value, depth: usize) {
    match v {
        Value::String(s) => cut_string(s, MAX_EVIDENCE_STRING),
        Value::Array(a) => {
            if a.len() > MAX_EVIDENCE_ITEMS {
                let more = a.len() - MAX_EVIDENCE_ITEMS;
                a.truncate(MAX_EVIDENCE_ITEMS);
                a.push(Value::String(format!("… ({more} more)")));
            }
            for x in a.iter_mut() {
                bound_value(x, depth + 1);
            }
        }
        Value::Object(o) => {
            if depth >= MAX_DEPTH {
                *v = Value::String("… (nested too deep)".into());
                return;
            }
            for (_, x) in o.iter_mut() {
                bound_value(x, depth + 1);
            }
        }
        _ => {}
    }
}

/// Cuts `s` to at most `max` bytes at a character boundary, saying how much was left out.
pub fn cut_string(s: &mut String, max: usize) {
    if s.len() <= max {
        return;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let more = s.len() - end;
    s.truncate(end);
    s.push_str(&format!("… ({more} bytes more)"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_lists_are_cut_at_char_boundaries() {
        let mut s = "é".repeat(MAX_SENTENCE);
        cut_string(&mut s, MAX_SENTENCE);
        assert!(
            s.ends_with(&format!("… ({} bytes more)", MAX_SENTENCE)),
            "{}",
            &s[s.len() - 30..]
        );
        let mut v = serde_json::json!({"sans": (0..5000).map(|i| format!("h{i}.test")).collect::<Vec<_>>()});
        bound_value(&mut v, 0);
        let a = v["sans"].as_array().unwrap();
        assert_eq!(a.len(), MAX_EVIDENCE_ITEMS + 1);
        assert_eq!(a.last().unwrap(), "… (4950 more)");
    }
}
