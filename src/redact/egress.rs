//! One way out: the secret values of this run, known once, replaced in every byte that
//! leaves the program (reports, JSON, evidence, bundle members, the pre-flight file, logs).
//!
//! Each value is also looked for in the forms it takes when a server or a serializer hands
//! it back: percent-encoded, percent-decoded, base64 and JSON-escaped.

use super::{is_redacted, redacted_marker};
use percent_encoding::{
    percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS, NON_ALPHANUMERIC,
};
use std::io::{self, Write};
use std::sync::RwLock;

/// Forms at least this long are replaced wherever they occur. Shorter ones (a secret source
/// may hold a 3-character password) are replaced only as a whole token, never inside a longer
/// word: replacing them everywhere would mangle ordinary words. Only secret sources (header
/// values, URL passwords, tokens, secret-named keys) ever add values here.
pub const MIN_LEN: usize = 6;

/// Authorization schemes: the first word of `Bearer abc`, not a secret itself.
const SCHEMES: &[&str] = &["bearer", "basic", "token", "apikey", "api-key", "digest"];

/// The characters a URL component or a header encoder escapes (a space becomes `%20`).
const COMPONENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'?')
    .add(b'{')
    .add(b'}')
    .add(b'%');

/// The secret values of one run, each with the forms it may take, longest first.
#[derive(Clone, Default)]
pub struct Secrets {
    /// (form to find, marker to put in its place)
    forms: Vec<(String, String)>,
    /// Forms shorter than `MIN_LEN`, replaced only as whole tokens.
    short: Vec<(String, String)>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Secrets({} forms, {} short)",
            self.forms.len(),
            self.short.len()
        )
    }
}

impl Secrets {
    pub fn new() -> Secrets {
        Secrets::default()
    }

    /// Remembers a secret value in every form, plus its longer words (`Bearer abc...` also
    /// hides `abc...` when printed alone), and after an authorization scheme every word
    /// (`Bearer ab` hides `ab`).
    pub fn add(&mut self, value: &str) {
        let decoded = percent_decode_str(value).decode_utf8_lossy().into_owned();
        for v in [value.trim().to_string(), decoded.trim().to_string()] {
            let schemed = v
                .split(|c: char| c.is_whitespace() || c == ',')
                .next()
                .is_some_and(|w| SCHEMES.contains(&w.to_ascii_lowercase().as_str()));
            // Every word but the scheme itself: the first word of `tokA tokB` is a secret too.
            let words: Vec<String> = v
                .split(|c: char| c.is_whitespace() || c == ',')
                .enumerate()
                .filter(|(i, w)| {
                    let scheme_word = *i == 0 && schemed;
                    !scheme_word && !w.is_empty() && w.len() < v.len() && (schemed || w.len() >= 8)
                })
                .map(|(_, w)| w.to_string())
                .collect();
            self.add_forms(&v);
            for w in words {
                self.add_forms(&w);
            }
        }
    }

    /// Remembers a header's value. A value long enough to be a secret (or with an
    /// authorization scheme) is one wherever it stands; a shorter one (`X-Scope-OrgID=1`) only
    /// beside its header's name, so that every bare `1` of a JSON or SARIF report is not taken
    /// for it (the report would no longer parse).
    pub fn add_header(&mut self, name: &str, value: &str) {
        let value = value.trim();
        if value.len() >= MIN_LEN || value.contains(char::is_whitespace) {
            self.add(value);
            return;
        }
        let name = name.trim();
        for sep in ["=", ": ", ":"] {
            self.add_exact(&format!("{name}{sep}{value}"));
        }
    }

    /// Remembers exactly this value (in every form), not its words: for key files, whose
    /// `-----BEGIN` lines are ordinary words.
    pub fn add_exact(&mut self, value: &str) {
        self.add_forms(value.trim());
    }

    fn add_forms(&mut self, v: &str) {
        if v.is_empty() || is_redacted(v) {
            return;
        }
        let marker = redacted_marker(v);
        let json = serde_json::to_string(v).unwrap_or_default();
        let json = json
            .get(1..json.len().saturating_sub(1))
            .unwrap_or("")
            .to_string();
        let forms = [
            v.to_string(),
            utf8_percent_encode(v, NON_ALPHANUMERIC).to_string(),
            utf8_percent_encode(v, COMPONENT).to_string(),
            base64(v.as_bytes(), STD),
            base64(v.as_bytes(), URL_SAFE),
            base64(v.as_bytes(), STD).trim_end_matches('=').to_string(),
            json,
        ];
        for f in forms {
            if f.is_empty() {
                continue;
            }
            let list = if f.len() >= MIN_LEN {
                &mut self.forms
            } else {
                &mut self.short
            };
            if !list.iter().any(|(k, _)| *k == f) {
                list.push((f, marker.clone()));
            }
        }
        // Longest first, so a value is replaced before any of its words.
        self.forms.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
        self.short.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
    }

    /// Adds every value another set knows.
    pub fn extend(&mut self, other: &Secrets) {
        for (mine, theirs) in [
            (&mut self.forms, &other.forms),
            (&mut self.short, &other.short),
        ] {
            for (k, m) in theirs {
                if !mine.iter().any(|(x, _)| x == k) {
                    mine.push((k.clone(), m.clone()));
                }
            }
            mine.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.forms.is_empty() && self.short.is_empty()
    }

    /// The text with every known form replaced by its marker.
    pub fn scrub(&self, text: &str) -> String {
        String::from_utf8(self.scrub_bytes(text.as_bytes()))
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }

    /// Bytes with every known form replaced: long forms wherever they occur, short ones as
    /// whole tokens.
    pub fn scrub_bytes(&self, bytes: &[u8]) -> Vec<u8> {
        let mut out = bytes.to_vec();
        for (k, m) in &self.forms {
            if memchr::memmem::find(&out, k.as_bytes()).is_some() {
                out = replace_bytes(&out, k.as_bytes(), m.as_bytes(), false);
            }
        }
        for (k, m) in &self.short {
            if memchr::memmem::find(&out, k.as_bytes()).is_some() {
                out = replace_bytes(&out, k.as_bytes(), m.as_bytes(), true);
            }
        }
        out
    }
}

/// A word character: a short secret inside a longer word is not that secret.
fn wordy(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80
}

/// `hay` with `needle` replaced; `whole`: only where it is not part of a longer word (an edge
/// of the needle that is itself a word character must not touch another one).
fn replace_bytes(hay: &[u8], needle: &[u8], with: &[u8], whole: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(hay.len());
    let mut i = 0;
    let (first, last) = (needle[0], needle[needle.len() - 1]);
    while i < hay.len() {
        let at = hay[i..].starts_with(needle)
            && (!whole
                || ((i == 0 || !wordy(first) || !wordy(hay[i - 1]))
                    && hay
                        .get(i + needle.len())
                        .is_none_or(|&b| !wordy(last) || !wordy(b))));
        if at {
            out.extend_from_slice(with);
            i += needle.len();
        } else {
            out.push(hay[i]);
            i += 1;
        }
    }
    out
}

const STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64 with padding (a secret echoed base64-encoded is still the secret).
fn base64(data: &[u8], alphabet: &[u8; 64]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].iter().enumerate() {
            if i <= chunk.len() {
                out.push(alphabet[(n >> shift & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The secrets of this process, for the egress points.
static GLOBAL: RwLock<Option<Secrets>> = RwLock::new(None);

/// Adds secrets to the set every egress point uses.
pub fn install(secrets: &Secrets) {
    if let Ok(mut g) = GLOBAL.write() {
        g.get_or_insert_with(Secrets::new).extend(secrets);
    }
}

/// A copy of the set every egress point uses.
pub fn installed() -> Secrets {
    GLOBAL
        .read()
        .ok()
        .and_then(|g| g.clone())
        .unwrap_or_default()
}

/// Scrubs text with the installed secrets.
pub fn scrub(text: &str) -> String {
    match GLOBAL.read() {
        Ok(g) => match g.as_ref() {
            Some(s) => s.scrub(text),
            None => text.to_string(),
        },
        Err(_) => text.to_string(),
    }
}

/// Scrubs bytes with the installed secrets.
pub fn scrub_bytes(bytes: &[u8]) -> Vec<u8> {
    match GLOBAL.read() {
        Ok(g) => match g.as_ref() {
            Some(s) => s.scrub_bytes(bytes),
            None => bytes.to_vec(),
        },
        Err(_) => bytes.to_vec(),
    }
}

/// A writer whose every write is scrubbed with the installed secrets: for logs, whose
/// formatter hands over one whole event per write.
#[derive(Debug)]
pub struct Writer<W>(pub W);

impl<W: Write> Write for Writer<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write_all(&scrub_bytes(buf))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Writes a whole output (report, message) to standard output, scrubbed.
pub fn print(text: &str) {
    let _ = io::stdout().write_all(scrub(text).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_a_value_is_replaced() {
        let mut s = Secrets::new();
        s.add("Bearer s3cr3t-\"tok\"/v+1");
        s.add("xyz");
        let value = "s3cr3t-\"tok\"/v+1";
        let forms = [
            value.to_string(),
            utf8_percent_encode(value, NON_ALPHANUMERIC).to_string(),
            base64(value.as_bytes(), STD),
            base64(value.as_bytes(), URL_SAFE),
            serde_json::to_string(value).unwrap(),
            "Bearer%20s3cr3t-%22tok%22/v+1".to_string(),
        ];
        for f in forms {
            let out = s.scrub(&format!("server said: {f} and abc"));
            assert!(!out.contains("s3cr3t"), "{f} -> {out}");
            assert!(!out.contains(&base64(value.as_bytes(), STD)), "{out}");
            assert!(
                out.contains("<redacted len=") && out.ends_with(" and abc"),
                "{out}"
            );
        }
        let bytes = s.scrub_bytes(b"\xff s3cr3t-\"tok\"/v+1 \xfe");
        assert!(!String::from_utf8_lossy(&bytes).contains("s3cr3t"));
    }

    #[test]
    fn a_short_header_value_is_hidden_beside_its_name_and_json_stays_json() {
        let mut s = Secrets::new();
        s.add_header("X-Scope-OrgID", "1");
        let out = s.scrub("X-Scope-OrgID=1 and X-Scope-OrgID: 1");
        assert!(
            !out.contains("OrgID=1") && !out.contains("OrgID: 1"),
            "{out}"
        );
        let json = r#"{"duration_ms": 1, "ok": [1, 10]}"#;
        assert_eq!(s.scrub(json), json);
        // A long header value is a secret wherever it stands.
        s.add_header("api-key", "s3cr3t-value");
        assert!(!s.scrub("got s3cr3t-value back").contains("s3cr3t-value"));
    }

    #[test]
    fn a_short_secret_is_replaced_as_a_token_not_inside_words() {
        let mut s = Secrets::new();
        s.add("xyz");
        s.add("Bearer q1");
        let out = s.scrub("pw=xyz user:xyz@host xyzzy xyz. q1 Bearer q1 aq1b");
        assert!(!out.contains("=xyz") && !out.contains(":xyz@"), "{out}");
        assert!(out.contains("xyzzy") && out.contains("aq1b"), "{out}");
        assert!(!out.contains(" q1 ") && !out.ends_with("xyz."), "{out}");
        // The scheme word alone is no secret.
        assert!(s.scrub("Bearer").contains("Bearer"));
        let one = {
            let mut s = Secrets::new();
            s.add("7");
            s
        };
        assert_eq!(one.scrub("a7 7b 17"), "a7 7b 17");
        assert!(!one.scrub("key=7&x").contains("=7&"));
    }

    proptest::proptest! {
        /// A planted secret of any length from a secret source never reaches output as a
        /// token, whatever surrounds it (issue 22).
        #[test]
        fn a_planted_secret_never_leaves(
            secret in "[A-Za-z0-9!#$%&*+./:;=?@^_~-]{1,24}",
            before in "[ -~]{0,20}",
            after in "[ -~]{0,20}",
            sep in proptest::sample::select(vec![" ", "=", ":", "\"", "/", "&", "\n", "'"]),
        ) {
            let mut s = Secrets::new();
            s.add(&secret);
            let text = format!("{before}{sep}{secret}{sep}{after}");
            let out = s.scrub(&text);
            let planted = format!("{sep}{secret}{sep}");
            proptest::prop_assert!(!out.contains(&planted), "{text:?} -> {out:?}");
        }
    }

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64(b"user:pass", STD), "dXNlcjpwYXNz");
        assert_eq!(base64(b"ab", STD), "YWI=");
        assert_eq!(base64(b"a", STD), "YQ==");
        assert_eq!(base64(b"\xfb\xff", URL_SAFE), "-_8=");
    }
}
