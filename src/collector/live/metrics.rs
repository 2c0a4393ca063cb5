//! The collector's own Prometheus metrics, parsed with `prometheus-parse` into typed series, and
//! two reads compared into rates: failing exporters, refusing receivers, full queues, dropping
//! processors. Names are matched with and without the `_total` suffix (0.135 adds it; older
//! collectors did not).

use crate::facts::collector_live::{Delta, ExportPhase, Live};
use crate::facts::peer_text::PeerText;
use std::collections::{BTreeMap, BTreeSet};

/// Series kept from one read; the rest of a hostile body is ignored.
pub const MAX_SERIES: usize = 50_000;

/// The item kinds of the collector's counters (`otelcol_exporter_sent_<items>`).
const ITEMS: [&str; 4] = ["spans", "metric_points", "log_records", "profile_samples"];

/// One `otelcol_*` sample: name without `_total`, the component it is about, its value.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// One read of the metrics endpoint.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    pub series: Vec<Series>,
    /// Every sample line the parser understood (not only `otelcol_*`).
    pub samples: usize,
}

/// Parses Prometheus text; `None` when nothing in it is a sample.
pub fn parse(body: &[u8]) -> Option<Snapshot> {
    let text = String::from_utf8_lossy(body);
    let lines = text.lines().map(|l| Ok(l.to_owned()));
    let scrape = prometheus_parse::Scrape::parse(lines).ok()?;
    if scrape.samples.is_empty() {
        return None;
    }
    let mut snap = Snapshot {
        series: Vec::new(),
        samples: scrape.samples.len(),
    };
    for s in scrape.samples {
        let value = match s.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => v,
            _ => continue,
        };
        if !s.metric.starts_with("otelcol_") || !value.is_finite() {
            continue;
        }
        if snap.series.len() >= MAX_SERIES {
            break;
        }
        let name = s.metric.strip_suffix("_total").unwrap_or(&s.metric);
        snap.series.push(Series {
            name: name.to_owned(),
            // Label values are the collector's words: control characters escaped, capped.
            labels: s
                .labels
                .iter()
                .map(|(k, v)| (k.clone(), PeerText::from_text(v).as_str().to_owned()))
                .collect(),
            value,
        });
    }
    Some(snap)
}

/// The sum of a metric over the series of one component (`label` = `who`), filtered by `extra`.
fn sum(
    s: &Snapshot,
    name: &str,
    label: &str,
    who: &str,
    extra: Option<(&str, &str)>,
) -> Option<f64> {
    let mut found = None;
    for x in &s.series {
        if x.name == name
            && x.labels.get(label).map(String::as_str) == Some(who)
            && extra.is_none_or(|(k, v)| x.labels.get(k).map(String::as_str).unwrap_or("") == v)
        {
            *found.get_or_insert(0.0) += x.value;
        }
    }
    found
}

/// A counter's change; a series that appears only in the second read started at zero.
fn delta(a: &Snapshot, b: &Snapshot, name: &str, label: &str, who: &str, ms: u64) -> Option<Delta> {
    let after = sum(b, name, label, who, None)?;
    Some(Delta {
        before: sum(a, name, label, who, None).unwrap_or(0.0),
        after,
        interval_ms: ms,
    })
}

fn components(s: &Snapshot, prefix: &str, label: &str) -> BTreeSet<String> {
    s.series
        .iter()
        .filter(|x| x.name.starts_with(prefix))
        .filter_map(|x| x.labels.get(label).cloned())
        .collect()
}

/// Compares two reads `interval_ms` apart.
pub fn analyze(a: &Snapshot, b: &Snapshot, ms: u64) -> Vec<Live> {
    let mut out = Vec::new();
    for exp in components(b, "otelcol_exporter_", "exporter") {
        exporter(a, b, ms, &exp, &mut out);
    }
    for rcv in components(b, "otelcol_receiver_", "receiver") {
        for items in ITEMS {
            let name = format!("otelcol_receiver_refused_{items}");
            let Some(refused) = delta(a, b, &name, "receiver", &rcv, ms) else {
                continue;
            };
            if refused.grew() > 0.0 {
                let transport = b
                    .series
                    .iter()
                    .find(|x| x.name == name && x.labels.get("receiver") == Some(&rcv))
                    .and_then(|x| x.labels.get("transport").cloned());
                out.push(Live::ReceiverRefusing {
                    accepted: delta(
                        a,
                        b,
                        &format!("otelcol_receiver_accepted_{items}"),
                        "receiver",
                        &rcv,
                        ms,
                    ),
                    receiver: rcv.clone(),
                    transport,
                    items: items.to_owned(),
                    refused,
                });
            }
        }
    }
    for proc in components(b, "otelcol_processor_", "processor") {
        for items in ITEMS {
            for kind in ["dropped", "refused"] {
                let name = format!("otelcol_processor_{kind}_{items}");
                if let Some(d) = delta(a, b, &name, "processor", &proc, ms) {
                    if d.grew() > 0.0 {
                        out.push(Live::Dropping {
                            processor: proc.clone(),
                            items: items.to_owned(),
                            dropped: d,
                            metric: name,
                        });
                    }
                }
            }
        }
    }
    out
}

/// The item kind of a queue's `data_type` label.
fn items_of(data_type: &str) -> Option<&'static str> {
    match data_type {
        "traces" => Some("spans"),
        "metrics" => Some("metric_points"),
        "logs" => Some("log_records"),
        "profiles" => Some("profile_samples"),
        _ => None,
    }
}

/// A queue: its size at both reads, its capacity, the items it holds (from `data_type`).
type Queue = (Delta, Option<f64>, Option<&'static str>);

/// The queue of one exporter, per `data_type` when the collector labels it so.
fn queues(a: &Snapshot, b: &Snapshot, exp: &str, ms: u64) -> Vec<Queue> {
    let kinds: BTreeSet<String> = b
        .series
        .iter()
        .filter(|x| {
            x.name == "otelcol_exporter_queue_size"
                && x.labels.get("exporter").map(String::as_str) == Some(exp)
        })
        .map(|x| x.labels.get("data_type").cloned().unwrap_or_default())
        .collect();
    kinds
        .iter()
        .filter_map(|dt| {
            let f = Some(("data_type", dt.as_str()));
            let after = sum(b, "otelcol_exporter_queue_size", "exporter", exp, f)?;
            let before = sum(a, "otelcol_exporter_queue_size", "exporter", exp, f).unwrap_or(0.0);
            let cap = sum(b, "otelcol_exporter_queue_capacity", "exporter", exp, f);
            Some((
                Delta {
                    before,
                    after,
                    interval_ms: ms,
                },
                cap,
                items_of(dt),
            ))
        })
        .collect()
}

fn exporter(a: &Snapshot, b: &Snapshot, ms: u64, exp: &str, out: &mut Vec<Live>) {
    let d = |what: &str, items: &str| {
        delta(
            a,
            b,
            &format!("otelcol_exporter_{what}_{items}"),
            "exporter",
            exp,
            ms,
        )
    };
    let queues = queues(a, b, exp, ms);
    let queue = queues
        .iter()
        .max_by(|x, y| x.0.after.total_cmp(&y.0.after))
        .cloned();
    let mut failing = false;
    let mut any_sent = None;
    for items in ITEMS {
        let sent = d("sent", items);
        // Failing now (send_failed grows), or never once succeeded (failures and no sent item).
        let never_sent = sent.as_ref().is_none_or(|s| s.after == 0.0);
        if let Some(failed) =
            d("send_failed", items).filter(|f| f.grew() > 0.0 || (f.after > 0.0 && never_sent))
        {
            failing = true;
            out.push(Live::ExporterFailing {
                exporter: exp.to_owned(),
                items: items.to_owned(),
                phase: ExportPhase::Failing,
                failed: Some(failed),
                sent: sent.clone(),
                queue: queue.as_ref().map(|q| q.0.clone()),
                capacity: queue.as_ref().and_then(|q| q.1),
                log: Vec::new(),
            });
        }
        if let Some(s) = sent.filter(|s| s.grew() > 0.0) {
            any_sent.get_or_insert((items, s));
        }
    }
    let enqueue_failed: Option<Delta> = ITEMS
        .iter()
        .filter_map(|i| d("enqueue_failed", i))
        .find(|x| x.grew() > 0.0);
    // The early phase: nothing is sent while the queue holds (or gains) items; with default
    // retries send_failed stays absent for minutes.
    if !failing && any_sent.is_none() {
        if let Some((q, cap, dt)) = &queue {
            if q.after > 0.0 && q.after >= q.before {
                let items = ITEMS
                    .iter()
                    .find(|i| d("sent", i).is_some() || d("enqueue_failed", i).is_some())
                    .copied()
                    .or(*dt)
                    .unwrap_or("items");
                out.push(Live::ExporterFailing {
                    exporter: exp.to_owned(),
                    items: items.to_owned(),
                    phase: ExportPhase::Retrying,
                    failed: None,
                    sent: d("sent", items),
                    queue: Some(q.clone()),
                    capacity: *cap,
                    log: Vec::new(),
                });
                failing = true;
            }
        }
    }
    for (q, cap, _) in &queues {
        let full = cap.is_some_and(|c| c > 0.0 && q.after >= c);
        if full || enqueue_failed.is_some() {
            out.push(Live::QueueFull {
                exporter: exp.to_owned(),
                size: q.after,
                capacity: *cap,
                enqueue_failed: enqueue_failed.clone(),
            });
            break;
        }
    }
    if queues.is_empty() {
        if let Some(ef) = &enqueue_failed {
            out.push(Live::QueueFull {
                exporter: exp.to_owned(),
                size: 0.0,
                capacity: None,
                enqueue_failed: Some(ef.clone()),
            });
        }
    }
    if let (false, Some((items, sent))) = (failing, any_sent) {
        out.push(Live::ExporterSending {
            exporter: exp.to_owned(),
            items: items.to_owned(),
            sent,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two reads recorded from otelcol-contrib 0.135 (scenarios/collector/live/).
    fn recorded(name: &str) -> Vec<Live> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/collector/live/");
        let a = std::fs::read(format!("{dir}{name}.1.prom")).unwrap();
        let b = std::fs::read(format!("{dir}{name}.2.prom")).unwrap();
        analyze(&parse(&a).unwrap(), &parse(&b).unwrap(), 1000)
    }

    #[test]
    fn failing_exporters_full_queue_and_refusing_receiver() {
        let got = recorded("failing");
        let failing: Vec<(&str, ExportPhase)> = got
            .iter()
            .filter_map(|l| match l {
                Live::ExporterFailing {
                    exporter, phase, ..
                } => Some((exporter.as_str(), *phase)),
                _ => None,
            })
            .collect();
        assert!(
            failing.contains(&("otlphttp/down", ExportPhase::Retrying)),
            "{got:?}"
        );
        assert!(
            failing.contains(&("otlphttp/noretry", ExportPhase::Failing)),
            "{got:?}"
        );
        assert!(got.iter().any(|l| matches!(l, Live::QueueFull { exporter, size, capacity: Some(c), .. } if exporter == "otlphttp/small" && size >= c)));
        assert!(got.iter().any(|l| matches!(l, Live::ReceiverRefusing { receiver, refused, .. } if receiver == "filelog" && refused.grew() == 160.0)));
    }

    #[test]
    fn healthy_exporter_sends_and_the_tls_one_retries() {
        let got = recorded("tls_retrying");
        assert!(got.iter().any(|l| matches!(l, Live::ExporterSending { exporter, .. } if exporter == "otlphttp/healthy")));
        assert!(got.iter().any(|l| matches!(l, Live::ExporterFailing { exporter, phase: ExportPhase::Retrying, items, .. } if exporter == "otlphttp/tls" && items == "log_records")));
        assert!(!got
            .iter()
            .any(|l| matches!(l, Live::ReceiverRefusing { .. } | Live::QueueFull { .. })));
    }

    #[test]
    fn memory_limiter_refusing_is_a_dropping_processor() {
        let got = recorded("memory_limiter");
        assert!(got.iter().any(
            |l| matches!(l, Live::Dropping { processor, .. } if processor == "memory_limiter")
        ));
        assert!(got
            .iter()
            .any(|l| matches!(l, Live::ReceiverRefusing { .. })));
    }

    #[test]
    fn flat_counters_after_success_are_not_a_failure() {
        let page = "otelcol_exporter_sent_spans_total{exporter=\"otlp\"} 10\notelcol_exporter_send_failed_spans_total{exporter=\"otlp\"} 3\notelcol_exporter_queue_size{exporter=\"otlp\"} 0\n";
        let s = parse(page.as_bytes()).unwrap();
        assert!(analyze(&s, &s, 1000).is_empty());
    }

    #[test]
    fn a_hostile_label_is_escaped() {
        let a = parse(b"otelcol_exporter_send_failed_spans{exporter=\"x\x1b[2Jy\"} 1\n").unwrap();
        let b = parse(b"otelcol_exporter_send_failed_spans{exporter=\"x\x1b[2Jy\"} 2\n").unwrap();
        match &analyze(&a, &b, 1000)[..] {
            [Live::ExporterFailing { exporter, .. }] => assert_eq!(exporter, "x\\x1b[2Jy"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn names_without_total_suffix_are_read_too() {
        let a = parse(b"otelcol_exporter_send_failed_spans{exporter=\"jaeger\"} 1\notelcol_exporter_sent_spans{exporter=\"jaeger\"} 5\n").unwrap();
        let b = parse(b"otelcol_exporter_send_failed_spans{exporter=\"jaeger\"} 9\notelcol_exporter_sent_spans{exporter=\"jaeger\"} 5\n").unwrap();
        assert!(matches!(
            &analyze(&a, &b, 1000)[..],
            [Live::ExporterFailing {
                phase: ExportPhase::Failing,
                ..
            }]
        ));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
        #[test]
        fn hostile_pages_never_panic(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2000), text in "[a-z_{}=\",. 0-9e+\\-\n#]{0,400}") {
            let a = parse(&body).unwrap_or_default();
            let b = parse(text.as_bytes()).unwrap_or_default();
            let _ = analyze(&a, &b, 1000);
            let _ = analyze(&b, &a, 0);
        }
    }
}
