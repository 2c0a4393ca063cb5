//! The integration tests: one binary (tokio, tonic and rustls linked once), a module per topic,
//! over one support tree (`support/`). `cargo test --test it MODULE::` runs one topic.

mod support;

mod blame;
mod blame_shutdown;
mod blame_time;
mod bounded;
mod bundle;
mod canary_receivers;
mod canary_rotel;
mod causes_catalogue;
mod cli_help;
mod collector;
mod collector_diff;
mod collector_live;
mod collector_output;
mod collector_real;
mod config_causes;
mod config_cli;
mod egress;
mod exit_codes;
mod explain;
mod explain_corpus;
mod explain_log;
mod explain_props;
mod fleet_metrics;
mod hostile_input;
mod net_dns;
mod net_tcp;
mod net_tls;
mod proto_bounds;
mod proto_export_grpc;
mod proto_export_http;
mod proto_protocol;
mod proto_proxy;
mod proto_reuse;
mod real_components;
mod real_gocol;
mod runner_cli;
mod runner_e2e;
mod runner_preflight;
mod runner_rotel;
mod scenarios;
mod secrets;
mod setup;
mod telemetry_pipeline;
