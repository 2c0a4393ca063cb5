//! Whole logs: finds the export and transport errors among ordinary lines (SDK and collector
//! logs, GitLab Runner's logrus lines, JSON lines, stack traces over several lines) and groups
//! them by cause. Streamed: every line is read up to `MAX_LINE` bytes, the rest skipped, so
//! memory stays constant whatever the input; bytes need not be UTF-8.

use super::extract::{self, Context};
use super::own::Coordinator;
use super::{explain, Match};
use crate::cause::Cause;
use aho_corasick::AhoCorasick;
use std::collections::HashMap;
use std::io::{self, BufRead};

/// Bytes of one line that are looked at; the rest of a longer line is skipped.
pub const MAX_LINE: usize = 16 * 1024;
/// Bytes of one event (a line and its continuation lines) that are explained.
const MAX_EVENT: usize = 8 * 1024;
/// Groups kept; errors of further causes are counted in the last one's `other`.
const MAX_GROUPS: usize = 64;
/// Distinct line shapes whose explanation is remembered.
const CACHE: usize = 4096;
/// Fields of a JSON line that carry the message and its error.
const MESSAGE_KEYS: &[&str] = &[
    "msg",
    "message",
    "error",
    "err",
    "error.message",
    "exception",
    "exception.message",
    "status",
    "body",
    "stacktrace",
    "stack",
];
/// A sample line is shown up to this many bytes.
const MAX_SAMPLE: usize = 400;

/// Words without which a line is not looked at further (case-insensitive).
const KEYWORDS: &[&str] = &[
    "error",
    "fail",
    "refused",
    "timeout",
    "timed out",
    "deadline",
    "eof",
    "unavailable",
    "exception",
    "x509",
    "ssl",
    "tls",
    "unauthor",
    "forbidden",
    "reset",
    "closed",
    "broken pipe",
    "not found",
    "no such host",
    "unimplemented",
    "bad gateway",
    "econn",
    "enotfound",
    "moved",
    "redirect",
    "retry",
    "dropped",
    "proxy",
    "certificate",
    "handshake",
    "errno",
    "status code",
    "unexpected",
    "unreachable",
    "denied",
    "invalid",
];

/// One cause (or one set of candidates, for vague lines) seen in the log.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Group {
    /// The best cause; for a vague line, its first candidate.
    pub cause: Cause,
    /// The line names no cause by itself: `matches` are candidates.
    pub vague: bool,
    pub count: u64,
    pub first: Option<String>,
    pub last: Option<String>,
    /// The first line of the first event, redacted and cut.
    pub sample: String,
    pub matches: Vec<Match>,
    /// What the lines say about the endpoint (from the first event that names one).
    pub context: Context,
    pub settle_with: String,
}

/// Failed requests of the runner to its coordinator, of one kind.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CoordinatorGroup {
    pub failure: Coordinator,
    /// The coordinator's base URL, when a line names it.
    pub url: Option<String>,
    pub count: u64,
    pub first: Option<String>,
    pub last: Option<String>,
    pub sample: String,
    pub settle_with: String,
}

/// What a log contained.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Summary {
    pub lines: u64,
    pub errors: u64,
    pub long_lines: u64,
    pub groups: Vec<Group>,
    /// The runner's own failed requests to its coordinator (not telemetry).
    pub coordinator: Vec<CoordinatorGroup>,
}

impl Summary {
    /// Whether any failure was found (an export error or a coordinator failure).
    pub fn found(&self) -> bool {
        !self.groups.is_empty() || !self.coordinator.is_empty()
    }
}

/// Reads one line into `buf` (without its newline), at most `max` bytes; `None` at the end.
/// Returns whether the line was longer than `max`.
pub fn read_capped<R: BufRead>(
    r: &mut R,
    buf: &mut Vec<u8>,
    max: usize,
) -> io::Result<Option<bool>> {
    buf.clear();
    let mut read_any = false;
    let mut long = false;
    loop {
        let avail = match r.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            return Ok(read_any.then_some(long));
        }
        read_any = true;
        let (chunk, used, done) = match memchr::memchr(b'\n', avail) {
            Some(i) => (&avail[..i], i + 1, true),
            None => (avail, avail.len(), false),
        };
        let room = max - buf.len();
        if chunk.len() > room {
            long = true;
        }
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        r.consume(used);
        if done {
            return Ok(Some(long));
        }
    }
}

/// An error event being collected: its head line and continuation lines.
#[derive(Default)]
struct Event {
    text: String,
    head: String,
    ts: Option<String>,
    hit: bool,
    open: bool,
    traceback: bool,
}

struct Scanner {
    keywords: AhoCorasick,
    cache: HashMap<String, Vec<Match>>,
    index: HashMap<String, usize>,
    summary: Summary,
}

/// Scans a whole log.
pub fn scan<R: BufRead>(mut r: R) -> io::Result<Summary> {
    let mut s = Scanner {
        keywords: AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(KEYWORDS)
            .expect("keywords build"),
        cache: HashMap::new(),
        index: HashMap::new(),
        summary: Summary::default(),
    };
    let mut buf = Vec::with_capacity(MAX_LINE);
    let mut ev = Event::default();
    while let Some(long) = read_capped(&mut r, &mut buf, MAX_LINE)? {
        s.summary.lines += 1;
        s.summary.long_lines += u64::from(long);
        let raw = String::from_utf8_lossy(&buf);
        let line = super::input::clean_line(raw.trim_end_matches('\r'));
        let line: &str = &line;
        if line.trim().is_empty() {
            continue;
        }
        if ev.open && continues(&ev, line) {
            ev.traceback |= line.starts_with("Traceback ");
            let ends_traceback = ev.traceback
                && !line.starts_with([' ', '\t'])
                && !line.starts_with("Traceback ")
                && !line.starts_with("During handling");
            if ends_traceback {
                ev.traceback = false;
            }
            if s.keywords.is_match(line) || ends_traceback {
                ev.hit |= s.keywords.is_match(line);
                push_capped(&mut ev.text, line.trim());
            }
            continue;
        }
        s.finish(&mut ev);
        let (message, ts) = message_and_time(line);
        let hit = s.keywords.is_match(message.as_bytes());
        ev = Event {
            text: String::new(),
            head: message.clone(),
            ts,
            hit,
            open: true,
            traceback: line.starts_with("Traceback "),
        };
        push_capped(&mut ev.text, &message);
    }
    s.finish(&mut ev);
    Ok(s.summary)
}

/// Whether `line` continues the event: indented (stack frames), `Caused by:`, Java's
/// `... 12 more`, or the lines of a Python traceback up to its closing exception line.
fn continues(ev: &Event, line: &str) -> bool {
    line.starts_with([' ', '\t'])
        || line.starts_with("Caused by:")
        || line.starts_with("Traceback (most recent call last)")
        || line.starts_with("During handling of the above exception")
        || line.starts_with("The above exception was the direct cause")
        || ev.traceback
}

fn push_capped(text: &mut String, line: &str) {
    if text.len() >= MAX_EVENT {
        return;
    }
    if !text.is_empty() {
        text.push('\n');
    }
    let room = MAX_EVENT - text.len();
    text.push_str(super::cut(line, room).0);
}

impl Scanner {
    fn finish(&mut self, ev: &mut Event) {
        if !ev.open || !ev.hit {
            ev.open = false;
            return;
        }
        ev.open = false;
        if let Some((failure, url)) = super::own::coordinator(&ev.text) {
            self.coordinator(ev, failure, url);
            return;
        }
        let shape = shape(&ev.text);
        let matches = match self.cache.get(&shape) {
            Some(m) => m.clone(),
            None => {
                let m = explain(&ev.text);
                if self.cache.len() >= CACHE {
                    self.cache.clear();
                }
                self.cache.insert(shape, m.clone());
                m
            }
        };
        let Some(best) = matches.first() else { return };
        self.summary.errors += 1;
        let vague = best.vague;
        let key = if vague {
            let codes: Vec<&str> = matches.iter().map(|m| m.cause.code()).collect();
            format!("vague:{}", codes.join(","))
        } else {
            best.cause.code().to_string()
        };
        let idx = match self.index.get(&key) {
            Some(&i) => i,
            None if self.summary.groups.len() < MAX_GROUPS => {
                let ctx = extract::context(&ev.text);
                let settle_with = extract::settle_command(&ctx, Some(best.cause));
                self.summary.groups.push(Group {
                    cause: best.cause,
                    vague,
                    count: 0,
                    first: ev.ts.clone(),
                    last: None,
                    sample: crate::redact::redact_text(super::cut(ev.head.trim(), MAX_SAMPLE).0),
                    matches: matches.clone(),
                    context: ctx,
                    settle_with,
                });
                self.index.insert(key, self.summary.groups.len() - 1);
                self.summary.groups.len() - 1
            }
            None => self.summary.groups.len() - 1,
        };
        let g = &mut self.summary.groups[idx];
        g.count += 1;
        if ev.ts.is_some() {
            if g.first.is_none() {
                g.first = ev.ts.clone();
            }
            g.last = ev.ts.clone();
        }
        if g.context.host.is_none() {
            let ctx = extract::context(&ev.text);
            if ctx.host.is_some() {
                g.settle_with = extract::settle_command(&ctx, Some(g.cause));
                g.context = ctx;
            }
        }
    }
}

impl Scanner {
    fn coordinator(&mut self, ev: &Event, failure: Coordinator, url: Option<String>) {
        let same = |g: &&mut CoordinatorGroup| {
            std::mem::discriminant(&g.failure) == std::mem::discriminant(&failure)
        };
        let groups = &mut self.summary.coordinator;
        let g = match groups.iter_mut().find(same) {
            Some(g) => g,
            None => {
                groups.push(CoordinatorGroup {
                    settle_with: crate::cause::explain_text::coordinator_settle(url.as_deref()),
                    failure,
                    url,
                    count: 0,
                    first: ev.ts.clone(),
                    last: None,
                    sample: crate::redact::redact_text(super::cut(ev.head.trim(), MAX_SAMPLE).0),
                });
                groups.last_mut().expect("just pushed")
            }
        };
        g.count += 1;
        if ev.ts.is_some() {
            g.first = g.first.take().or_else(|| ev.ts.clone());
            g.last = ev.ts.clone();
        }
    }
}

/// The text with digits collapsed: lines differing only in times, ports or counts share it.
fn shape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last_digit = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !last_digit {
                out.push('0');
            }
            last_digit = true;
        } else {
            out.push(c);
            last_digit = false;
        }
    }
    out
}

/// The message of a line and its time stamp: JSON lines give their message and error fields,
/// text lines their leading date and time (or logrus' `time="…"`).
fn message_and_time(line: &str) -> (String, Option<String>) {
    let t = line.trim();
    if t.starts_with('{') && t.ends_with('}') {
        if let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(t) {
            if let Some(line) = tracing_json(&map) {
                return line;
            }
            let mut msg = String::new();
            for key in MESSAGE_KEYS {
                let v = match map.get(*key) {
                    Some(serde_json::Value::String(s)) => s.as_str(),
                    Some(serde_json::Value::Object(o)) => {
                        o.get("message").and_then(|m| m.as_str()).unwrap_or("")
                    }
                    _ => continue,
                };
                if v.is_empty() {
                    continue;
                }
                // The message as is, other fields as `key=value`, as text loggers print them.
                if !msg.is_empty() {
                    msg.push(' ');
                }
                if !matches!(*key, "msg" | "message") {
                    msg.push_str(key);
                    msg.push('=');
                }
                msg.push_str(super::cut(v, MAX_EVENT).0);
            }
            let ts = ["ts", "time", "timestamp", "@timestamp", "t"]
                .iter()
                .find_map(|k| match map.get(*k) {
                    Some(serde_json::Value::String(s)) => Some(s.clone()),
                    Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                    _ => None,
                });
            if !msg.is_empty() {
                return (msg, ts.map(|s| super::cut(&s, 64).0.to_string()));
            }
        }
    }
    (line.to_string(), time_of(t))
}

/// A line of `tracing`'s JSON format (the runner's `--log-format json`): its message and fields
/// as the text format prints them (`message key=value …`), and its time stamp.
fn tracing_json(
    map: &serde_json::Map<String, serde_json::Value>,
) -> Option<(String, Option<String>)> {
    let serde_json::Value::Object(fields) = map.get("fields")? else {
        return None;
    };
    let mut msg = fields.get("message")?.as_str()?.to_string();
    for (k, v) in fields.iter().filter(|(k, _)| *k != "message") {
        let v = v.as_str().map_or_else(|| v.to_string(), str::to_string);
        msg.push_str(&format!(" {k}={v}"));
    }
    let ts = map.get("timestamp").and_then(|t| t.as_str());
    Some((
        super::cut(&msg, MAX_EVENT).0.to_string(),
        ts.map(|t| super::cut(t, 64).0.to_string()),
    ))
}

fn time_of(line: &str) -> Option<String> {
    if let Some(i) = line.find("time=\"") {
        let rest = &line[i + 6..];
        return rest
            .split('"')
            .next()
            .map(|s| super::cut(s, 64).0.to_string());
    }
    let t = line.trim_start_matches('[');
    let mut tokens = t.split_whitespace();
    let first = tokens.next()?.trim_end_matches([']', ',']);
    // glog (gRPC core): `I1201 21:06:43.037871`.
    let g = first.as_bytes();
    if g.len() == 5
        && matches!(g[0], b'I' | b'W' | b'E' | b'F')
        && g[1..].iter().all(u8::is_ascii_digit)
    {
        let time = tokens.next()?;
        return Some(super::cut(&format!("{first} {time}"), 64).0.to_string());
    }
    let b = first.as_bytes();
    let date_like =
        b.len() >= 10 && b[..4].iter().all(u8::is_ascii_digit) && matches!(b[4], b'-' | b'/');
    if !date_like {
        return None;
    }
    if first.contains('T') {
        return Some(super::cut(first, 64).0.to_string());
    }
    match tokens.next().map(|s| s.trim_end_matches([']', ','])) {
        Some(time) if time.starts_with(|c: char| c.is_ascii_digit()) && time.contains(':') => {
            Some(super::cut(&format!("{first} {time}"), 64).0.to_string())
        }
        _ => Some(first.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_and_the_rest_skipped() {
        let mut input = vec![b'a'; MAX_LINE * 3];
        input.extend_from_slice(b"\nnext\n");
        let mut r = io::BufReader::with_capacity(1000, &input[..]);
        let mut buf = Vec::new();
        assert_eq!(read_capped(&mut r, &mut buf, MAX_LINE).unwrap(), Some(true));
        assert_eq!(buf.len(), MAX_LINE);
        assert_eq!(
            read_capped(&mut r, &mut buf, MAX_LINE).unwrap(),
            Some(false)
        );
        assert_eq!(buf, b"next");
        assert_eq!(read_capped(&mut r, &mut buf, MAX_LINE).unwrap(), None);
    }

    #[test]
    fn time_stamps_of_common_formats() {
        assert_eq!(
            time_of("2024-05-01T12:00:00.123Z\twarn\tx").as_deref(),
            Some("2024-05-01T12:00:00.123Z")
        );
        assert_eq!(
            time_of("2024/05/01 12:00:00 failed").as_deref(),
            Some("2024/05/01 12:00:00")
        );
        assert_eq!(
            time_of("time=\"2024-05-01T12:00:00Z\" level=warning").as_deref(),
            Some("2024-05-01T12:00:00Z")
        );
        assert_eq!(time_of("WARNING: failed"), None);
        assert_eq!(
            time_of("I1201 21:06:43.037871    2701 x.cc:1] y").as_deref(),
            Some("I1201 21:06:43.037871")
        );
        let line = crate::explain::input::clean_line(
            "\x1b[2m2026-12-01T21:06:56Z\x1b[0m \x1b[31mERROR\x1b[0m x",
        );
        assert_eq!(line, "2026-12-01T21:06:56Z ERROR x");
    }
}
