//! The runner's own log lines, read exactly: a pre-flight or self-check finding names its cause
//! code (`pre-flight finding tls_to_plaintext [traces/tls]: …`), and a failed request to the
//! coordinator is a coordinator failure, not a telemetry one.

use crate::cause::Cause;
use serde::Serialize;

/// A finding line the runner wrote: the cause it names, and which check wrote it.
pub fn finding(hay: &str) -> Option<(Cause, &'static str)> {
    ["pre-flight finding ", "self-check finding "]
        .iter()
        .find_map(|prefix| {
            let at = hay.find(prefix)? + prefix.len();
            let code = hay[at..].split([' ', '[', ':']).next()?;
            let cause = Cause::from_code(code)?;
            Some((cause, prefix.trim_end()))
        })
}

/// What the runner's request to its coordinator met.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Coordinator {
    /// The coordinator answered with a refusal (`status=403 Forbidden`).
    Refused { status: Option<String> },
    /// The coordinator could not be reached (`error=…`).
    Unreachable { error: Option<String> },
}

/// The coordinator failure a runner log line reports, with the coordinator's URL when the line
/// names it.
pub fn coordinator(text: &str) -> Option<(Coordinator, Option<String>)> {
    let failure = if text.contains("coordinator refused the job request") {
        Coordinator::Refused {
            status: field(text, "status"),
        }
    } else if text.contains("cannot reach the coordinator") {
        Coordinator::Unreachable {
            error: field(text, "error"),
        }
    } else {
        return None;
    };
    let url = field(text, "url").or_else(|| {
        let error = field(text, "error")?;
        let end = error.find("/api/v4/")?;
        Some(error[..end + 1].to_string())
    });
    Some((failure, url.map(|u| base_url(&u))))
}

/// `key=value` of a text log line (tracing's format: the value runs to the next ` key=`, or to
/// the end of the line), quotes removed.
fn field(text: &str, key: &str) -> Option<String> {
    let needle = format!(" {key}=");
    let at = text.find(&needle)? + needle.len();
    let rest = &text[at..];
    let end = next_key(rest).unwrap_or(rest.len());
    let value = rest[..end].trim().trim_matches('"');
    (!value.is_empty()).then(|| crate::redact::redact_text(value))
}

/// Where the next ` key=` starts in `rest`.
fn next_key(rest: &str) -> Option<usize> {
    let mut pos = 0;
    while let Some(i) = rest[pos..].find(' ') {
        let start = pos + i;
        let word = rest[start + 1..].split(' ').next().unwrap_or("");
        if let Some((k, _)) = word.split_once('=') {
            if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Some(start);
            }
        }
        pos = start + 1;
    }
    None
}

/// The coordinator's base URL: up to and including `/api/v4/`'s leading slash.
fn base_url(url: &str) -> String {
    match url.find("/api/v4/") {
        Some(i) => url[..=i].to_string(),
        None if url.ends_with('/') => url.to_string(),
        None => format!("{url}/"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finding_lines_name_their_cause() {
        let line = "2026-12-07T06:18:52Z ERROR runner::runner::preflight: pre-flight finding \
                    tls_to_plaintext [traces/tls]: The exporter speaks TLS";
        assert_eq!(
            finding(&line.to_lowercase()),
            Some((Cause::TlsToPlaintext, "pre-flight finding"))
        );
        assert_eq!(finding("pre-flight finding not_a_cause [x]"), None);
    }

    #[test]
    fn coordinator_lines_give_their_status_and_url() {
        let refused = "WARN runner::runner::service: coordinator refused the job request (is the \
                       runner token right?) runner=r status=403 Forbidden url=http://c:8080/api/v4/jobs/request";
        assert_eq!(
            coordinator(refused),
            Some((
                Coordinator::Refused {
                    status: Some("403 Forbidden".into())
                },
                Some("http://c:8080/".into())
            ))
        );
        let unreachable = "WARN runner::runner::service: cannot reach the coordinator; retrying \
                           every check_interval runner=r error=http://127.0.0.1:9/api/v4/jobs/request: \
                           connect: Connection refused (os error 111)";
        let (c, url) = coordinator(unreachable).unwrap();
        assert!(
            matches!(c, Coordinator::Unreachable { error: Some(e) } if e.contains("Connection refused"))
        );
        assert_eq!(url.as_deref(), Some("http://127.0.0.1:9/"));
    }
}
