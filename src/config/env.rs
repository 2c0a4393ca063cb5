//! A snapshot of the process environment, so resolution stays a pure function of its inputs.

use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Environment {
    vars: BTreeMap<String, String>,
    /// `OTEL_*` variables whose value is not valid UTF-8: name, and the value's bytes escaped.
    not_utf8: BTreeMap<String, String>,
}

impl Environment {
    /// The real process environment. A variable that is not valid UTF-8 is left out, and
    /// remembered when it is an `OTEL_*` one, so it becomes a finding rather than a silent skip.
    pub fn from_process() -> Environment {
        Environment::from_os(std::env::vars_os())
    }

    /// As `from_process`, from given pairs.
    pub fn from_os(
        pairs: impl IntoIterator<Item = (std::ffi::OsString, std::ffi::OsString)>,
    ) -> Environment {
        use std::os::unix::ffi::OsStrExt;
        let mut env = Environment::default();
        for (k, v) in pairs {
            match (k.to_str(), v.to_str()) {
                (Some(k), Some(v)) => {
                    env.vars.insert(k.to_owned(), v.to_owned());
                }
                _ => {
                    let name = String::from_utf8_lossy(k.as_bytes()).into_owned();
                    if name.starts_with("OTEL_") {
                        let shown = escape_bytes(v.as_bytes());
                        env.not_utf8.insert(name, shown);
                    }
                }
            }
        }
        env
    }

    /// `OTEL_*` variables whose value is not valid UTF-8 (name, escaped bytes).
    pub fn not_utf8(&self) -> impl Iterator<Item = (&str, &str)> {
        self.not_utf8.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Environment {
        Environment {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            not_utf8: BTreeMap::new(),
        }
    }

    /// The value of a variable; an empty value counts as unset, as the specification says.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl Environment {
    /// The value exactly as set, even when empty (to tell "set to empty" from "unset").
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// Every `OTEL_*` variable that is neither in the specification's list nor under a
    /// language-specific prefix, with the nearest known name when it looks like a typo.
    pub fn unknown_otel_variables(&self) -> Vec<(&str, Option<&'static str>)> {
        self.iter()
            .map(|(k, _)| k)
            .filter(|k| k.starts_with("OTEL_"))
            .filter(|k| !KNOWN_OTEL_VARS.contains(k))
            .filter(|k| !OTEL_PREFIXES.iter().any(|p| k.starts_with(p)))
            .map(|k| (k, nearest_known(k)))
            .collect()
    }
}

/// Bytes as ASCII, every other byte written `\xNN` (capped: a value is shown, not dumped).
fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &b in bytes.iter().take(200) {
        if b.is_ascii_graphic() || b == b' ' {
            out.push(b as char);
        } else {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    if bytes.len() > 200 {
        out.push_str(&format!("… ({} bytes more)", bytes.len() - 200));
    }
    out
}

/// The nearest name of the specification's list, when close enough to be a typo.
pub fn nearest_known(name: &str) -> Option<&'static str> {
    KNOWN_OTEL_VARS
        .iter()
        .map(|c| (strsim::levenshtein(name, c), *c))
        .filter(|(d, c)| *d <= 3.max(c.len() / 8))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Prefixes of variables owned by language SDKs, instrumentations and extensions: not ours to
/// judge, so never reported as unknown.
const OTEL_PREFIXES: &[&str] = &[
    "OTEL_PYTHON_",
    "OTEL_JAVA_",
    "OTEL_JAVAAGENT_",
    "OTEL_INSTRUMENTATION_",
    "OTEL_NODE_",
    "OTEL_DOTNET_",
    "OTEL_GO_",
    "OTEL_RUBY_",
    "OTEL_PHP_",
    "OTEL_CPP_",
    "OTEL_RUST_",
    "OTEL_EXPERIMENTAL_",
    "OTEL_SEMCONV_",
    "OTEL_EXPORTER_JAEGER_",
    "OTEL_EXPORTER_ZIPKIN_",
    "OTEL_EXPORTER_PROMETHEUS_",
    "OTEL_RESOURCE_DETECTORS",
    "OTEL_TRACES_SAMPLER_",
    "OTEL_COLLECTOR_",
    "OTEL_ENTITY_",
];

/// The environment variables of the OpenTelemetry specification (SDK configuration and the
/// OTLP exporter).
pub const KNOWN_OTEL_VARS: &[&str] = &[
    "OTEL_SDK_DISABLED",
    "OTEL_RESOURCE_ATTRIBUTES",
    "OTEL_SERVICE_NAME",
    "OTEL_LOG_LEVEL",
    "OTEL_PROPAGATORS",
    "OTEL_TRACES_SAMPLER",
    "OTEL_TRACES_SAMPLER_ARG",
    "OTEL_TRACES_EXPORTER",
    "OTEL_METRICS_EXPORTER",
    "OTEL_LOGS_EXPORTER",
    "OTEL_BSP_SCHEDULE_DELAY",
    "OTEL_BSP_EXPORT_TIMEOUT",
    "OTEL_BSP_MAX_QUEUE_SIZE",
    "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
    "OTEL_BLRP_SCHEDULE_DELAY",
    "OTEL_BLRP_EXPORT_TIMEOUT",
    "OTEL_BLRP_MAX_QUEUE_SIZE",
    "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE",
    "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
    "OTEL_ATTRIBUTE_COUNT_LIMIT",
    "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT",
    "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
    "OTEL_SPAN_EVENT_COUNT_LIMIT",
    "OTEL_SPAN_LINK_COUNT_LIMIT",
    "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT",
    "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT",
    "OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT",
    "OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT",
    "OTEL_METRIC_EXPORT_INTERVAL",
    "OTEL_METRIC_EXPORT_TIMEOUT",
    "OTEL_METRICS_EXEMPLAR_FILTER",
    "OTEL_CONFIG_FILE",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
    "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
    "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
    "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",
    "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL",
    "OTEL_EXPORTER_OTLP_HEADERS",
    "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
    "OTEL_EXPORTER_OTLP_METRICS_HEADERS",
    "OTEL_EXPORTER_OTLP_LOGS_HEADERS",
    "OTEL_EXPORTER_OTLP_INSECURE",
    "OTEL_EXPORTER_OTLP_TRACES_INSECURE",
    "OTEL_EXPORTER_OTLP_METRICS_INSECURE",
    "OTEL_EXPORTER_OTLP_LOGS_INSECURE",
    "OTEL_EXPORTER_OTLP_CERTIFICATE",
    "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
    "OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE",
    "OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE",
    "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
    "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE",
    "OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE",
    "OTEL_EXPORTER_OTLP_LOGS_CLIENT_CERTIFICATE",
    "OTEL_EXPORTER_OTLP_CLIENT_KEY",
    "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY",
    "OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY",
    "OTEL_EXPORTER_OTLP_LOGS_CLIENT_KEY",
    "OTEL_EXPORTER_OTLP_COMPRESSION",
    "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
    "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION",
    "OTEL_EXPORTER_OTLP_LOGS_COMPRESSION",
    "OTEL_EXPORTER_OTLP_TIMEOUT",
    "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
    "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT",
    "OTEL_EXPORTER_OTLP_LOGS_TIMEOUT",
    "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
    "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typo_gets_nearest_real_name() {
        let env = Environment::from_pairs([
            ("OTEL_EXPORTER_OTLP_ENDPIONT", "x"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "x"),
            ("OTEL_PYTHON_LOG_CORRELATION", "true"),
            ("PATH", "/bin"),
        ]);
        assert_eq!(
            env.unknown_otel_variables(),
            vec![(
                "OTEL_EXPORTER_OTLP_ENDPIONT",
                Some("OTEL_EXPORTER_OTLP_ENDPOINT")
            )]
        );
        assert_eq!(nearest_known("OTEL_SERVCE_NAME"), Some("OTEL_SERVICE_NAME"));
        assert_eq!(nearest_known("OTEL_SOMETHING_ELSE_ENTIRELY"), None);
    }

    #[test]
    fn empty_counts_as_unset_but_raw_sees_it() {
        let env = Environment::from_pairs([("OTEL_SERVICE_NAME", "")]);
        assert_eq!(env.get("OTEL_SERVICE_NAME"), None);
        assert_eq!(env.raw("OTEL_SERVICE_NAME"), Some(""));
    }
}

#[cfg(test)]
mod not_utf8_tests {
    use super::*;
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;

    #[test]
    fn an_otel_variable_that_is_not_utf8_is_a_problem_naming_it() {
        let env = Environment::from_os([
            (
                OsString::from("OTEL_EXPORTER_OTLP_ENDPOINT"),
                OsString::from_vec(b"http://coll\xffector:4317".to_vec()),
            ),
            (OsString::from("OTHER"), OsString::from_vec(vec![0xfe])),
            (OsString::from("OTEL_SERVICE_NAME"), OsString::from("ci")),
        ]);
        let shown: Vec<_> = env.not_utf8().collect();
        assert_eq!(
            shown,
            vec![("OTEL_EXPORTER_OTLP_ENDPOINT", "http://coll\\xffector:4317")]
        );
        assert_eq!(env.get("OTEL_SERVICE_NAME"), Some("ci"));
        let (_, problems) = crate::config::resolve_all(
            &crate::config::Overrides::default(),
            &Default::default(),
            &env,
        );
        assert!(
            problems.contains(&crate::config::Problem::NotUtf8 {
                variable: "OTEL_EXPORTER_OTLP_ENDPOINT".into(),
                shown: "http://coll\\xffector:4317".into(),
            }),
            "a problem names the variable: {problems:?}"
        );
    }
}
