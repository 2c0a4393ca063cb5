//! Makes a text report stable for snapshots: ports, temp paths, durations and ids vary per run.

use std::path::Path;

/// Replaces ports (by placeholder name), the temp folder, durations, hex ids and fingerprints.
pub fn report(text: &str, ports: &[(String, u16)], tmp: &Path) -> String {
    let mut s = text.replace(&*tmp.to_string_lossy(), "[TMP]");
    // Longest numbers first so a port that is a prefix of another is not replaced inside it.
    let mut ports = ports.to_vec();
    ports.sort_by_key(|(_, p)| std::cmp::Reverse(p.to_string().len()));
    for (name, port) in &ports {
        s = replace_number(&s, &port.to_string(), &format!("{{{name}}}"));
    }
    let s = exporter_errors(&s);
    let s = hex_ids(&s);
    durations(&s)
}

/// The exporter's own error chain (hyper, tonic) varies from run to run for the same peer (see
/// research/rust-otel-stack.md); only the doctor's wording around it is snapshotted.
fn exporter_errors(s: &str) -> String {
    const START: &str = "the connection failed: ";
    const END: &str = ". The probes saw";
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(START) {
        let after = &rest[i + START.len()..];
        let line_end = after.find('\n').unwrap_or(after.len());
        match after[..line_end].find(END) {
            Some(j) => {
                out.push_str(&rest[..i + START.len()]);
                out.push_str("[EXPORTER ERROR]");
                rest = &after[j..];
            }
            None => {
                out.push_str(&rest[..i + START.len()]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Replaces `num` where it is a whole number (not part of a longer run of digits).
fn replace_number(s: &str, num: &str, with: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < s.len() {
        if s[i..].starts_with(num)
            && (i == 0 || !bytes[i - 1].is_ascii_digit())
            && !bytes.get(i + num.len()).is_some_and(u8::is_ascii_digit)
        {
            out.push_str(with);
            i += num.len();
        } else {
            let ch = s[i..].chars().next().unwrap();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// 64/40/32/16-digit hex runs (fingerprints, trace and span ids) become markers.
fn hex_ids(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        while i < chars.len() && chars[i].is_ascii_hexdigit() {
            i += 1;
        }
        let boundary_before = start == 0 || !chars[start - 1].is_ascii_alphanumeric();
        let boundary_after = i >= chars.len() || !chars[i].is_ascii_alphanumeric();
        let run: String = chars[start..i].iter().collect();
        let has_digit_and_letter = run.chars().any(|c| c.is_ascii_digit());
        if i > start && boundary_before && boundary_after && has_digit_and_letter {
            match run.len() {
                64 => out.push_str("[SHA256]"),
                32 => out.push_str("[TRACE_ID]"),
                16 => out.push_str("[SPAN_ID]"),
                _ => out.push_str(&run),
            }
        } else {
            out.push_str(&run);
        }
        if i == start {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// `12ms`, `1.5 s`, `300µs`, `<1 ms` become `[N]ms`, `[N] s`, `[N]µs`, `[N] ms`.
fn durations(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let boundary = i == 0 || !(chars[i - 1].is_ascii_alphanumeric() || chars[i - 1] == '.');
        if c.is_ascii_digit() && boundary {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let mut j = i;
            if j < chars.len() && chars[j] == ' ' {
                j += 1;
            }
            let unit: String = chars[j..].iter().take(2).collect();
            let unit = if unit == "ms" || unit == "µs" || unit == "ns" {
                Some(unit)
            } else if chars.get(j) == Some(&'s') {
                Some("s".to_string())
            } else {
                None
            };
            let after = j + unit.as_ref().map_or(0, |u| u.chars().count());
            let ends = after >= chars.len() || !chars[after].is_ascii_alphanumeric();
            match unit {
                Some(u) if ends => {
                    // `<1 ms` (a latency under a millisecond) is a duration like `2 ms`.
                    if out.ends_with('<') {
                        out.pop();
                    }
                    out.push_str("[N]");
                    out.extend(&chars[i..j]);
                    out.push_str(&u);
                    i = after;
                }
                _ => out.extend(&chars[start..i]),
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_ports_paths_durations_ids() {
        let t = "dns 3ms, tcp 1.5 s to 127.0.0.1:41234 (not 141234), file /tmp/x/ca.pem, \
                 trace 0af7651916cd43dd8448eb211c80319c";
        let got = report(t, &[("port".into(), 41234)], Path::new("/tmp/x"));
        assert_eq!(
            got,
            "dns [N]ms, tcp [N] s to 127.0.0.1:{port} (not 141234), file [TMP]/ca.pem, \
             trace [TRACE_ID]"
        );
    }

    #[test]
    fn masks_the_exporter_error_chain_only() {
        let t = "span failed: the connection failed: broken pipe. The probes saw x.\n\
                 the connection failed: kept";
        assert_eq!(
            report(t, &[], Path::new("/nonexistent")),
            "span failed: the connection failed: [EXPORTER ERROR]. The probes saw x.\n\
             the connection failed: kept"
        );
    }
}
