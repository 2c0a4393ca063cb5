//! A small JSON Schema checker for docs/report-schema.json: the keywords that file uses
//! (`type`, `const`, `enum`, `required`, `properties`, `items`, `pattern`, `minimum`,
//! `minLength`). An unknown keyword fails loudly, so the schema cannot silently outgrow it.

use serde_json::Value;

const KNOWN: &[&str] = &[
    "$schema",
    "$id",
    "title",
    "description",
    "type",
    "const",
    "enum",
    "required",
    "properties",
    "items",
    "pattern",
    "minimum",
    "minLength",
];

/// The report schema of the repository.
pub fn report_schema() -> Value {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report-schema.json");
    serde_json::from_str(&std::fs::read_to_string(&p).expect("docs/report-schema.json"))
        .expect("docs/report-schema.json is JSON")
}

/// Every place where `value` breaks `schema`, as `path: problem`.
pub fn check(schema: &Value, value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(schema, value, "$", &mut out);
    out
}

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "null" => v.is_null(),
        _ => false,
    }
}

fn walk(s: &Value, v: &Value, at: &str, out: &mut Vec<String>) {
    let Some(s) = s.as_object() else { return };
    for k in s.keys() {
        if !KNOWN.contains(&k.as_str()) {
            out.push(format!(
                "{at}: schema keyword {k} is not supported by the checker"
            ));
        }
    }
    if let Some(t) = s.get("type") {
        let ok = match t {
            Value::String(t) => type_ok(t, v),
            Value::Array(ts) => ts.iter().any(|t| t.as_str().is_some_and(|t| type_ok(t, v))),
            _ => false,
        };
        if !ok {
            out.push(format!("{at}: {v} is not of type {t}"));
            return;
        }
    }
    if let Some(c) = s.get("const") {
        if c != v {
            out.push(format!("{at}: {v} is not {c}"));
        }
    }
    if let Some(Value::Array(e)) = s.get("enum") {
        if !e.contains(v) {
            out.push(format!(
                "{at}: {v} is not one of {}",
                Value::Array(e.clone())
            ));
        }
    }
    if let (Some(Value::String(p)), Some(text)) = (s.get("pattern"), v.as_str()) {
        match regex_lite(p, text) {
            Some(true) => {}
            Some(false) => out.push(format!("{at}: {text:?} does not match {p}")),
            None => out.push(format!("{at}: pattern {p} is not supported by the checker")),
        }
    }
    if let (Some(m), Some(n)) = (s.get("minimum").and_then(Value::as_f64), v.as_f64()) {
        if n < m {
            out.push(format!("{at}: {n} < {m}"));
        }
    }
    if let (Some(m), Some(text)) = (s.get("minLength").and_then(Value::as_u64), v.as_str()) {
        if (text.chars().count() as u64) < m {
            out.push(format!("{at}: shorter than {m}"));
        }
    }
    if let (Some(Value::Array(req)), Some(obj)) = (s.get("required"), v.as_object()) {
        for r in req.iter().filter_map(Value::as_str) {
            if !obj.contains_key(r) {
                out.push(format!("{at}: lacks required {r}"));
            }
        }
    }
    if let (Some(Value::Object(props)), Some(obj)) = (s.get("properties"), v.as_object()) {
        for (k, sub) in props {
            if let Some(x) = obj.get(k) {
                walk(sub, x, &format!("{at}.{k}"), out);
            }
        }
    }
    if let (Some(items), Some(arr)) = (s.get("items"), v.as_array()) {
        for (i, x) in arr.iter().enumerate() {
            walk(items, x, &format!("{at}[{i}]"), out);
        }
    }
}

/// The patterns the schema uses: `^[class]{n}$` and `^[class][class]*$` over ASCII classes.
fn regex_lite(p: &str, text: &str) -> Option<bool> {
    let class = |c: &str| -> Option<Vec<(char, char)>> {
        let inner = c.strip_prefix('[')?.strip_suffix(']')?;
        let cs: Vec<char> = inner.chars().collect();
        let mut ranges = Vec::new();
        let mut i = 0;
        while i < cs.len() {
            if i + 2 < cs.len() && cs[i + 1] == '-' {
                ranges.push((cs[i], cs[i + 2]));
                i += 3;
            } else {
                ranges.push((cs[i], cs[i]));
                i += 1;
            }
        }
        Some(ranges)
    };
    let is =
        |ranges: &[(char, char)], ch: char| ranges.iter().any(|(a, b)| (*a..=*b).contains(&ch));
    let body = p.strip_prefix('^')?.strip_suffix('$')?;
    if let Some((c, n)) = body.split_once("]{") {
        let ranges = class(&format!("{c}]"))?;
        let n: usize = n.strip_suffix('}')?.parse().ok()?;
        return Some(text.chars().count() == n && text.chars().all(|ch| is(&ranges, ch)));
    }
    let (first, rest) = body.split_once("][")?;
    let ranges1 = class(&format!("{first}]"))?;
    let ranges2 = class(&format!("[{}", rest.strip_suffix('*')?))?;
    let mut chars = text.chars();
    Some(chars.next().is_some_and(|ch| is(&ranges1, ch)) && chars.all(|ch| is(&ranges2, ch)))
}

/// Every error of `value` against a published schema in `tests/data/schemas/` (any draft), as
/// PyPI's `jsonschema` reports them (installed into target/venv by `scripts/test-deps.sh`).
pub fn published(schema_file: &str, value: &Value) -> Vec<String> {
    use std::io::Write;
    let schema = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/schemas")
        .join(schema_file);
    let script = "import json,sys,jsonschema\n\
        s=json.load(open(sys.argv[1]))\n\
        v=json.load(sys.stdin)\n\
        c=jsonschema.validators.validator_for(s)\n\
        c.check_schema(s)\n\
        for e in c(s).iter_errors(v): print('/'.join(map(str,e.absolute_path))+': '+e.message)\n";
    let python = crate::support::proc::test_dep("JSONSCHEMA_PYTHON");
    let mut child = std::process::Command::new(python)
        .args(["-c", script])
        .arg(&schema)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(value.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "jsonschema failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checker_catches_what_the_schema_forbids() {
        let s = report_schema();
        let bad = serde_json::json!({ "schema": "other", "verdict": "fine", "targets": [],
            "findings": [{ "cause": "Bad Cause" }], "canary": { "trace_id": "xyz" } });
        let problems = check(&s, &bad).join("\n");
        for must in [
            "$.schema",
            "$.verdict",
            "lacks required duration_ms",
            "$.findings[0].cause",
            "lacks required severity",
            "$.canary.trace_id",
        ] {
            assert!(problems.contains(must), "{must} not caught:\n{problems}");
        }
        assert_eq!(regex_lite("^[0-9a-f]{16}$", "0123456789abcdef"), Some(true));
        assert_eq!(regex_lite("^[a-z][a-z0-9_]*$", "tcp_refused"), Some(true));
        assert_eq!(regex_lite("^[a-z][a-z0-9_]*$", "9x"), Some(false));
    }
}
