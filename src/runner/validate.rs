//! Checks the parts of `config.toml` the job loop depends on, naming the field at fault.

use crate::config::{ConfigError, RunnerConfig};
use std::path::Path;

/// The executors this runner has.
pub const EXECUTORS: &[&str] = &["shell"];

/// Every problem is a `ConfigError::Field` (exit 2) naming the field and what would be valid.
pub fn validate(cfg: &RunnerConfig, path: &Path) -> Result<(), ConfigError> {
    let err = |field: String, message: String| ConfigError::Field {
        path: path.to_owned(),
        field,
        message,
    };
    if cfg.runners.is_empty() {
        return Err(err(
            "runners".into(),
            "no [[runners]] entry: add one with name, url, token and executor = \"shell\"".into(),
        ));
    }
    if cfg.concurrent == 0 {
        return Err(err(
            "concurrent".into(),
            "must be at least 1 (how many jobs run at once)".into(),
        ));
    }
    // The doctor reports a bad value as a finding and goes on with `warn`; a runner told
    // `strict` must not quietly run in another mode, so it refuses to start.
    if let Some(p) = &cfg.otel.preflight {
        if super::preflight::Mode::parse(p).is_none() {
            return Err(err(
                "otel.preflight".into(),
                format!("`{p}` is not a pre-flight mode (valid: off, warn, strict)"),
            ));
        }
    }
    for (i, r) in cfg.runners.iter().enumerate() {
        let field = |f: &str| format!("runners[{i}].{f}");
        if r.name.trim().is_empty() {
            return Err(err(field("name"), "must not be empty".into()));
        }
        check_url(&r.url).map_err(|m| err(field("url"), m.to_string()))?;
        if r.token.is_empty() {
            return Err(err(
                field("token"),
                "must not be empty (the runner's authentication token)".into(),
            ));
        }
        if !EXECUTORS.contains(&r.executor.as_str()) {
            return Err(err(
                field("executor"),
                format!(
                    "unknown executor `{}` (valid: {})",
                    r.executor,
                    EXECUTORS.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// Why a runner's `url` cannot be its coordinator's address.
#[derive(Debug, thiserror::Error)]
enum UrlError {
    #[error("`{raw}` is not a URL ({source}); {EXAMPLE}")]
    Parse {
        raw: String,
        source: url::ParseError,
    },
    #[error("`{raw}` has scheme `{scheme}` (valid: http, https); {EXAMPLE}")]
    Scheme { raw: String, scheme: String },
    #[error("`{raw}` has no host; {EXAMPLE}")]
    NoHost { raw: String },
}

const EXAMPLE: &str = "expected e.g. \"https://gitlab.example.com/\"";

fn check_url(raw: &str) -> Result<(), UrlError> {
    let url = url::Url::parse(raw).map_err(|source| UrlError::Parse {
        raw: raw.to_owned(),
        source,
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(UrlError::Scheme {
            raw: raw.to_owned(),
            scheme: url.scheme().to_owned(),
        });
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(UrlError::NoHost {
            raw: raw.to_owned(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RunnerEntry;
    use crate::redact::Secret;

    fn cfg(url: &str, executor: &str) -> RunnerConfig {
        RunnerConfig {
            concurrent: 1,
            runners: vec![RunnerEntry {
                name: "r".into(),
                url: url.into(),
                token: Secret::new("t"),
                executor: executor.into(),
                builds_dir: None,
            }],
            ..RunnerConfig::default()
        }
    }

    fn field_of(r: Result<(), ConfigError>) -> String {
        match r {
            Err(ConfigError::Field { field, .. }) => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn names_the_field_at_fault() {
        let p = Path::new("config.toml");
        assert!(validate(&cfg("http://127.0.0.1:8080", "shell"), p).is_ok());
        assert_eq!(
            field_of(validate(&cfg("not a url", "shell"), p)),
            "runners[0].url"
        );
        assert_eq!(
            field_of(validate(&cfg("ftp://x/", "shell"), p)),
            "runners[0].url"
        );
        assert_eq!(
            field_of(validate(&cfg("http://x/", "docker"), p)),
            "runners[0].executor"
        );
        let mut none = cfg("http://x/", "shell");
        none.runners.clear();
        assert_eq!(field_of(validate(&none, p)), "runners");
        let mut mode = cfg("http://x/", "shell");
        mode.otel.preflight = Some("strcit".into());
        assert_eq!(field_of(validate(&mode, p)), "otel.preflight");
        mode.otel.preflight = Some("Strict".into());
        assert!(validate(&mode, p).is_ok());
    }
}
