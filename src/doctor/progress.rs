//! Spinners on standard error while stages run: one line per running stage, and a note when
//! a step is slow. Hidden unless asked for and standard error is a terminal.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::Duration;

/// When a step counts as slow.
pub const SLOW_AFTER: Duration = Duration::from_secs(5);

/// The set of spinners of one doctor run. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Progress {
    multi: Option<MultiProgress>,
    timeout: Duration,
}

/// One running step's spinner; finishing (or dropping) it removes the line.
#[derive(Debug)]
pub struct Step {
    bar: Option<ProgressBar>,
    slow_note: Option<tokio::task::JoinHandle<()>>,
}

impl Progress {
    /// Spinners only when `enabled` (a terminal, not JSON) and stderr is a terminal: indicatif's
    /// stderr target draws nothing otherwise, so a pipe never sees control sequences.
    pub fn new(enabled: bool, timeout: Duration) -> Progress {
        let multi = enabled.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Progress { multi, timeout }
    }

    pub fn hidden() -> Progress {
        Progress::new(false, Duration::ZERO)
    }

    /// Starts a spinner line for a step bounded by `--timeout`.
    pub fn start(&self, label: String) -> Step {
        self.start_bounded(label, self.timeout)
    }

    /// Starts a spinner line for a wait for an answer, its bound named by `note` (worded in
    /// `cause::wait_text`): `1s of 10s (the exporter's timeout)`.
    pub fn start_answer(&self, label: String, waited: Duration, note: &str) -> Step {
        self.start_with(label, format!("{} {note}", template(waited)))
    }

    /// Starts a spinner line such as `traces  tls  collector:4317 1s of 3s`: the time waited
    /// so far and the bound of the step it waits on.
    pub fn start_bounded(&self, label: String, bound: Duration) -> Step {
        self.start_with(label, template(bound))
    }

    fn start_with(&self, label: String, template: String) -> Step {
        let Some(multi) = &self.multi else {
            return Step {
                bar: None,
                slow_note: None,
            };
        };
        let bar = multi.add(ProgressBar::new_spinner());
        bar.set_style(
            ProgressStyle::with_template(&template)
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(label.clone());
        bar.enable_steady_tick(Duration::from_millis(100));
        let slow_note = tokio::runtime::Handle::try_current().ok().map(|rt| {
            let bar = bar.clone();
            rt.spawn(async move {
                tokio::time::sleep(SLOW_AFTER).await;
                if !bar.is_finished() {
                    bar.set_message(format!("{label}: slow, still waiting"));
                }
            })
        });
        Step {
            bar: Some(bar),
            slow_note,
        }
    }
}

/// The spinner line's template: label, time waited, and the step's bound (`1s of 3s`).
fn template(bound: Duration) -> String {
    // Whole seconds, like indicatif's `{elapsed}`; a bound under a second shows in ms.
    let bound = if bound >= Duration::from_secs(1) {
        humantime::format_duration(Duration::from_secs(bound.as_secs())).to_string()
    } else {
        humantime::format_duration(bound).to_string()
    };
    format!("{{spinner}} {{msg}} {{elapsed:.dim}} of {bound}")
}

impl Step {
    pub fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(t) = self.slow_note.take() {
            t.abort();
        }
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Step {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_progress_draws_nothing_and_needs_no_runtime() {
        let p = Progress::new(false, Duration::from_secs(1));
        let step = p.start("traces dns".into());
        assert!(step.bar.is_none() && step.slow_note.is_none());
        step.finish();
    }

    #[test]
    fn the_line_shows_the_bound_of_the_step() {
        assert_eq!(
            template(Duration::from_secs(3)),
            "{spinner} {msg} {elapsed:.dim} of 3s"
        );
        assert!(template(Duration::from_millis(10_500)).ends_with(" of 10s"));
        assert!(template(Duration::from_millis(500)).ends_with(" of 500ms"));
        let bar = ProgressBar::hidden();
        bar.set_style(ProgressStyle::with_template(&template(Duration::from_secs(3))).unwrap());
    }
}
