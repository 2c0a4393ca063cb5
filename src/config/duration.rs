//! Durations as people write them: `3s`, `500ms`, `1m`, or plain seconds (`2.5`).

use std::time::Duration;

/// A duration that does not parse; says what would be valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason} (valid: 3s, 500ms, 1m)")]
pub struct DurationError {
    reason: String,
}

/// Plain non-negative seconds, or a humantime duration.
pub fn parse(s: &str) -> Result<Duration, DurationError> {
    if let Ok(secs) = s.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Ok(Duration::from_secs_f64(secs));
        }
    }
    humantime::parse_duration(s).map_err(|e| DurationError {
        reason: e.to_string(),
    })
}
