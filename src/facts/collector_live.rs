//! Typed observations of a running collector: what its health_check extension and its own
//! Prometheus metrics answered, and the lines of its log that concern a component.

use super::peer_text::PeerText;
use serde::Serialize;

/// Which of the collector's admin endpoints was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Admin {
    Health,
    Metrics,
}

/// Why an admin endpoint gave no usable answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FetchError {
    /// The URL is not `http://HOST:PORT/PATH` (the text is the URL as given, quoted by wording).
    BadUrl,
    Refused,
    Timeout {
        ms: u64,
    },
    /// Another connect or transport error (the OS or HTTP library's message, data to quote).
    Connect {
        detail: PeerText,
    },
    /// The answer was larger than the doctor reads.
    TooLarge {
        max: usize,
    },
    /// An HTTP status other than 200 where metrics were expected.
    Status {
        status: u16,
    },
    /// The body was not Prometheus text (no sample line at all).
    NotMetrics,
}

/// A bounded HTTP answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

/// What the health_check extension said.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Health {
    pub status_code: u16,
    /// The `status` field of its JSON body (`Server available`, `StatusOK`, ...), quoted later.
    pub status: Option<PeerText>,
    /// Components the v2 status body reports with an error (`pipeline:...`, `exporter:...`).
    pub failing: Vec<PeerText>,
}

/// The numbers behind a rate: the counter's value at both reads and the interval.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Delta {
    pub before: f64,
    pub after: f64,
    pub interval_ms: u64,
}

impl Delta {
    pub fn grew(&self) -> f64 {
        (self.after - self.before).max(0.0)
    }
}

/// How far an exporter's failure has gone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportPhase {
    /// `send_failed_*` grows: retries are exhausted or disabled, data is lost.
    Failing,
    /// Only the queue grows while nothing is sent: the exporter is retrying (default: 5 minutes).
    Retrying,
}

/// One line of the collector's log about a component, with the causes the matcher found in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LogLine {
    pub line: usize,
    /// The message (`Exporting failed. Will retry the request after interval.`), capped.
    pub message: PeerText,
    /// The `error` field, capped and redacted.
    pub error: Option<PeerText>,
    /// Cause codes `runner doctor explain` finds in the error (best first).
    pub causes: Vec<String>,
}

/// What the live collector showed.
#[derive(Clone, Debug, PartialEq)]
pub enum Live {
    AdminUnreachable {
        admin: Admin,
        url: String,
        why: FetchError,
    },
    Unhealthy {
        url: String,
        health: Health,
    },
    Healthy {
        url: String,
        health: Health,
    },
    /// The metrics were read twice: how many series and components were seen.
    MetricsRead {
        url: String,
        series: usize,
        interval_ms: u64,
    },
    ExporterFailing {
        exporter: String,
        /// `spans`, `metric_points`, `log_records`, ... as in the metric's name.
        items: String,
        phase: ExportPhase,
        failed: Option<Delta>,
        sent: Option<Delta>,
        queue: Option<Delta>,
        capacity: Option<f64>,
        log: Vec<LogLine>,
    },
    ExporterSending {
        exporter: String,
        items: String,
        sent: Delta,
    },
    ReceiverRefusing {
        receiver: String,
        transport: Option<String>,
        items: String,
        refused: Delta,
        accepted: Option<Delta>,
    },
    QueueFull {
        exporter: String,
        size: f64,
        capacity: Option<f64>,
        enqueue_failed: Option<Delta>,
    },
    Dropping {
        processor: String,
        items: String,
        dropped: Delta,
        /// The metric it was seen in (`otelcol_processor_dropped_spans`, ...).
        metric: String,
    },
}
