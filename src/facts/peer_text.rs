//! `PeerText`: words a server sent (grpc-message, status messages, bodies, partial_success),
//! kept as data to quote: capped, control characters made visible, never a line of its own.

use serde::{Serialize, Serializer};
use std::fmt;

/// The most characters of a peer's text that are kept; the rest is counted, not shown.
pub const LIMIT: usize = 512;

/// Text a peer sent, already made safe to show: at most `LIMIT` characters (then
/// `… (N bytes more)`), every control character, line break and direction override written as
/// an escape (`\x1b`, `\r`, `\n`, `\u{202e}`). `Display` renders it as a quotation (`"..."`),
/// so it can never start a line of a report; JSON gets the escaped string.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PeerText {
    escaped: String,
}

impl PeerText {
    /// From raw bytes (invalid UTF-8 shown as U+FFFD), capped at `LIMIT` characters.
    pub fn from_bytes(bytes: &[u8]) -> PeerText {
        PeerText::with_limit(bytes, LIMIT)
    }

    /// From bytes, keeping at most `limit` characters.
    pub fn with_limit(bytes: &[u8], limit: usize) -> PeerText {
        // Decode no more than a generous prefix: a 10 GB body costs nothing here.
        let head = &bytes[..bytes.len().min(limit.saturating_mul(4).saturating_add(4))];
        let text = String::from_utf8_lossy(head);
        let mut escaped = String::with_capacity(text.len().min(limit * 2));
        let mut used = 0;
        for (n, c) in text.chars().enumerate() {
            if n == limit {
                break;
            }
            used += c.len_utf8();
            escape_into(&mut escaped, c);
        }
        // Bytes of the input not shown (replacement characters may differ in size: clamp).
        let shown_bytes = if used >= text.len() {
            head.len()
        } else {
            used.min(head.len())
        };
        let more = bytes.len().saturating_sub(shown_bytes);
        if more > 0 {
            escaped.push_str(&format!("… ({more} bytes more)"));
        }
        PeerText { escaped }
    }

    /// From text already decoded (a header value, a protobuf string field).
    pub fn from_text(text: &str) -> PeerText {
        PeerText::from_bytes(text.as_bytes())
    }

    /// The escaped, capped text (no quotes around it).
    pub fn as_str(&self) -> &str {
        &self.escaped
    }

    pub fn is_empty(&self) -> bool {
        self.escaped.is_empty()
    }
}

/// Writes `c` as quoted text: a backslash or quote escaped, and `push_visible`'s escapes.
fn escape_into(out: &mut String, c: char) {
    match c {
        '\\' => out.push_str("\\\\"),
        '"' => out.push_str("\\\""),
        c => push_visible(out, c),
    }
}

/// Writes `c`, or its escape when it could move the cursor, ring, recolour, break a line or
/// reorder what follows: every C0 and C1 control, DEL, line separators and direction overrides.
fn push_visible(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x80 && c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
        c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        c => out.push(c),
    }
}

fn needs_escape(c: char) -> bool {
    c.is_control() || is_invisible_mover(c)
}

/// Text a user gave (an error line, a flag value, a config file's words) made safe to echo by
/// the same rule as `PeerText`, without quoting: every control character but a line feed, and
/// every invisible mover, is written as its escape. Nothing is cut; the caller caps.
pub fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && needs_escape(c)) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '\n' => out.push('\n'),
            c => push_visible(&mut out, c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Line and paragraph separators and bidirectional controls: not `is_control`, yet they
/// break lines or reorder text on a terminal.
fn is_invisible_mover(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

impl From<&str> for PeerText {
    fn from(text: &str) -> PeerText {
        PeerText::from_text(text)
    }
}

impl fmt::Display for PeerText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", self.escaped)
    }
}

impl fmt::Debug for PeerText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PeerText(\"{}\")", self.escaped)
    }
}

impl Serialize for PeerText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.escaped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn control_characters_are_visible_and_no_line_starts() {
        let evil = b"ok\x1b[2J\x07\r\nerror [fake_cause traces] all is lost\n";
        let t = PeerText::from_bytes(evil);
        let shown = t.to_string();
        assert!(!shown.contains('\n') && !shown.contains('\r') && !shown.contains('\x1b'));
        assert!(
            shown.starts_with("\"ok\\x1b[2J\\x07\\r\\nerror [fake_cause"),
            "{shown}"
        );
        let json = serde_json::to_string(&t).unwrap();
        assert!(!json.contains('\x1b') && !json.contains('\n'), "{json}");
        assert_eq!(PeerText::from_text("a\u{202e}b").as_str(), "a\\u{202e}b");
    }

    #[test]
    fn long_text_is_capped_with_a_count() {
        let t = PeerText::from_bytes(&vec![b'x'; 10_000]);
        assert!(
            t.as_str().ends_with("… (9488 bytes more)"),
            "{}",
            &t.as_str()[500..]
        );
        let t = PeerText::from_text(&"é".repeat(600));
        assert_eq!(t.as_str().chars().filter(|c| *c == 'é').count(), LIMIT);
        assert!(t.as_str().ends_with("(176 bytes more)"), "{}", t.as_str());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn never_a_raw_control_character(b in proptest::collection::vec(any::<u8>(), 0..2000)) {
            let t = PeerText::from_bytes(&b);
            let shown = t.to_string();
            prop_assert!(!shown.chars().any(|c| c.is_control()));
            prop_assert!(shown.chars().count() <= LIMIT * 12 + 40);
        }
    }
}
