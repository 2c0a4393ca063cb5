//! The text given to `explain` made safe to read and to echo: terminal colours removed, every
//! other control character escaped by `PeerText`'s rule, and binary or empty input refused.

use crate::facts::peer_text::visible;
use std::borrow::Cow;

/// Why the input cannot be explained (a usage error, exit 2).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error(
        "nothing to explain: give the error text as an argument or on standard input, e.g. \
         runner doctor explain 'tls: first record does not look like a TLS handshake'"
    )]
    Empty,
    #[error(
        "the input is not text ({odd} of its first {looked} characters are control bytes or \
         invalid UTF-8): give the error line as text, e.g. copied from the log, or a whole log \
         with --file"
    )]
    Binary { odd: usize, looked: usize },
}

/// Characters looked at to tell text from binary.
const SNIFF: usize = 4096;

/// The input as `explain` reads it: colours removed, `\r\n` read as `\n`, tabs as spaces, and
/// every remaining control character escaped, so no byte of it can reach a terminal raw.
pub fn prepare(raw: &str) -> Result<String, InputError> {
    let mut bytes = raw.as_bytes().to_vec();
    strip_ansi(&mut bytes);
    let raw = String::from_utf8_lossy(&bytes);
    let (odd, looked) = raw
        .chars()
        .take(SNIFF)
        .fold((0, 0), |(odd, n), c| (odd + usize::from(is_odd(c)), n + 1));
    if raw.contains('\0') || odd * 10 > looked {
        return Err(InputError::Binary { odd, looked });
    }
    let text = clean_line(&raw.replace("\r\n", "\n")).into_owned();
    if text.trim().is_empty() {
        return Err(InputError::Empty);
    }
    Ok(text)
}

/// One line (or text) made safe: colours removed, tabs as spaces, other controls escaped.
pub fn clean_line(line: &str) -> Cow<'_, str> {
    if !line.contains(['\x1b', '\t']) {
        return visible(line);
    }
    let mut bytes = line.as_bytes().to_vec();
    strip_ansi(&mut bytes);
    let text = String::from_utf8_lossy(&bytes).replace('\t', " ");
    Cow::Owned(visible(&text).into_owned())
}

/// A character text does not contain: a control other than line breaks and tabs, or the
/// replacement character of invalid UTF-8.
fn is_odd(c: char) -> bool {
    c == '\u{fffd}' || (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// Removes terminal colour sequences (`ESC [ … letter`) in place: collectors colour their logs.
pub fn strip_ansi(buf: &mut Vec<u8>) {
    if memchr::memchr(0x1b, buf).is_none() {
        return;
    }
    let mut out = 0;
    let mut i = 0;
    while i < buf.len() {
        if buf[i] == 0x1b && buf.get(i + 1) == Some(&b'[') {
            i += 2;
            while i < buf.len() && !buf[i].is_ascii_alphabetic() {
                i += 1;
            }
            i += 1;
            continue;
        }
        buf[out] = buf[i];
        out += 1;
        i += 1;
    }
    buf.truncate(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_colours_removed() {
        let t =
            prepare("\x1b[31merror\x1b[0m:\tconnection to 127.0.0.1:4317\x18 refused\u{9b}\r\n")
                .unwrap();
        assert_eq!(
            t,
            "error: connection to 127.0.0.1:4317\\x18 refused\\u{9b}\n"
        );
    }

    #[test]
    fn binary_and_empty_input_are_refused() {
        assert_eq!(prepare(" \n\t"), Err(InputError::Empty));
        assert!(matches!(prepare("a\0b"), Err(InputError::Binary { .. })));
        let noise: String = (0u8..=255).map(|b| b as char).collect();
        assert!(matches!(prepare(&noise), Err(InputError::Binary { .. })));
    }
}
