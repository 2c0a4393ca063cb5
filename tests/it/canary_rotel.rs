//! The canary against a real third-party collector (rotel), over gRPC and HTTP: reported
//! exported, and rotel's own log proves the span with that trace id arrived.

use crate::support::rotel::Rotel;
use crate::support::settings::{loaded, traces};
use runner::config::Protocol;
use runner::doctor::{canary, canary_stage, DoctorOptions};
use runner::report::Status;
use std::time::Duration;

#[tokio::test]
async fn the_canary_arrives_at_rotel_over_grpc_http_protobuf_and_http_json() {
    let rotel = Rotel::start();
    for (proto, port) in [
        (Protocol::Grpc, rotel.grpc_port),
        (Protocol::HttpProtobuf, rotel.http_port),
        (Protocol::HttpJson, rotel.http_port),
    ] {
        let s = traces(&format!("http://127.0.0.1:{port}"), proto);
        let opts = DoctorOptions {
            timeout: Duration::from_secs(5),
            ..DoctorOptions::default()
        };
        let (r, c) = canary_stage(&loaded(s), &opts, &[]).await;
        assert_eq!(
            r.check.status,
            Status::Pass,
            "{proto}: {:?} {:?}",
            r.check,
            r.findings
        );
        assert!(c.exported, "{proto}: {c:?}");
        let trace_id = c.trace_id.unwrap();
        // rotel's detailed debug log prints `Trace ID : <hex>` for every span it received.
        rotel.wait_for(&trace_id, Duration::from_secs(5));
        let log = rotel.log();
        let at = log.find(&trace_id).unwrap();
        let span_dump = &log[at..log.len().min(at + 400)];
        assert!(
            span_dump.contains(canary::SPAN_NAME),
            "{proto}: rotel got the trace but not the canary span:\n{span_dump}"
        );
    }
}
