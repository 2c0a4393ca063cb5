//! Wording of values that are not text at all (invalid UTF-8 in a variable).

use crate::cause::{Cause, Finding, Severity};
use serde_json::json;

/// An `OTEL_*` variable whose value is not valid UTF-8: it is ignored, the next source or the
/// default applies. `shown` is the value with non-ASCII bytes escaped (redacted when secret).
pub fn env_not_utf8(name: &str, shown: &str) -> Finding {
    let shown = crate::redact::redact_env(name, shown);
    Finding::new(Cause::ConfigInvalid, Severity::Error, None)
        .text(
            format!("{name} is not valid UTF-8 (`{shown}`), so it is ignored"),
            "A variable whose value is not UTF-8 text cannot be read: the runner (like most \
             SDKs) skips it and uses the next source or the default, so the exporter does not \
             do what this variable intends.",
            format!(
                "Set {name} again as plain UTF-8 text (an editor or a shell with a non-UTF-8 \
                 locale may have written other bytes), e.g. `export {name}=...` in a UTF-8 terminal."
            ),
        )
        .evidence(json!({ "variable": name, "value_escaped": shown }))
}

#[cfg(test)]
mod tests {
    use crate::config::Problem;

    #[test]
    fn a_variable_that_is_not_utf8_is_named_with_its_bytes_escaped() {
        let f = crate::cause::config::finding(&crate::facts::diagnosis::Config::Problem(
            Problem::NotUtf8 {
                variable: "OTEL_EXPORTER_OTLP_ENDPOINT".into(),
                shown: "http://coll\\xffector:4317".into(),
            },
        ));
        assert!(
            f.summary.contains("OTEL_EXPORTER_OTLP_ENDPOINT")
                && f.summary.contains("\\xff")
                && f.summary.contains("not valid UTF-8"),
            "{}",
            f.summary
        );
    }
}
