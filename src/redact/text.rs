//! Context-free redaction of free text (logs, config files, pasted error lines).

use super::{
    is_header_list_name, is_redacted, is_secret_name, mark, redact_header_list, redact_url,
};

/// Redacts free text: PEM private key blocks, URL passwords and key-like query parameters,
/// values after secret-looking keys (`Authorization: Bearer ...`, `token = "..."`,
/// `MY_API_KEY=...`, `OTEL_EXPORTER_OTLP_HEADERS=k=v,...`), and well-known token formats.
/// Idempotent: markers are left as they are.
pub fn redact_text(text: &str) -> String {
    let t = redact_pem(text);
    let t = redact_urls(&t);
    let t = redact_key_values(&t);
    redact_token_formats(&t)
}

const BEGIN: &str = "-----BEGIN ";
const END: &str = "-----END ";
const DASHES: &str = "-----";

/// Replaces every `-----BEGIN ... PRIVATE KEY-----` block (to its END line, or to the end of
/// the text when cut off) and, in a log tail that starts inside a block, the base64 lines
/// before an orphan END line.
fn redact_pem(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let begin = rest.find(BEGIN);
        let end = rest
            .find(END)
            .filter(|&e| label_at(rest, e + END.len()).is_some());
        match (begin, end) {
            // An END before any BEGIN: the block started before this text.
            (b, Some(e)) if b.is_none_or(|b| e < b) => {
                let label = label_at(rest, e + END.len()).unwrap_or_default();
                let stop = e + END.len() + label.len() + DASHES.len();
                if label.contains("PRIVATE KEY") {
                    let start = base64_run_start(&rest[..e]);
                    out.push_str(&rest[..start]);
                    out.push_str(&mark(&rest[start..e]));
                    out.push('\n');
                } else {
                    out.push_str(&rest[..e]);
                }
                out.push_str(&rest[e..stop]);
                rest = &rest[stop..];
            }
            (Some(b), _) => {
                let Some(label) = label_at(rest, b + BEGIN.len()) else {
                    out.push_str(&rest[..b + BEGIN.len()]);
                    rest = &rest[b + BEGIN.len()..];
                    continue;
                };
                let head_end = b + BEGIN.len() + label.len() + DASHES.len();
                out.push_str(&rest[..head_end]);
                rest = &rest[head_end..];
                if !label.contains("PRIVATE KEY") {
                    continue;
                }
                let end_line = format!("{END}{label}{DASHES}");
                let body_end = rest.find(&end_line).unwrap_or(rest.len());
                out.push_str(&format!("\n{}\n", mark(&rest[..body_end])));
                rest = &rest[body_end..];
                if rest.starts_with(&end_line) {
                    out.push_str(&end_line);
                    rest = &rest[end_line.len()..];
                }
            }
            _ => break,
        }
    }
    out.push_str(rest);
    out
}

/// The PEM label starting at `at` (up to `-----` on the same line), if well formed.
fn label_at(text: &str, at: usize) -> Option<String> {
    let line = text[at..].split(['\n', '\r']).next().unwrap_or("");
    let end = line.find(DASHES)?;
    let label = &line[..end];
    (!label.is_empty()
        && label.len() < 64
        && label.bytes().all(|b| b.is_ascii_uppercase() || b == b' '))
    .then(|| label.to_string())
}

/// Where the run of base64-looking lines that ends at the end of `text` begins.
fn base64_run_start(text: &str) -> usize {
    let mut start = text.len();
    let mut rest = text.trim_end_matches(['\n', '\r']);
    while !rest.is_empty() {
        let line_start = rest.rfind('\n').map_or(0, |i| i + 1);
        let line = rest[line_start..].trim_end_matches('\r');
        let b64 = !line.is_empty()
            && line
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
        if !b64 {
            break;
        }
        start = line_start;
        rest = rest[..line_start].trim_end_matches(['\n', '\r']);
    }
    start
}

/// Bytes that end a URL or a bare value in running text.
fn ends_token(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '"' | '\'' | '`' | '<' | '>' | ')' | ']' | '}' | ',' | ';'
        )
}

/// The byte index just after the last character matching `pred` (a char boundary even when
/// that character is multi-byte, as `エ` in `エクスポート失敗:api_key=...` is).
fn after_last(text: &str, pred: impl Fn(char) -> bool) -> Option<usize> {
    text.char_indices()
        .rev()
        .find(|(_, c)| pred(*c))
        .map(|(i, c)| i + c.len_utf8())
}

/// Applies `redact_url` to every `scheme://...` in the text.
fn redact_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    while let Some(rel) = text[pos..].find("://") {
        let sep = pos + rel;
        let start = after_last(&text[pos..sep], |c| {
            !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        })
        .map_or(pos, |i| pos + i);
        let end = text[sep..].find(ends_token).map_or(text.len(), |i| sep + i);
        out.push_str(&text[pos..start]);
        out.push_str(&redact_url(&text[start..end]));
        pos = end.max(sep + 3);
    }
    out.push_str(&text[pos..]);
    out
}

/// Authorization schemes whose next word is the credential.
const AUTH_SCHEMES: &[&str] = &[
    "bearer",
    "basic",
    "token",
    "digest",
    "negotiate",
    "apikey",
    "api-key",
    "splunk",
    "bot",
];

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// Redacts the value after every secret-looking key followed by `:` or `=`.
fn redact_key_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pos = 0; // everything before `pos` is in `out`
    let mut scan = 0;
    while let Some(rel) = text[scan..].find([':', '=']) {
        let sep = scan + rel;
        scan = sep + 1;
        if text[sep..].starts_with("://") {
            continue;
        }
        let Some(key) = key_before(&text[pos..sep]) else {
            continue;
        };
        if !is_secret_name(key) && !is_header_list_name(key) {
            continue;
        }
        let Some((start, end)) = value_after(text, sep + 1, key) else {
            continue;
        };
        let value = &text[start..end];
        // `headers: map[...]` is not a `k=v` list: its entries are redacted one by one.
        if is_header_list_name(key) && !is_secret_name(key) && !value.contains('=') {
            continue;
        }
        let replaced = if is_header_list_name(key) {
            redact_header_list(value)
        } else {
            mark(value)
        };
        out.push_str(&text[pos..start]);
        out.push_str(&replaced);
        pos = end;
        scan = end;
    }
    out.push_str(&text[pos..]);
    out
}

/// The key just before a separator: optional spaces, an optional closing quote, a name.
fn key_before(before: &str) -> Option<&str> {
    let t = before.trim_end_matches([' ', '\t']);
    let t = t.strip_suffix(['"', '\'']).unwrap_or(t);
    let start = after_last(t, |c| !is_ident(c)).unwrap_or(0);
    let key = &t[start..];
    (!key.is_empty()).then_some(key)
}

/// The extent of the value after a separator at `from` (quotes and Go's `[...]` excluded).
fn value_after(text: &str, from: usize, key: &str) -> Option<(usize, usize)> {
    let rest = &text[from..];
    let lead = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    let mut start = from + lead;
    let rest = &text[start..];
    if is_redacted(rest) || rest.starts_with(['{', '\n', '\r']) || rest.is_empty() {
        return None;
    }
    if let Some(q) = rest
        .chars()
        .next()
        .filter(|c| matches!(c, '"' | '\'' | '['))
    {
        let close = if q == '[' { ']' } else { q };
        start += 1;
        let body = &text[start..];
        if is_redacted(body) {
            return None;
        }
        let mut end = body.len();
        let mut escaped = false;
        for (i, c) in body.char_indices() {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == close || c == '\n' {
                end = i;
                break;
            }
        }
        return (end > 0).then_some((start, start + end));
    }
    let header_list = is_header_list_name(key);
    let word_end = |s: usize| {
        text[s..]
            .find(|c: char| {
                if header_list {
                    c.is_whitespace() || matches!(c, '"' | '\'')
                } else {
                    ends_token(c) || c == '&'
                }
            })
            .map_or(text.len(), |i| s + i)
    };
    let mut end = word_end(start);
    // `Unauthorized: Authorization: Bearer ...`: a word ending in `:` is the next key.
    if end == start || text[start..end].ends_with(':') {
        return None;
    }
    // `Authorization: Bearer abc`: the credential is the next word.
    let first = text[start..end].to_ascii_lowercase();
    let scheme = AUTH_SCHEMES
        .iter()
        .find(|s| first == **s || first.starts_with(&format!("{s}%20")));
    if let Some(s) = scheme {
        if first.len() == s.len() && text[end..].starts_with(' ') {
            let next =
                end + 1 + (text[end + 1..].len() - text[end + 1..].trim_start_matches(' ').len());
            if next < text.len() && !is_redacted(&text[next..]) {
                end = word_end(next).max(end);
            }
        }
    }
    Some((start, end))
}

/// Well-known token prefixes (GitLab, GitHub, Slack) and JSON Web Tokens, wherever they appear.
const TOKEN_PREFIXES: &[&str] = &[
    "glrt-",
    "glpat-",
    "glcbt-",
    "gldt-",
    "glptt-",
    "glsoat-",
    "GR1348941",
    "ghp_",
    "gho_",
    "ghs_",
    "ghu_",
    "github_pat_",
    "xoxb-",
    "xoxp-",
    "eyJ",
];

fn redact_token_formats(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    let mut i = 0;
    while i < text.len() {
        let at = &text[i..];
        let boundary =
            i == 0 || !text[..i].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_');
        let hit = boundary
            .then(|| TOKEN_PREFIXES.iter().find(|p| at.starts_with(**p)))
            .flatten();
        if let Some(p) = hit {
            let len = at
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
                .unwrap_or(at.len());
            let token = at[..len].trim_end_matches('.');
            let jwt_ok = *p != "eyJ" || token.matches('.').count() == 2;
            if token.len() >= p.len() + 8 && jwt_ok {
                out.push_str(&text[pos..i]);
                out.push_str(&mark(token));
                i += token.len();
                pos = i;
                continue;
            }
        }
        i += at.chars().next().map_or(1, char::len_utf8);
    }
    out.push_str(&text[pos..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(out: &str, secret: &str) {
        assert!(!out.contains(secret), "{secret} survived in: {out}");
        assert!(out.contains("<redacted len="), "no marker in: {out}");
    }

    #[test]
    fn authorization_header_keeps_its_name() {
        let out = redact_text("401 Unauthorized: Authorization: Bearer planted99 more");
        clean(&out, "planted99");
        assert!(
            out.starts_with("401 Unauthorized: Authorization: <redacted"),
            "{out}"
        );
        let out = redact_text("sending Authorization: Bearer s3cr3tvalue to collector");
        clean(&out, "s3cr3tvalue");
        assert!(
            out.starts_with("sending Authorization: <redacted len=18 "),
            "{out}"
        );
        assert!(out.ends_with(" to collector"), "{out}");
    }

    #[test]
    fn quoted_json_and_toml_values() {
        clean(
            &redact_text(r#"{"authorization":"Basic dXNlcjpwYXNz"}"#),
            "dXNlcjpwYXNz",
        );
        let out = redact_text("token = \"glrt-abcdefghijklmnop\"\nname = \"ci\"");
        clean(&out, "abcdefghijklmnop");
        assert!(out.contains("name = \"ci\""), "{out}");
        clean(
            &redact_text("map[Authorization:[Bearer gotoken123]]"),
            "gotoken123",
        );
    }

    #[test]
    fn env_style_assignments() {
        let out = redact_text("MY_API_KEY=k3yvalue OTHER=visible");
        clean(&out, "k3yvalue");
        assert!(out.contains("OTHER=visible"), "{out}");
        let out =
            redact_text("OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer%20abcdef,x-tenant=acme1");
        clean(&out, "abcdef");
        clean(&out, "acme1");
        assert!(out.contains("Authorization=<redacted"), "{out}");
        assert!(out.contains(",x-tenant=<redacted"), "{out}");
    }

    #[test]
    fn urls_in_text() {
        let out = redact_text(
            "POST http://user:pa55word@127.0.0.1:9/v1/traces?api_key=zzz999&x=1 failed",
        );
        clean(&out, "pa55word");
        clean(&out, "zzz999");
        assert!(out.contains("http://user:<redacted"), "{out}");
        assert!(out.contains("&x=1 failed"), "{out}");
    }

    #[test]
    fn pem_blocks_whole_cut_and_orphaned() {
        let key = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nAbCdEf==\n-----END PRIVATE KEY-----\n";
        let out = redact_text(&format!("before\n{key}after"));
        clean(&out, "MIIEvQIBADAN");
        assert!(
            out.contains("-----BEGIN PRIVATE KEY-----") && out.contains("after"),
            "{out}"
        );
        let cut = redact_text("x -----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIIrest");
        clean(&cut, "MHcCAQEEII");
        let orphan =
            redact_text("log line\nMHcCAQEEIIabc\nAoGBAxyz\n-----END EC PRIVATE KEY-----\nnext");
        clean(&orphan, "MHcCAQEEII");
        clean(&orphan, "AoGBAxyz");
        assert!(
            orphan.starts_with("log line\n") && orphan.ends_with("next"),
            "{orphan}"
        );
        let cert = "-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----";
        assert_eq!(redact_text(cert), cert);
        let escaped = redact_text(
            r#""-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJB\n-----END RSA PRIVATE KEY-----""#,
        );
        clean(&escaped, "MIIBOgIBAAJB");
    }

    #[test]
    fn token_formats_and_idempotence() {
        clean(
            &redact_text("runner glrt-t1_abcdefghijkl registered"),
            "abcdefghijkl",
        );
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";
        clean(&redact_text(&format!("jwt {jwt}")), "c2lnbmF0dXJl");
        let once = redact_text("Authorization: Bearer abc123456 http://u:p4ss@h/?token=t0k");
        assert_eq!(redact_text(&once), once);
    }

    #[test]
    fn ordinary_text_is_untouched() {
        for t in [
            "tls: first record does not look like a TLS handshake",
            "transport: authentication handshake failed: EOF",
            "dial tcp: address http://localhost:4317: too many colons in address",
            "missing or empty authorization header: Authorization",
            "x509: certificate signed by unknown authority",
        ] {
            assert_eq!(redact_text(t), t);
        }
    }
}

#[cfg(test)]
mod boundary_tests {
    use super::*;

    #[test]
    fn multibyte_text_before_a_key_or_url_does_not_panic() {
        let out = redact_text("エクスポート失敗:api_key=abc connection refused");
        assert!(
            !out.contains("=abc") && out.starts_with("エクスポート失敗:api_key=<redacted"),
            "{out}"
        );
        let out = redact_text("失敗http://u:pw1234@h/?token=zz9");
        assert!(!out.contains("pw1234") && !out.contains("zz9"), "{out}");
    }
}
