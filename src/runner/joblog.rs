//! The job's log: redacted line by line as it is written, and streamed to the coordinator.
//!
//! Redaction works on whole lines so a masked value split across two reads is still caught.
//! Uploads follow GitLab's protocol: `Content-Range: start-end`, and after a 416 the runner
//! resumes from the length the server says it has (`Range: 0-N`).

use super::client::{ClientError, Coordinator, Patch};
use crate::redact::{redacted_marker, Secret};
use bytes::Bytes;
use std::sync::{Arc, Mutex};

/// GitLab's default `output_limit` is 4 MiB; the log stops growing there.
pub const LOG_LIMIT: usize = 4 * 1024 * 1024;
/// A line longer than this is redacted and emitted without waiting for its newline.
const MAX_PENDING: usize = 64 * 1024;
/// The most sent in one PATCH.
const CHUNK: usize = 256 * 1024;

#[derive(Debug, Default)]
struct State {
    done: Vec<u8>,
    pending: Vec<u8>,
    truncated: bool,
}

/// A shared, append-only, redacted log.
#[derive(Clone, Debug)]
pub struct JobLog {
    state: Arc<Mutex<State>>,
    masks: Arc<Vec<(Vec<u8>, Vec<u8>)>>,
}

impl JobLog {
    /// A log that hides every value in `masked` (longest first, so overlaps are hidden whole).
    pub fn new(mut masked: Vec<String>) -> JobLog {
        masked.retain(|m| !m.is_empty());
        masked.sort_by_key(|m| std::cmp::Reverse(m.len()));
        masked.dedup();
        let masks = masked
            .into_iter()
            .map(|m| {
                let marker = redacted_marker(&m).into_bytes();
                (m.into_bytes(), marker)
            })
            .collect();
        JobLog {
            state: Arc::default(),
            masks: Arc::new(masks),
        }
    }

    /// Appends raw output; complete lines become visible (redacted) at once.
    pub fn write(&self, bytes: &[u8]) {
        let mut st = self.state.lock().unwrap();
        st.pending.extend_from_slice(bytes);
        let cut = match st.pending.iter().rposition(|b| *b == b'\n') {
            Some(i) => i + 1,
            None if st.pending.len() > MAX_PENDING => st.pending.len(),
            None => return,
        };
        let complete: Vec<u8> = st.pending.drain(..cut).collect();
        let clean = crate::redact::egress::scrub_bytes(&self.redact(&complete));
        push(&mut st, &clean);
    }

    /// Makes a trailing partial line visible (at the end of a step).
    pub fn flush_partial(&self) {
        let mut st = self.state.lock().unwrap();
        if st.pending.is_empty() {
            return;
        }
        let mut rest = std::mem::take(&mut st.pending);
        rest.push(b'\n');
        let clean = self.redact(&rest);
        push(&mut st, &clean);
    }

    /// A line written by the runner itself.
    pub fn line(&self, text: &str) {
        self.flush_partial();
        self.write(format!("{text}\n").as_bytes());
    }

    /// Everything visible so far.
    pub fn snapshot(&self) -> Vec<u8> {
        self.state.lock().unwrap().done.clone()
    }

    pub fn len(&self) -> usize {
        self.state.lock().unwrap().done.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn slice(&self, from: usize, max: usize) -> Bytes {
        let st = self.state.lock().unwrap();
        let from = from.min(st.done.len());
        let to = (from + max).min(st.done.len());
        Bytes::copy_from_slice(&st.done[from..to])
    }

    fn redact(&self, bytes: &[u8]) -> Vec<u8> {
        let mut out = bytes.to_vec();
        for (secret, marker) in self.masks.iter() {
            out = replace_all(&out, secret, marker);
        }
        out
    }
}

fn push(st: &mut State, bytes: &[u8]) {
    if st.truncated {
        return;
    }
    let room = LOG_LIMIT.saturating_sub(st.done.len());
    if bytes.len() <= room {
        st.done.extend_from_slice(bytes);
    } else {
        st.done.extend_from_slice(&bytes[..room]);
        st.done.extend_from_slice(
            b"\n[runner] job log size limit reached; further output is dropped\n",
        );
        st.truncated = true;
    }
}

fn replace_all(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(needle) {
            out.extend_from_slice(with);
            i += needle.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

/// Why an upload stopped.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("coordinator refused the log chunk with HTTP {0}")]
    Refused(http::StatusCode),
    #[error("coordinator keeps answering 416 without progress (holds {0} bytes)")]
    NoProgress(u64),
}

/// What the uploads so far did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UploadStats {
    pub chunks: u64,
    pub resumes: u64,
    pub last_status: Option<u16>,
}

/// Sends the log's new bytes to the coordinator, remembering how much it holds.
#[derive(Debug)]
pub struct Uploader {
    client: Coordinator,
    job_id: u64,
    token: Secret,
    sent: usize,
    pub stats: UploadStats,
}

impl Uploader {
    pub fn new(client: Coordinator, job_id: u64, token: Secret) -> Uploader {
        Uploader {
            client,
            job_id,
            token,
            sent: 0,
            stats: UploadStats::default(),
        }
    }

    /// How many bytes the coordinator is known to hold.
    pub fn sent(&self) -> usize {
        self.sent
    }

    /// Sends everything visible in `log` that the server does not hold yet.
    pub async fn push(&mut self, log: &JobLog) -> Result<(), UploadError> {
        let mut stuck = 0;
        loop {
            let chunk = log.slice(self.sent, CHUNK);
            if chunk.is_empty() {
                return Ok(());
            }
            let len = chunk.len();
            let answer = self
                .client
                .patch_trace(self.job_id, &self.token, self.sent as u64, chunk)
                .await?;
            self.stats.chunks += 1;
            match answer {
                Patch::Accepted { server_len } => {
                    self.stats.last_status = Some(202);
                    let next = server_len.map_or(self.sent + len, |n| n as usize);
                    self.sent = next.min(log.len());
                    stuck = 0;
                }
                Patch::RangeMismatch { server_len } => {
                    self.stats.last_status = Some(416);
                    self.stats.resumes += 1;
                    stuck += 1;
                    if stuck > 3 || server_len as usize > log.len() {
                        return Err(UploadError::NoProgress(server_len));
                    }
                    self.sent = server_len as usize;
                }
                Patch::Refused(status) => {
                    self.stats.last_status = Some(status.as_u16());
                    return Err(UploadError::Refused(status));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_a_value_split_across_writes() {
        let log = JobLog::new(vec!["s3cr3t-value".into()]);
        log.write(b"token is s3cr");
        log.write(b"3t-value here\nnext");
        log.flush_partial();
        let text = String::from_utf8(log.snapshot()).unwrap();
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(text.contains("<redacted len=12"), "{text}");
        assert!(text.ends_with("next\n"), "{text}");
    }

    #[test]
    fn stops_growing_at_the_limit() {
        let log = JobLog::new(vec![]);
        let line = vec![b'x'; 1023];
        for _ in 0..(LOG_LIMIT / 1024 + 10) {
            log.write(&line);
            log.write(b"\n");
        }
        assert!(log.len() < LOG_LIMIT + 200);
        assert!(String::from_utf8_lossy(&log.snapshot()).contains("size limit"));
    }
}
