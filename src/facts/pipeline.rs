//! What the telemetry pipeline's exporter met: failures and partial successes, typed.

use super::answer::{classify, AnswerFacts, BodySign, Class, Sent};
use super::peer_text::PeerText;
use crate::config::Signal;
use serde::Serialize;

/// The collector accepted the request but rejected some of its spans (OTLP `partial_success`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SpanPartialSuccess {
    pub rejected_spans: i64,
    /// The collector's own words.
    pub message: PeerText,
}

/// What kind of failure an export met, decided from typed facts, never from message text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum FailureKind {
    /// The export did not finish within the configured timeout.
    Timeout,
    /// No response: connect, TLS, or the connection broke (see the chain).
    Transport,
    /// The HTTP receiver answered with a non-success status.
    HttpStatus { status: u16 },
    /// The gRPC receiver answered with a non-OK status.
    GrpcStatus {
        code: i32,
        /// The server's words.
        message: PeerText,
    },
    /// The runner's own gRPC client refused the answer (tonic made up this status: a message
    /// over its decode limit, a malformed frame, a missing status); the server sent no such
    /// status.
    ClientRejected {
        code: i32,
        /// tonic's words, which can quote what the server sent (a content-type, a length).
        message: PeerText,
    },
    /// The exporter failed for another reason (already shut down, encoding, ...).
    Exporter,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExportFailure {
    #[serde(flatten)]
    pub kind: FailureKind,
    /// The error and every `source()` below it, outermost first.
    pub chain: Vec<String>,
    /// The innermost I/O error's kind, when the chain holds one (refused, reset, ...): a typed
    /// fact the run-time metrics classify by. Not shown to users: the chain says it in words.
    #[serde(skip)]
    pub io: Option<std::io::ErrorKind>,
    /// The answer's typed facts and how the request was sent, when an answer came back: what
    /// the one classifier (`facts::answer::classify`) reads.
    #[serde(skip)]
    pub answer: Option<(AnswerFacts, Sent)>,
}

impl ExportFailure {
    pub fn new(kind: FailureKind, chain: Vec<String>) -> ExportFailure {
        ExportFailure {
            kind,
            chain,
            io: None,
            answer: None,
        }
    }

    /// Notes the answer's typed facts (see `answer`).
    pub fn with_answer(mut self, facts: AnswerFacts, sent: Sent) -> ExportFailure {
        self.answer = Some((facts, sent));
        self
    }

    /// The answer's classification, when an answer (an HTTP or gRPC status) came back.
    pub fn class(&self) -> Option<Class> {
        match &self.kind {
            FailureKind::HttpStatus { status } => Some(match &self.answer {
                Some((facts, sent)) => classify(facts, *sent),
                None => {
                    let facts = AnswerFacts {
                        http_status: *status,
                        ..AnswerFacts::default()
                    };
                    classify(
                        &facts,
                        Sent {
                            grpc: false,
                            tls: false,
                        },
                    )
                }
            }),
            FailureKind::GrpcStatus { code, .. } => Some(match code.unsigned_abs() {
                0 => Class::Accepted,
                code => Class::Grpc { code },
            }),
            _ => None,
        }
    }

    /// The fixed text the answer carries (in its body, or a gRPC status's message), if any.
    pub fn sign(&self) -> Option<BodySign> {
        match &self.kind {
            FailureKind::GrpcStatus { message, .. } => BodySign::of(message.as_str().as_bytes()),
            _ => self.answer.as_ref().and_then(|(facts, _)| facts.sign),
        }
    }

    /// Notes the kind of the innermost `io::Error` below `err`.
    pub fn with_io_from(mut self, err: &(dyn std::error::Error + 'static)) -> ExportFailure {
        self.io = io_kind_of(err);
        self
    }

    /// The chain as one line, outermost first.
    pub fn chain_text(&self) -> String {
        self.chain.join(": ")
    }
}

/// `partial_success` of an export response: rejected items (of any signal) and the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartialSuccess {
    pub rejected: i64,
    /// The collector's own words.
    pub message: PeerText,
}

impl PartialSuccess {
    /// The report's evidence: the rejected count under the signal's own OTLP field name.
    pub fn evidence(&self, signal: Signal) -> serde_json::Value {
        serde_json::json!({ rejected_field(signal): self.rejected, "error_message": self.message })
    }
}

pub fn rejected_field(signal: Signal) -> &'static str {
    match signal {
        Signal::Traces => "rejected_spans",
        Signal::Metrics => "rejected_data_points",
        Signal::Logs => "rejected_log_records",
    }
}

/// The kind of the innermost `io::Error` in `err`'s source chain.
pub fn io_kind_of(err: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    let mut found = None;
    let mut cur = Some(err);
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            found = Some(io.kind());
        }
        cur = e.source();
    }
    found
}
