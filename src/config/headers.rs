//! The configured headers as they go on the wire: one rule for the doctor's probes and both
//! exporters, so the doctor sends exactly what the runner will.

use super::SignalSettings;
use http::{HeaderName, HeaderValue};

/// The configured headers that are valid HTTP headers, in order (names trimmed, values marked
/// sensitive). The others are skipped here: the config stage reports them.
pub fn wire_headers(s: &SignalSettings) -> Vec<(HeaderName, HeaderValue)> {
    s.headers
        .value
        .iter()
        .filter_map(|h| {
            let name = HeaderName::from_bytes(h.name.trim().as_bytes()).ok()?;
            let mut value = HeaderValue::from_str(h.value.expose()).ok()?;
            value.set_sensitive(true);
            Some((name, value))
        })
        .collect()
}
