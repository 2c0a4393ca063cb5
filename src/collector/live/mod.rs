//! The live collector: its health_check extension, its own metrics read twice for rates, and
//! its log explained line by line. Every read is bounded (timeout, body cap).

pub mod fetch;
pub mod health;
pub mod log;
pub mod metrics;

use super::Refused;
use crate::cause::collector_text::live as text;
use crate::facts::collector_live::{Admin, FetchError, Live};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// A metrics page larger than this is refused (a collector's is tens of kilobytes).
pub const MAX_METRICS_BYTES: usize = 4 * 1024 * 1024;
/// The health_check answer is a small JSON document.
pub const MAX_HEALTH_BYTES: usize = 256 * 1024;

/// What to read of the running collector.
#[derive(Clone, Debug)]
pub struct LiveOptions {
    pub metrics_url: Option<String>,
    pub health_url: Option<String>,
    pub log: Option<PathBuf>,
    /// Between the two reads of the metrics.
    pub interval: Duration,
    /// Per request.
    pub timeout: Duration,
}

impl LiveOptions {
    pub fn any(&self) -> bool {
        self.metrics_url.is_some() || self.health_url.is_some()
    }
}

/// Reads the live collector. Bad URLs and an unreadable log refuse the run (exit 2).
pub fn observe(o: &LiveOptions) -> Result<Vec<Live>, Refused> {
    let health = match &o.health_url {
        Some(u) => Some((
            u,
            fetch::parse(u).map_err(|_| Refused(text::bad_url("--health-url", u)))?,
        )),
        None => None,
    };
    let metrics = match &o.metrics_url {
        Some(u) => Some((
            u,
            fetch::parse(u).map_err(|_| Refused(text::bad_url("--metrics-url", u)))?,
        )),
        None => None,
    };
    let log = match &o.log {
        Some(p) => Some(
            log::read(p)
                .map_err(|k| Refused(super::text::unreadable(&p.display().to_string(), k)))?,
        ),
        None => None,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|_| Refused("could not start the async runtime".to_owned()))?;
    let mut out = Vec::new();
    rt.block_on(async {
        if let Some((given, url)) = &health {
            out.push(read_health(given, url, o.timeout).await);
        }
        if let Some((given, url)) = &metrics {
            out.extend(read_metrics(given, url, o).await);
        }
    });
    if let Some(text) = log {
        let lines = log::by_component(&text);
        for l in &mut out {
            if let Live::ExporterFailing { exporter, log, .. } = l {
                if let Some(found) = lines.get(exporter.as_str()) {
                    log.clone_from(found);
                }
            }
        }
    }
    Ok(out)
}

async fn read_health(given: &str, url: &url::Url, bound: Duration) -> Live {
    match fetch::get(url, bound, MAX_HEALTH_BYTES).await {
        Ok(a) => {
            let (h, healthy) = health::read(&a);
            if healthy {
                Live::Healthy {
                    url: given.to_owned(),
                    health: h,
                }
            } else {
                Live::Unhealthy {
                    url: given.to_owned(),
                    health: h,
                }
            }
        }
        Err(why) => Live::AdminUnreachable {
            admin: Admin::Health,
            url: given.to_owned(),
            why,
        },
    }
}

async fn one_read(url: &url::Url, bound: Duration) -> Result<metrics::Snapshot, FetchError> {
    let a = fetch::get(url, bound, MAX_METRICS_BYTES).await?;
    if a.status != 200 {
        return Err(FetchError::Status { status: a.status });
    }
    metrics::parse(&a.body).ok_or(FetchError::NotMetrics)
}

async fn read_metrics(given: &str, url: &url::Url, o: &LiveOptions) -> Vec<Live> {
    let unreachable = |why| {
        vec![Live::AdminUnreachable {
            admin: Admin::Metrics,
            url: given.to_owned(),
            why,
        }]
    };
    let started = Instant::now();
    let first = match one_read(url, o.timeout).await {
        Ok(s) => s,
        Err(why) => return unreachable(why),
    };
    tokio::time::sleep(o.interval.saturating_sub(started.elapsed())).await;
    let ms = started.elapsed().as_millis() as u64;
    let second = match one_read(url, o.timeout).await {
        Ok(s) => s,
        Err(why) => return unreachable(why),
    };
    let mut out = vec![Live::MetricsRead {
        url: given.to_owned(),
        series: second.samples,
        interval_ms: ms,
    }];
    out.extend(metrics::analyze(&first, &second, ms));
    out
}
