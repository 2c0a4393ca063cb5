//! Telemetry health as the runner logs it: once when exports start failing, once when they
//! recover, each time with the number of spans lost; never once per span, never failing a job.

use crate::telemetry::Stats;

/// A change of state worth one log line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Broken {
        /// Spans lost so far (failed exports plus drops), over the runner's life.
        lost_total: u64,
        error: String,
    },
    Recovered {
        /// Spans lost while exports were failing.
        lost_while_broken: u64,
        lost_total: u64,
    },
}

/// Remembers the last state seen.
#[derive(Clone, Debug, Default)]
pub struct Health {
    broken: bool,
    lost_before_break: u64,
    last_lost: u64,
    last_dropped: u64,
}

fn lost(s: &Stats) -> u64 {
    s.spans_failed + s.spans_dropped
}

impl Health {
    pub fn is_broken(&self) -> bool {
        self.broken
    }

    /// Looks at the exporter's totals; returns a change when the state flipped.
    pub fn observe(&mut self, s: &Stats) -> Option<Change> {
        let lost_total = lost(s);
        // Drops without a failed export (queue full) also mean spans are being lost.
        let failing = s.last_error.is_some() || s.spans_dropped > self.last_dropped;
        let change = match (self.broken, failing) {
            (false, true) => {
                self.broken = true;
                self.lost_before_break = self.last_lost;
                Some(Change::Broken {
                    lost_total,
                    error: s
                        .last_error
                        .clone()
                        .unwrap_or_else(|| "spans dropped".into()),
                })
            }
            (true, false) => {
                self.broken = false;
                Some(Change::Recovered {
                    lost_while_broken: lost_total - self.lost_before_break,
                    lost_total,
                })
            }
            _ => None,
        };
        self.last_lost = lost_total;
        self.last_dropped = s.spans_dropped;
        change
    }
}

/// Logs a change in one line.
pub fn log(change: &Change) {
    match change {
        Change::Broken { lost_total, error } => tracing::warn!(
            spans_lost = lost_total,
            error = %error,
            "telemetry export failing; jobs go on, their spans are being lost \
             (run `runner doctor otel` to find out why)"
        ),
        Change::Recovered {
            lost_while_broken,
            lost_total,
        } => tracing::info!(
            spans_lost = lost_while_broken,
            spans_lost_total = lost_total,
            "telemetry export recovered"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(ok: u64, failed: u64, err: Option<&str>) -> Stats {
        Stats {
            exports_ok: ok,
            exports_failed: failed,
            spans_exported: ok * 5,
            spans_failed: failed * 5,
            spans_dropped: 0,
            last_error: err.map(str::to_owned),
        }
    }

    #[test]
    fn one_change_per_state_not_per_failure() {
        let mut h = Health::default();
        assert_eq!(h.observe(&stats(1, 0, None)), None);
        assert!(matches!(
            h.observe(&stats(1, 1, Some("refused"))),
            Some(Change::Broken { lost_total: 5, .. })
        ));
        for n in 2..10 {
            assert_eq!(h.observe(&stats(1, n, Some("refused"))), None);
        }
        assert_eq!(
            h.observe(&stats(2, 9, None)),
            Some(Change::Recovered {
                lost_while_broken: 45,
                lost_total: 45
            })
        );
        assert_eq!(h.observe(&stats(3, 9, None)), None);
    }
}
