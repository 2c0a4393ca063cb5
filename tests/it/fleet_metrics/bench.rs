//! BENCHMARKS.md numbers: job time with and without the metrics server and with a dead
//! collector, and the cost of one scrape (ignored; run by hand).

use super::*;

/// Job time (received to finished, from the runner's own JSON log) for `jobs` quick jobs.
async fn job_times(
    listen: bool,
    otel_endpoint: &str,
    jobs: u64,
    scrape_every: Option<Duration>,
) -> (Vec<f64>, String) {
    let dir = tempfile::tempdir().unwrap();
    let sha = git_repo(&dir.path().join("repo"));
    let repo = dir.path().join("repo").display().to_string();
    let mock = Mock::start(TOKEN).await;
    for id in 1..=jobs {
        // Long enough in all that the first export (after 5 s) and a self-check overlap jobs.
        mock.push_job(job(100 + id, &repo, &sha, &["sleep 0.3"], &[]));
    }
    let metrics = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let listen_line = if listen {
        format!("listen_address = \"{metrics}\"\n")
    } else {
        String::new()
    };
    let cfg = write_config(
        dir.path(),
        &format!(
            "concurrent = 1\ncheck_interval = 1\n{listen_line}{}\
             [otel]\nendpoint = \"{otel_endpoint}\"\nprotocol = \"grpc\"\n",
            runner_table(&mock.url(), TOKEN, &dir.path().join("builds"))
        ),
    );
    let mut r = Running::start(runner(
        dir.path(),
        &["-c", cfg.to_str().unwrap(), "--log-format", "json"],
    ));
    let scraper = scrape_every.map(|every| {
        tokio::spawn(async move {
            loop {
                let _ = get(metrics, "/metrics").await;
                tokio::time::sleep(every).await;
            }
        })
    });
    mock.wait_final(100 + jobs, Duration::from_secs(120)).await;
    if let Some(s) = scraper {
        s.abort();
    }
    r.signal("TERM");
    r.exit_code(Duration::from_secs(30)).await;
    let mut received = std::collections::HashMap::new();
    let mut times = Vec::new();
    for line in r.text().lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let at = humantime::parse_rfc3339_weak(v["timestamp"].as_str().unwrap_or_default());
        let (Ok(at), Some(id)) = (at, v["fields"]["job"].as_u64()) else {
            continue;
        };
        match v["fields"]["message"].as_str() {
            Some("job received") => {
                received.insert(id, at);
            }
            Some("job finished") => {
                if let Some(start) = received.get(&id) {
                    times.push(at.duration_since(*start).unwrap().as_secs_f64() * 1000.0);
                }
            }
            _ => {}
        }
    }
    times.sort_by(f64::total_cmp);
    (times, r.text())
}

fn summary(times: &[f64]) -> String {
    let median = times[times.len() / 2];
    let p90 = times[times.len() * 9 / 10];
    format!("n={} median {median:.1} ms, p90 {p90:.1} ms", times.len())
}

/// BENCHMARKS.md numbers: `cargo test --test it bench_fleet_metrics -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark, run by hand"]
async fn bench_fleet_metrics() {
    let rotel = Rotel::start();
    let healthy = format!("http://127.0.0.1:{}", rotel.grpc_port);
    let dead = format!("http://127.0.0.1:{}", free_port());
    // About 15 s of jobs: the first periodic export (and so the self-check) falls inside.
    let jobs = 40;
    let (off, _) = job_times(false, &healthy, jobs, None).await;
    let (on, _) = job_times(true, &healthy, jobs, Some(Duration::from_millis(100))).await;
    let (broken, log) = job_times(true, &dead, jobs, Some(Duration::from_millis(100))).await;
    assert!(
        log.contains("self-check at run time (trigger export_failing"),
        "{log}"
    );
    println!(
        "job time, no metrics server, healthy collector: {}",
        summary(&off)
    );
    println!(
        "job time, metrics server scraped every 100 ms, healthy collector: {}",
        summary(&on)
    );
    println!(
        "job time, metrics server scraped every 100 ms, dead collector: {}",
        summary(&broken)
    );

    // One scrape: a fresh connection, GET /metrics, the whole body (as Prometheus does it).
    let fleet = start(&healthy).await;
    fleet.jobs_end_right().await;
    let mut scrapes = Vec::new();
    for _ in 0..500 {
        let t = std::time::Instant::now();
        let (status, body) = get(fleet.metrics, "/metrics").await.unwrap();
        scrapes.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(status, 200);
        assert!(body.len() > 1000);
    }
    scrapes.sort_by(f64::total_cmp);
    let size = fleet.exposition().await.len();
    println!(
        "one scrape ({size} bytes): median {:.3} ms, p99 {:.3} ms",
        scrapes[250], scrapes[495]
    );
    fleet.stop().await;
}
