//! Wording of the live collector's findings and check lines (health, metrics rates, log lines).

use super::quote;
use crate::cause::{generic, Cause, Finding, Severity};
use crate::facts::collector_live::{Admin, Delta, ExportPhase, FetchError, Live, LogLine};
use serde_json::json;

/// The message of a URL the doctor refuses to use (exit 2).
pub fn bad_url(flag: &str, url: &str) -> String {
    format!(
        "{flag} {}: not an http:// URL with a host (valid: http://127.0.0.1:8888/metrics, http://collector:13133/)",
        quote(url)
    )
}

fn admin(a: Admin) -> &'static str {
    match a {
        Admin::Health => "health_check endpoint",
        Admin::Metrics => "metrics endpoint",
    }
}

fn why(w: &FetchError) -> String {
    match w {
        FetchError::BadUrl => "the URL is not http://HOST:PORT/PATH".to_owned(),
        FetchError::Refused => "the connection was refused: nothing listens there".to_owned(),
        FetchError::Timeout { ms } => format!("no answer within {ms} ms"),
        FetchError::Connect { detail } => format!("the request failed: {detail}"),
        FetchError::TooLarge { max } => format!("the answer is larger than {max} bytes"),
        FetchError::Status { status } => format!("it answered HTTP {status} instead of metrics"),
        FetchError::NotMetrics => "it answered, but not with Prometheus text".to_owned(),
    }
}

fn secs(ms: u64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

fn n(x: f64) -> String {
    format!("{x:.0}")
}

fn grew(d: &Delta) -> String {
    format!(
        "{} → {} in {}",
        n(d.before),
        n(d.after),
        secs(d.interval_ms)
    )
}

fn items(i: &str) -> String {
    i.replace('_', " ")
}

/// The explained log lines as sentences, and the first line's causes.
fn log_text(log: &[LogLine]) -> String {
    log.iter()
        .map(|l| {
            let said = match &l.error {
                Some(e) => format!("{} with error {e}", l.message),
                None => l.message.to_string(),
            };
            let cause = l
                .causes
                .first()
                .and_then(|c| Cause::from_code(c))
                .map(|c| format!(" That is {}: {}", c.code(), generic::text(c).summary))
                .unwrap_or_default();
            format!(" Its log, line {}: {said}.{cause}", l.line)
        })
        .collect()
}

/// The finding of one live observation; `None` for those that only make a check line.
pub fn finding(l: &Live) -> Option<Finding> {
    let (cause, sev, summary, explanation, fix, ev) = match l {
        Live::AdminUnreachable { admin: a, url, why: w } => (
            Cause::CollectorAdminUnreachable,
            match w {
                FetchError::Refused | FetchError::Timeout { .. } | FetchError::Connect { .. } => Severity::Error,
                _ => Severity::Warning,
            },
            format!("the collector's {} {} does not answer: {}", admin(*a), quote(url), why(w)),
            match a {
                Admin::Health => "Either the collector is not running, or the health_check extension is not in service.extensions or listens elsewhere (default 13133; since v0.104 `localhost` unless its endpoint says otherwise).".to_owned(),
                Admin::Metrics => "Either the collector is not running, or its own telemetry listens elsewhere: since v0.111 it binds localhost:8888 by default, and 0.135 configures it only as `service.telemetry.metrics.readers[].pull.exporter.prometheus` (host, port).".to_owned(),
            },
            match a {
                Admin::Health => "Check that the collector runs, add `health_check: {endpoint: 0.0.0.0:13133}` under extensions and to service.extensions, and point --health-url at it.".to_owned(),
                Admin::Metrics => "Check that the collector runs and point --metrics-url at its telemetry, e.g. `readers: [{pull: {exporter: {prometheus: {host: 0.0.0.0, port: 8888}}}}]` → http://HOST:8888/metrics.".to_owned(),
            },
            json!({"admin": a, "url": quote(url), "error": w}),
        ),
        Live::Unhealthy { url, health } => (
            Cause::CollectorUnhealthy,
            Severity::Error,
            format!(
                "the collector says it is not healthy: HTTP {}{}",
                health.status_code,
                health.status.as_ref().map(|s| format!(", status {s}")).unwrap_or_default()
            ),
            if health.failing.is_empty() {
                format!("Its health_check extension at {} answers with a failure: the collector is starting, shutting down, or a component has failed.", quote(url))
            } else {
                format!("Its health_check extension at {} reports these components in error: {}.", quote(url), health.failing.iter().map(|f| f.to_string()).collect::<Vec<_>>().join(", "))
            },
            "Read the collector's log for the failing component (`--collector-log FILE` explains it), and give --metrics-url to see which exporter fails.".to_owned(),
            json!({"url": quote(url), "health": health}),
        ),
        Live::ExporterFailing { exporter, items: i, phase, failed, sent, queue, capacity, log } => {
            let sent_s = sent.as_ref().map(|s| format!(", sent {}", grew(s))).unwrap_or_else(|| ", nothing sent".to_owned());
            let (summary, explanation) = match (phase, failed) {
                (ExportPhase::Failing, Some(f)) if f.grew() == 0.0 => (
                    format!("exporter `{exporter}` has sent nothing: all {} {} it tried failed", n(f.after), items(i)),
                    format!("otelcol_exporter_send_failed_{i} is {} and no item was sent since the collector started: every attempt has failed and the data is lost.", n(f.after)),
                ),
                (ExportPhase::Failing, Some(f)) => (
                    format!("exporter `{exporter}` fails: {} {} failed to send in {}", n(f.grew()), items(i), secs(f.interval_ms)),
                    format!("otelcol_exporter_send_failed_{i} grew {}{sent_s}: the exporter has given up on this data (retries exhausted or disabled), so it is lost.", grew(f)),
                ),
                _ => (
                    format!(
                        "exporter `{exporter}` sends nothing: its queue holds {} {}{} and nothing leaves it",
                        n(queue.as_ref().map_or(0.0, |q| q.after)),
                        items(i),
                        capacity.map(|c| format!(" (capacity {})", n(c))).unwrap_or_default()
                    ),
                    format!(
                        "otelcol_exporter_queue_size went {}{sent_s}. This is the early phase of a failing exporter: with retries on (the default) it keeps retrying for up to 5 minutes before counting send_failed, and only the queue grows until then.",
                        queue.as_ref().map(grew).unwrap_or_default()
                    ),
                ),
            };
            let from_log = log_text(log);
            let fix = match log.first().and_then(|l| l.causes.first()).and_then(|c| Cause::from_code(c)) {
                Some(Cause::TlsToPlaintext) => format!("Exporter `{exporter}` speaks TLS to a plaintext receiver: write its endpoint with `http://` (or put `tls: {{insecure: true}}` under exporters → {exporter}), or give the receiver a `tls:` block."),
                Some(Cause::PlaintextToTls) => format!("Exporter `{exporter}` speaks plaintext to a TLS receiver: write its endpoint with `https://` and remove `tls: {{insecure: true}}` under exporters → {exporter}."),
                Some(Cause::TcpRefused) => format!("Nothing listens where exporter `{exporter}` sends: start its destination, or fix the host and port of its `endpoint`."),
                Some(c) => format!("Fix exporter `{exporter}`'s destination: {} (as `runner doctor explain` reads its log).", generic::text(c).fix),
                None => format!("Check exporter `{exporter}`'s endpoint, TLS settings and its destination; give --collector-log FILE to have its error lines explained."),
            };
            (
                Cause::CollectorExporterFailing,
                Severity::Error,
                summary,
                format!("{explanation}{from_log}"),
                fix,
                json!({"exporter": exporter, "items": i, "phase": phase, "send_failed": failed, "sent": sent, "queue_size": queue, "queue_capacity": capacity, "log": log}),
            )
        }
        Live::ReceiverRefusing { receiver, transport, items: i, refused, accepted } => (
            Cause::CollectorReceiverRefusing,
            Severity::Error,
            format!("receiver `{receiver}` refuses data: {} {} refused in {}", n(refused.grew()), items(i), secs(refused.interval_ms)),
            format!(
                "otelcol_receiver_refused_{i} grew {}{}{}: the pipeline behind it pushes back (a memory_limiter over its limit, or a full exporter queue with no batch processor between), and senders get errors they may or may not retry.",
                grew(refused),
                accepted.as_ref().map(|a| format!(" while accepted went {}", grew(a))).unwrap_or_default(),
                transport.as_ref().map(|t| format!(" (transport {})", quote(t))).unwrap_or_default()
            ),
            format!("Find what does not drain in the pipelines `{receiver}` feeds (an exporter's full queue, a memory_limiter) and fix that first."),
            json!({"receiver": receiver, "transport": transport, "items": i, "refused": refused, "accepted": accepted}),
        ),
        Live::QueueFull { exporter, size, capacity, enqueue_failed } => (
            Cause::CollectorQueueFull,
            Severity::Error,
            match (capacity, enqueue_failed) {
                (Some(c), _) if *c > 0.0 && size >= c => format!("exporter `{exporter}`'s sending queue is full ({} of {})", n(*size), n(*c)),
                (_, Some(e)) => format!("exporter `{exporter}` drops data at its queue: {} items could not be queued in {}", n(e.grew()), secs(e.interval_ms)),
                _ => format!("exporter `{exporter}`'s sending queue is full"),
            },
            format!(
                "A full queue drops new data (`Dropping data because sending_queue is full`{}). It fills when the exporter cannot send as fast as data arrives: usually because it fails, see its finding.",
                enqueue_failed.as_ref().map(|e| format!("; otelcol_exporter_enqueue_failed_* went {}", grew(e))).unwrap_or_default()
            ),
            format!("Fix exporter `{exporter}`'s sending first; if its destination is only slow, raise `sending_queue.queue_size` (1000 by default) or `num_consumers` under exporters → {exporter}."),
            json!({"exporter": exporter, "queue_size": size, "queue_capacity": capacity, "enqueue_failed": enqueue_failed}),
        ),
        Live::Dropping { processor, items: i, dropped, metric } => (
            Cause::CollectorDropping,
            if metric.contains("_refused_") { Severity::Error } else { Severity::Warning },
            format!("processor `{processor}` drops data: {} {} in {}", n(dropped.grew()), items(i), secs(dropped.interval_ms)),
            format!("{metric} grew {}. A memory_limiter refuses data when the collector is over its limit; a filter or sampler drops by design.", grew(dropped)),
            format!("Check `{processor}`'s settings (memory_limiter `limit_mib`/`spike_limit_mib`, filter conditions) against what should pass."),
            json!({"processor": processor, "items": i, "dropped": dropped, "metric": metric}),
        ),
        Live::Healthy { .. } | Live::MetricsRead { .. } | Live::ExporterSending { .. } => return None,
    };
    Some(
        Finding::new(cause, sev, None)
            .text(summary, explanation, fix)
            .evidence(ev),
    )
}

/// One line of the report's live target, with the severity its status shows (`None`: passed).
pub fn check_line(l: &Live) -> (Option<Severity>, String) {
    match l {
        Live::AdminUnreachable {
            admin: a,
            url,
            why: w,
        } => (
            Some(Severity::Error),
            format!("{:<9} {}: {}", admin_short(*a), quote(url), why(w)),
        ),
        Live::Unhealthy { url, health } => (
            Some(Severity::Error),
            format!(
                "health    {}: HTTP {}, not healthy",
                quote(url),
                health.status_code
            ),
        ),
        Live::Healthy { url, health } => (
            None,
            format!(
                "health    {}: {}",
                quote(url),
                health
                    .status
                    .as_ref()
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| format!("HTTP {}", health.status_code))
            ),
        ),
        Live::MetricsRead {
            url,
            series,
            interval_ms,
        } => (
            None,
            format!(
                "metrics   {}: {series} samples, read twice {} apart",
                quote(url),
                secs(*interval_ms)
            ),
        ),
        Live::ExporterSending {
            exporter,
            items: i,
            sent,
        } => (
            None,
            format!(
                "exporter  {exporter}: sent {} {} in {}",
                n(sent.grew()),
                items(i),
                secs(sent.interval_ms)
            ),
        ),
        Live::ExporterFailing {
            exporter, phase, ..
        } => (
            Some(Severity::Error),
            format!(
                "exporter  {exporter}: {}",
                match phase {
                    ExportPhase::Failing => "send_failed grows",
                    ExportPhase::Retrying => "nothing sent, queue holds data (retrying)",
                }
            ),
        ),
        Live::ReceiverRefusing { receiver, .. } => (
            Some(Severity::Error),
            format!("receiver  {receiver}: refuses data"),
        ),
        Live::QueueFull { exporter, .. } => (
            Some(Severity::Error),
            format!("exporter  {exporter}: sending queue full"),
        ),
        Live::Dropping {
            processor, metric, ..
        } => (
            if metric.contains("_refused_") {
                Some(Severity::Error)
            } else {
                Some(Severity::Warning)
            },
            format!("processor {processor}: drops data"),
        ),
    }
}

fn admin_short(a: Admin) -> &'static str {
    match a {
        Admin::Health => "health",
        Admin::Metrics => "metrics",
    }
}
