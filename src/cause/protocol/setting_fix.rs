//! How fix sentences name a setting: the variable, `[otel]` key or flag that holds it now, and
//! for a default both the generic variable and the `[otel]` key, always with the value to set.

use crate::cause::config::{set_to, where_};
use crate::config::endpoint::is_signal_specific;
use crate::config::proxy::bracket;
use crate::config::Source;
use crate::facts::Target;

/// "`OTEL_X=v`", "`key = v` in the `[otel]` table of the config file", "`--flag v`"; for a
/// default, "`env=v` or `key = v` in the `[otel]` table of the config file".
pub(crate) fn set_setting(source: &Source, env: &str, key: &str, value: &str) -> String {
    let here = set_to(source, value, env);
    match source {
        Source::Default => {
            let in_file = set_to(&Source::Config(format!("otel.{key}")), value, env);
            format!("{here} or {in_file}")
        }
        _ => here,
    }
}

/// How to remove a setting: "unset `OTEL_X`", "remove `key` from the `[otel]` table of the
/// config file", "drop the `--flag` flag".
pub(crate) fn unset_setting(source: &Source) -> String {
    match source {
        Source::Env(v) => format!("unset `{v}`"),
        Source::Flag(f) => format!("drop the `{f}` flag"),
        other => format!("remove {}", where_(other)),
    }
}

/// Where the endpoint is set, for sentences; for the default, the variable that would set it.
pub(crate) fn endpoint_where(probe: &Target<'_>) -> String {
    match &probe.settings.endpoint_raw.source {
        Source::Default => "`OTEL_EXPORTER_OTLP_ENDPOINT` (not set: the default applies)".into(),
        other => where_(other),
    }
}

/// The endpoint value that makes requests go to `scheme://host:port` and, for HTTP, to the
/// request path `path`: a generic endpoint gets `/v1/<signal>` appended by the exporter, so the
/// value leaves it off; a signal-specific one is used as-is.
pub(crate) fn endpoint_value(
    probe: &Target<'_>,
    scheme: &str,
    port: u16,
    http_path: Option<&str>,
) -> String {
    let host = bracket(&probe.endpoint.host);
    let path = match http_path {
        None => "",
        Some(p) if is_signal_specific(&probe.settings.endpoint_raw.source) => p,
        Some(p) => p
            .strip_suffix(probe.settings.signal.http_path())
            .unwrap_or(p),
    };
    format!("{scheme}://{host}:{port}{path}")
}

/// "`OTEL_EXPORTER_OTLP_ENDPOINT=v`" and the like, where the endpoint is set now.
pub(crate) fn set_endpoint(probe: &Target<'_>, value: &str) -> String {
    let key = match &probe.settings.endpoint_raw.source {
        Source::Config(k) => k.strip_prefix("otel.").unwrap_or(k).to_string(),
        _ => "endpoint".to_string(),
    };
    set_setting(
        &probe.settings.endpoint_raw.source,
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        &key,
        value,
    )
}

/// The endpoint's scheme as the exporter uses it.
pub(crate) fn scheme(probe: &Target<'_>) -> &'static str {
    if probe.endpoint.tls {
        "https"
    } else {
        "http"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_default_names_the_variable_and_the_key_with_the_value() {
        let s = set_setting(
            &Source::Default,
            "OTEL_EXPORTER_OTLP_TIMEOUT",
            "timeout",
            "20000",
        );
        assert_eq!(
            s,
            "`OTEL_EXPORTER_OTLP_TIMEOUT=20000` or `timeout = 20000` in the `[otel]` table of \
             the config file"
        );
    }

    #[test]
    fn a_set_value_is_changed_where_it_is_set() {
        let env = Source::Env("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL".into());
        let p = "OTEL_EXPORTER_OTLP_PROTOCOL";
        assert_eq!(
            set_setting(&env, p, "protocol", "grpc"),
            "`OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=grpc`"
        );
        let file = Source::Config("otel.protocol".into());
        assert_eq!(
            set_setting(&file, p, "protocol", "grpc"),
            "`protocol = \"grpc\"` in the `[otel]` table of the config file"
        );
        let flag = Source::Flag("--protocol".into());
        assert_eq!(
            set_setting(&flag, p, "protocol", "grpc"),
            "`--protocol grpc`"
        );
        assert_eq!(
            unset_setting(&Source::Env("OTEL_EXPORTER_OTLP_INSECURE".into())),
            "unset `OTEL_EXPORTER_OTLP_INSECURE`"
        );
    }
}
