//! The JSON renderer (`--output json`), schema `runner.doctor.otel/v1`.

use super::Report;

pub fn render(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(report).expect("report serializes");
    s.push('\n');
    s
}
