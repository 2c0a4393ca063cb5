//! Whether the canary can reach a name that only `--dns-server` resolves.
//!
//! `--dns-server` steers the probes only: the canary goes through the runner's own exporter,
//! which resolves with the system's resolver, as `runner run` does. A name that only the given
//! server knows would make the canary fail at name resolution, a failure the probes did not
//! see; the canary is skipped then, with that reason, rather than reported broken.

use crate::cause::pipeline_text::CanarySkip;
use crate::config::{Protocol, Settings, Signal};
use crate::doctor::DoctorOptions;
use std::net::IpAddr;

/// The reason to skip the canary, when `--dns-server` was given, the probes resolved the traces
/// host through it, and the system's resolver cannot (within the probe timeout).
pub async fn canary_blind_spot(
    settings: &Settings,
    opts: &DoctorOptions,
    probes_resolved: bool,
) -> Option<CanarySkip> {
    let server = opts.dns_server?;
    let traces = settings.signal(Signal::Traces)?;
    let ep = traces.endpoint.as_ref()?;
    let host = crate::doctor::dns::bare_host(&ep.host);
    if !probes_resolved || host.parse::<IpAddr>().is_ok() {
        return None;
    }
    // Through an HTTP proxy the exporter never resolves the endpoint's name itself.
    if traces.protocol.value != Protocol::Grpc
        && matches!(
            crate::config::proxy::proxy_for(host, ep.port, ep.tls, &settings.proxy),
            Ok(Some(_))
        )
    {
        return None;
    }
    let lookup = tokio::net::lookup_host((host, ep.port));
    let resolves = match tokio::time::timeout(opts.timeout, lookup).await {
        Ok(Ok(mut addrs)) => addrs.next().is_some(),
        _ => false,
    };
    (!resolves).then(|| CanarySkip::DnsServerOnly {
        host: host.to_owned(),
        server,
    })
}
