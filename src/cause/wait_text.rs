//! How long the doctor waited for an answer, and whether an explicit `--timeout` cut that wait
//! short of the exporter's own timeout (`docs/settings.md`).

use std::time::Duration;

/// True when the doctor stopped waiting before the exporter would (`--timeout` given, shorter).
pub fn cut_short(waited: Duration, exporter: Duration) -> bool {
    waited < exporter
}

/// "no answer within 1 s (--timeout); the exporter waits 10 s", or, when the doctor waited as
/// long as the exporter does, "no answer within 10 s (the exporter's timeout)".
pub fn no_answer_within(waited: Duration, exporter: Duration) -> String {
    if cut_short(waited, exporter) {
        format!(
            "no answer within {} (--timeout); the exporter waits {}",
            super::latency(waited),
            super::latency(exporter)
        )
    } else {
        format!(
            "no answer within {} (the exporter's timeout)",
            super::latency(waited)
        )
    }
}

/// "within 1 s (--timeout; the exporter waits 10 s)" or "within 10 s (the exporter's timeout)".
pub fn within(waited: Duration, exporter: Duration) -> String {
    format!(
        "within {} {}",
        super::latency(waited),
        bound_note(waited, exporter)
    )
}

/// The progress line's note after an answer wait's bound: which timeout it is.
pub fn bound_note(waited: Duration, exporter: Duration) -> String {
    if cut_short(waited, exporter) {
        format!(
            "(--timeout; the exporter waits {})",
            super::latency(exporter)
        )
    } else {
        "(the exporter's timeout)".to_string()
    }
}

/// What to do first about a wait that `--timeout` cut short: wait as long as the exporter.
pub const RUN_WITHOUT_TIMEOUT: &str = "The doctor stopped waiting at `--timeout`: run it again \
     without `--timeout` (it then waits as long as the exporter) to tell a slow collector from a \
     dead one.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_which_bound_ended_the_wait() {
        let s = Duration::from_secs;
        assert_eq!(
            no_answer_within(s(1), s(10)),
            "no answer within 1 s (--timeout); the exporter waits 10 s"
        );
        assert_eq!(
            no_answer_within(s(10), s(10)),
            "no answer within 10 s (the exporter's timeout)"
        );
        assert_eq!(
            bound_note(s(1), s(10)),
            "(--timeout; the exporter waits 10 s)"
        );
    }
}
