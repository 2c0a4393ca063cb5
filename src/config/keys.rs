//! The one declaration of every setting: each key of `config.toml` and each environment
//! variable the runner reads, with its type, default, example, the variables it shadows and
//! where the report shows it. The loader's key lists, the report's setting order and
//! `docs/configuration.md` are all read from here.

/// The table of `config.toml` a key lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    /// The top level.
    Top,
    /// A `[[runners]]` entry.
    Runners,
    /// The `[otel]` table.
    Otel,
}

impl Table {
    /// How the documentation and the loader's errors name it.
    pub fn name(self) -> &'static str {
        match self {
            Table::Top => "the top level",
            Table::Runners => "[[runners]]",
            Table::Otel => "[otel]",
        }
    }
}

/// Where the doctor's text report shows a setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    /// Per signal (traces, metrics, logs).
    Signal,
    /// Once, under `global`.
    Global,
}

/// One setting.
#[derive(Clone, Copy, Debug)]
pub struct Setting {
    /// Where it is written in `config.toml`; `None` for a variable only.
    pub table: Option<Table>,
    /// Its key in that table (for a variable only, the name the report gives it).
    pub key: &'static str,
    /// Type and accepted values.
    pub kind: &'static str,
    pub default: &'static str,
    pub example: &'static str,
    /// The variables it shadows (the config file wins over the environment), or that set it.
    pub env: &'static [&'static str],
    pub about: &'static str,
    /// Where the report shows it, and under which name, when it does.
    pub shown: Option<(Shown, &'static str)>,
}

/// The `[otel]` table, and no table (a variable only), for `set`.
const OTEL: Option<Table> = Some(Table::Otel);
const VAR: Option<Table> = None;

#[allow(clippy::too_many_arguments)]
const fn set(
    table: Option<Table>,
    key: &'static str,
    kind: &'static str,
    default: &'static str,
    example: &'static str,
    env: &'static [&'static str],
    about: &'static str,
    shown: Option<(Shown, &'static str)>,
) -> Setting {
    Setting {
        table,
        key,
        kind,
        default,
        example,
        env,
        about,
        shown,
    }
}

const fn top(
    table: Table,
    key: &'static str,
    kind: &'static str,
    default: &'static str,
    example: &'static str,
    about: &'static str,
) -> Setting {
    Setting {
        table: Some(table),
        key,
        kind,
        default,
        example,
        env: &[],
        about,
        shown: None,
    }
}

/// Not in the report's settings block.
const NOT_SHOWN: Option<(Shown, &str)> = None;

/// Every setting, in the order the report and the documentation show them.
pub const SETTINGS: &[Setting] = &[
    // [otel]: the exporter, per signal.
    set(OTEL, "endpoint", "URL (`http://` or `https://`, host, port)", "`http://localhost:4318` (http/protobuf), `http://localhost:4317` (grpc)", r#"endpoint = "https://otel-collector.example.com:4318""#, &["OTEL_EXPORTER_OTLP_ENDPOINT"], "Where every signal is exported. For HTTP the signal's path (`/v1/traces`) is appended; gRPC takes no path.", Some((Shown::Signal, "endpoint"))),
    set(OTEL, "traces_endpoint", "URL, used as is (no path appended)", "`endpoint` + `/v1/traces`", r#"traces_endpoint = "https://collector:4318/v1/traces""#, &["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"], "The traces endpoint alone; beats `endpoint` for traces.", Some((Shown::Signal, "url"))),
    set(OTEL, "metrics_endpoint", "URL, used as is", "`endpoint` + `/v1/metrics`", r#"metrics_endpoint = "https://collector:4318/v1/metrics""#, &["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"], "The metrics endpoint alone; setting it also enables the metrics signal.", NOT_SHOWN),
    set(OTEL, "logs_endpoint", "URL, used as is", "`endpoint` + `/v1/logs`", r#"logs_endpoint = "https://collector:4318/v1/logs""#, &["OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"], "The logs endpoint alone; setting it also enables the logs signal.", NOT_SHOWN),
    set(OTEL, "protocol", "`grpc`, `http/protobuf` or `http/json`", "`http/protobuf`", r#"protocol = "grpc""#, &["OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"], "The OTLP transport; must match the collector's receiver port (4317 gRPC, 4318 HTTP).", Some((Shown::Signal, "protocol"))),
    set(OTEL, "headers", "table of header name = value (values are secrets)", "none", r#"headers = { Authorization = "Bearer TOKEN" }"#, &["OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"], "Headers sent with every export (authentication). The variables take `key=value` pairs separated by commas, values percent-encoded.", Some((Shown::Signal, "headers"))),
    set(OTEL, "insecure", "boolean", "`false`", "insecure = true", &["OTEL_EXPORTER_OTLP_INSECURE", "OTEL_EXPORTER_OTLP_TRACES_INSECURE"], "Plaintext gRPC for an endpoint without a scheme; an `http://` or `https://` scheme decides by itself.", Some((Shown::Signal, "insecure"))),
    set(OTEL, "certificate", "path to a PEM file", "the system's trust store", r#"certificate = "/etc/runner/collector-ca.pem""#, &["OTEL_EXPORTER_OTLP_CERTIFICATE", "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE"], "The CA certificate(s) that verify the collector's certificate (a private CA).", Some((Shown::Signal, "certificate"))),
    set(OTEL, "client_certificate", "path to a PEM file", "none", r#"client_certificate = "/etc/runner/client.pem""#, &["OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE"], "The runner's certificate for mutual TLS; needs `client_key`.", Some((Shown::Signal, "client_certificate"))),
    set(OTEL, "client_key", "path to a PEM file (a secret)", "none", r#"client_key = "/etc/runner/client.key""#, &["OTEL_EXPORTER_OTLP_CLIENT_KEY", "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY"], "The private key of `client_certificate`.", Some((Shown::Signal, "client_key"))),
    set(OTEL, "compression", "`gzip` or `none`", "`none`", r#"compression = "gzip""#, &["OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION"], "Compression of export requests.", Some((Shown::Signal, "compression"))),
    set(OTEL, "timeout", "milliseconds (integer) or a duration string (`10s`, `500ms`), 1 ms to 1 h", "`10s`", "timeout = 5000", &["OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"], "How long one export waits for its answer. The variables are milliseconds.", Some((Shown::Signal, "timeout"))),
    // [otel]: the SDK.
    set(OTEL, "service_name", "string", "`runner`", r#"service_name = "ci-runner-eu""#, &["OTEL_SERVICE_NAME"], "The `service.name` resource attribute of every span (beats `service.name` in `resource_attributes`).", Some((Shown::Global, "service_name"))),
    set(OTEL, "resource_attributes", "table of key = string", "none", r#"resource_attributes = { "deployment.environment" = "prod" }"#, &["OTEL_RESOURCE_ATTRIBUTES"], "Resource attributes of every span. The variable takes `key=value` pairs separated by commas.", Some((Shown::Global, "resource_attributes"))),
    set(OTEL, "exporter", "`otlp`, `console`, `file` or `none`", "`otlp`", r#"exporter = "console""#, &["OTEL_TRACES_EXPORTER"], "Where spans go: the OTLP endpoint, standard output, a file (`exporter_path`) or nowhere.", Some((Shown::Global, "traces_exporter"))),
    set(OTEL, "exporter_path", "path", "none", r#"exporter_path = "/var/log/runner/spans.jsonl""#, &[], "The file of the `file` exporter (JSON lines).", NOT_SHOWN),
    set(OTEL, "sampler", "`always_on`, `always_off`, `traceidratio`, `parentbased_always_on`, `parentbased_always_off`, `parentbased_traceidratio`", "`parentbased_always_on`", r#"sampler = "parentbased_traceidratio""#, &["OTEL_TRACES_SAMPLER"], "Which traces are recorded.", Some((Shown::Global, "sampler"))),
    set(OTEL, "sampler_arg", "number from 0 to 1", "`1.0`", r#"sampler_arg = "0.25""#, &["OTEL_TRACES_SAMPLER_ARG"], "The ratio of the `traceidratio` samplers.", NOT_SHOWN),
    set(OTEL, "signals", "list of `traces`, `metrics`, `logs`", "`[\"traces\"]`, plus every signal whose own endpoint is set", r#"signals = ["traces", "metrics"]"#, &[], "The signals the doctor checks and the runner exports (`--signal` beats it).", NOT_SHOWN),
    set(OTEL, "preflight", "`off`, `warn` or `strict`", "`warn`", r#"preflight = "strict""#, &[], "The doctor at `runner run` start-up: off, report and go on, or stop on an error (`--preflight` beats it).", Some((Shown::Global, "preflight"))),
    set(OTEL, "preflight_budget", "duration string (`2s`, `500ms`)", "`2s`", r#"preflight_budget = "5s""#, &[], "How long the pre-flight doctor may take before the runner starts anyway (`--preflight-budget` beats it).", NOT_SHOWN),
    set(OTEL, "doctor_interval", "duration string, at least `1s`", "`15m`", r#"doctor_interval = "5m""#, &[], "How often a still-broken export is diagnosed again while the runner runs.", NOT_SHOWN),
    // The top level and [[runners]] (GitLab Runner style).
    top(Table::Top, "concurrent", "integer", "`1`", "concurrent = 4", "How many jobs run at once, over all runners."),
    top(Table::Top, "check_interval", "integer (seconds)", "`3`", "check_interval = 10", "Seconds between job requests to the coordinator."),
    top(Table::Top, "shutdown_timeout", "integer (seconds)", "`30`", "shutdown_timeout = 60", "Seconds running jobs get to finish after SIGTERM."),
    top(Table::Top, "log_file", "path", "none (standard error only)", r#"log_file = "/var/log/runner/runner.log""#, "The runner's own log, also written here; its tail goes into support bundles."),
    top(Table::Top, "listen_address", "`HOST:PORT`", "none (no server)", r#"listen_address = "127.0.0.1:9252""#, "Where `runner run` serves Prometheus `/metrics` and `/healthz` (`--listen-address` beats it)."),
    top(Table::Top, "runners", "array of `[[runners]]` tables", "none", "[[runners]]", "The runners this process runs, each with its coordinator."),
    top(Table::Top, "otel", "table", "every `[otel]` default", "[otel]", "The telemetry settings above."),
    top(Table::Runners, "name", "string", "required", r#"name = "build-eu-1""#, "The runner's name in logs and spans."),
    top(Table::Runners, "url", "URL", "required", r#"url = "https://gitlab.example.com/""#, "The coordinator's base URL."),
    top(Table::Runners, "token", "string (a secret)", "required", r#"token = "glrt-…""#, "The runner's token at the coordinator."),
    top(Table::Runners, "executor", "`shell`", "required", r#"executor = "shell""#, "How jobs run; only `shell` is supported."),
    top(Table::Runners, "builds_dir", "path", "a directory under the state directory", r#"builds_dir = "/srv/builds""#, "Where jobs' working directories are made."),
    // Variables only.
    set(VAR, "sdk_disabled", "`true` or `false`", "`false`", "OTEL_SDK_DISABLED=true", &["OTEL_SDK_DISABLED"], "Turns the telemetry SDK off: nothing is exported.", Some((Shown::Global, "sdk_disabled"))),
    set(VAR, "https_proxy", "URL", "none", "HTTPS_PROXY=http://proxy:3128", &["HTTPS_PROXY", "https_proxy"], "The proxy of `https://` endpoints (the upper-case name wins).", Some((Shown::Global, "https_proxy"))),
    set(VAR, "http_proxy", "URL", "none", "HTTP_PROXY=http://proxy:3128", &["HTTP_PROXY", "http_proxy"], "The proxy of `http://` endpoints.", Some((Shown::Global, "http_proxy"))),
    set(VAR, "no_proxy", "host names, domains, addresses, separated by commas", "none", "NO_PROXY=localhost,.svc", &["NO_PROXY", "no_proxy"], "Endpoints reached without the proxy.", Some((Shown::Global, "no_proxy"))),
    set(VAR, "config", "path", "`./config.toml` when present", "RUNNER_CONFIG=/etc/runner/config.toml", &["RUNNER_CONFIG"], "The config file (`-c` beats it).", None),
    set(VAR, "log filter", "`tracing` filter", "`info,opentelemetry=off`", "RUST_LOG=debug", &["RUST_LOG"], "Which of the runner's own log lines are written; `debug` adds the OpenTelemetry SDK's own diagnostics.", None),
    set(VAR, "colour", "set or unset", "colour on a terminal", "NO_COLOR=1", &["NO_COLOR"], "Set: no colour in reports and logs.", None),
    set(VAR, "state directory", "path", "`$XDG_STATE_HOME/runner`, else `$HOME/.local/state/runner`", "RUNNER_STATE_DIR=/var/lib/runner", &["RUNNER_STATE_DIR", "XDG_STATE_HOME", "HOME"], "Where the pre-flight report and other state are kept.", None),
];

/// The keys of one table of `config.toml`, in declaration order.
pub fn table_keys(table: Table) -> Vec<&'static str> {
    SETTINGS
        .iter()
        .filter(|s| s.table == Some(table))
        .map(|s| s.key)
        .collect()
}

/// The report's names of the settings it shows at `shown`, in order.
pub fn shown(shown: Shown) -> impl Iterator<Item = &'static str> {
    SETTINGS
        .iter()
        .filter_map(move |s| s.shown.filter(|(w, _)| *w == shown).map(|(_, k)| k))
}
