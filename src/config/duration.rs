//! Bounded duration parsing: every duration a user gives (flags, config file, environment)
//! lies between `MIN` and `MAX`, so no value can panic a conversion or an `Instant` sum.

use std::time::Duration;

/// The shortest accepted duration: anything shorter gives random verdicts.
pub const MIN: Duration = Duration::from_millis(1);
/// The longest accepted duration: longer is surely a typo, and sums stay far from overflow.
pub const MAX: Duration = Duration::from_secs(3600);

/// The accepted range, for messages.
pub const RANGE: &str = "from 1ms to 1h";

/// Why a duration was refused; its `Display` says what would be valid.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Not a number of seconds nor a duration such as `3s`, `500ms`, `1m`.
    #[error("not a duration; valid: a duration from 1ms to 1h, e.g. 3s, 500ms, 1m, 2.5")]
    Syntax,
    /// Parsed, but outside `MIN..=MAX` (zero and absurd values).
    #[error("out of range; valid: a duration from 1ms to 1h, e.g. 3s, 500ms, 1m")]
    OutOfRange,
}

/// Parses `3s`, `500ms`, `1m` (humantime) or a bare number of seconds, within `MIN..=MAX`.
pub fn parse(s: &str) -> Result<Duration, DurationError> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<f64>() {
        if !secs.is_finite() || secs < 0.0 {
            return Err(DurationError::OutOfRange);
        }
        // `try_from_secs_f64` never panics; anything beyond MAX is refused below anyway.
        let d = Duration::try_from_secs_f64(secs).map_err(|_| DurationError::OutOfRange)?;
        return within(d);
    }
    let d = humantime::parse_duration(s).map_err(|e| match e {
        humantime::DurationError::NumberOverflow => DurationError::OutOfRange,
        _ => DurationError::Syntax,
    })?;
    within(d)
}

/// Milliseconds (the specification's `*_TIMEOUT` variables), within `MIN..=MAX`.
pub fn parse_millis(s: &str) -> Option<Duration> {
    let d = Duration::from_millis(s.trim().parse::<u64>().ok()?);
    within(d).ok()
}

fn within(d: Duration) -> Result<Duration, DurationError> {
    if (MIN..=MAX).contains(&d) {
        Ok(d)
    } else {
        Err(DurationError::OutOfRange)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn zero_and_absurd_values_are_refused() {
        for bad in [
            "0",
            "0s",
            "0.0",
            "1e20",
            "1e300",
            "inf",
            "NaN",
            "-1",
            "2h",
            "99999999999999999999s",
        ] {
            assert_eq!(parse(bad), Err(DurationError::OutOfRange), "{bad}");
        }
        assert_eq!(parse("soon"), Err(DurationError::Syntax));
        assert_eq!(parse("3s"), Ok(Duration::from_secs(3)));
        assert_eq!(parse("2.5"), Ok(Duration::from_millis(2500)));
        assert_eq!(parse("1h"), Ok(MAX));
        assert_eq!(parse_millis("0"), None);
        assert_eq!(parse_millis("18446744073709551615"), None);
        assert_eq!(parse_millis("2500"), Some(Duration::from_millis(2500)));
    }

    #[test]
    fn messages_name_the_range() {
        for e in [DurationError::Syntax, DurationError::OutOfRange] {
            assert!(e.to_string().contains(RANGE), "{e}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn never_panics_and_stays_in_range(s in ".{0,40}", f in proptest::num::f64::ANY) {
            for input in [s.clone(), f.to_string(), format!("{s}s"), format!("{f}ms")] {
                if let Ok(d) = parse(&input) {
                    prop_assert!((MIN..=MAX).contains(&d));
                }
                if let Some(d) = parse_millis(&input) {
                    prop_assert!((MIN..=MAX).contains(&d));
                }
            }
        }
    }
}
