//! Sentences for answers that came late or not at all: a body that trickled, no answer within
//! the exporter's timeout, an answer with little room left (protocol and export stages).

use super::setting_fix::set_setting;
use crate::cause::{Cause, Finding, Severity, Stage};
use crate::facts::{Target, Waiting};
use std::time::Duration;

/// The answer's head arrived but its body did not end within the timeout (it trickled).
pub fn body_timeout(
    probe: &Target<'_>,
    stage: Stage,
    status: u16,
    bytes_read: usize,
    timeout: Duration,
    ev: serde_json::Value,
) -> Finding {
    let t = humantime::format_duration(timeout);
    let within = crate::cause::wait_text::within(timeout, probe.settings.timeout.value);
    Finding::new(
        Cause::ResponseTimeout,
        Severity::Error,
        Some(probe.settings.signal),
    )
    .at_stage(stage)
    .text(
        format!(
            "{} answered {status}, but the body of its answer did not end {within} \
             ({bytes_read} bytes arrived).",
            probe.endpoint.display
        ),
        format!(
            "The response head arrived, then the body trickled: a server (or a proxy in front of \
             it) that sends its body slowly, or announces more than it sends, keeps every export \
             waiting until the exporter's timeout. An OTLP receiver answers an export with a \
             small body at once. The doctor read the body for {t} (at most 64 KiB) and cut it \
             there; the later stages of this path are not made to wait for it again."
        ),
        format!(
            "Check what answers at {}: the collector's OTLP receiver should answer at once; a \
             proxy or another service in front of it that streams a large or endless body is \
             the problem.",
            probe.endpoint.display
        ),
    )
    .evidence(ev)
    .stalled()
}

/// No answer within the exporter's timeout (`timeout`: the bound the doctor waited, the same).
pub fn response_timeout(
    probe: &Target<'_>,
    stage: Stage,
    waiting: Waiting,
    timeout: Duration,
    ev: serde_json::Value,
) -> Finding {
    let what = waiting.request();
    let exporter = probe.settings.timeout.value;
    // `--timeout` given and shorter than the exporter's: say so first (`docs/settings.md`).
    let first = if crate::cause::wait_text::cut_short(timeout, exporter) {
        format!("{} ", crate::cause::wait_text::RUN_WITHOUT_TIMEOUT)
    } else {
        String::new()
    };
    Finding::new(
        Cause::ResponseTimeout,
        Severity::Error,
        Some(probe.settings.signal),
    )
    .at_stage(stage)
    .text(
        format!(
            "{} accepted the connection and {what}, then gave {}.",
            probe.endpoint.display,
            crate::cause::wait_text::no_answer_within(timeout, exporter)
        ),
        "The connection opened, the request was sent, and no response head arrived within the \
             time the runner's exporter waits. SDKs report this as `context deadline exceeded`, \
             `DEADLINE_EXCEEDED` or `Client.Timeout exceeded while awaiting headers`. A stalled \
             collector, a proxy waiting on a dead upstream, or a server that speaks another \
             protocol and waits for more input all look like this.",
        format!(
            "{first}Check the collector's health and whatever sits in front of it. If it is only \
             slow, raise the exporter's timeout (now {}, from {}): {} (milliseconds); without \
             `--timeout` the doctor waits as long as the exporter does.",
            humantime::format_duration(probe.settings.timeout.value),
            probe.settings.timeout.source,
            exporter_timeout_fix(probe),
        ),
    )
    .evidence(ev)
    .stalled()
}

/// Setting the exporter's timeout to twice its value, in the milliseconds the variables take.
pub(crate) fn exporter_timeout_fix(probe: &Target<'_>) -> String {
    let doubled = (probe.settings.timeout.value.as_millis() as u64).saturating_mul(2);
    set_setting(
        &probe.settings.timeout.source,
        "OTEL_EXPORTER_OTLP_TIMEOUT",
        "timeout",
        &doubled.max(1000).to_string(),
    )
}

/// The answer came, but late: within the exporter's timeout, so export works, with little room.
pub fn response_slow(probe: &Target<'_>, stage: Stage, took: Duration) -> Finding {
    let bound = probe.settings.timeout.value;
    Finding::new(
        Cause::ResponseSlow,
        Severity::Warning,
        Some(probe.settings.signal),
    )
    .at_stage(stage)
    .text(
        format!(
            "{} answered in {} of the exporter's {}.",
            probe.endpoint.display,
            crate::cause::latency(took),
            crate::cause::latency(bound),
        ),
        "The answer arrived within the exporter's timeout, so spans get through, but a little \
         more load or a longer batch would push it past the timeout and the exporter would drop \
         the batch (`context deadline exceeded`, `DEADLINE_EXCEEDED`).",
        format!(
            "Find what makes the collector slow (its queue, its exporters, whatever sits in front \
             of it); to leave more room, raise the exporter's timeout (now {}, from {}): {} \
             (milliseconds).",
            humantime::format_duration(bound),
            probe.settings.timeout.source,
            exporter_timeout_fix(probe),
        ),
    )
    .evidence(serde_json::json!({
        "elapsed_ms": took.as_millis() as u64,
        "exporter_timeout_ms": bound.as_millis() as u64,
    }))
}
