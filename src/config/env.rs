//! A snapshot of the process environment, so resolution stays a pure function of its inputs.

use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Environment {
    vars: BTreeMap<String, String>,
}

impl Environment {
    /// The real process environment (variables that are not valid UTF-8 are skipped).
    pub fn from_process() -> Environment {
        Environment {
            vars: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
        }
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Environment {
        Environment {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
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
