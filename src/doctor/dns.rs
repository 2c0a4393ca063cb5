//! The dns stage: every A and AAAA answer for the endpoint host, with timing.
//!
//! Resolution follows the system's order: `/etc/hosts` first (when a name is there, DNS is not
//! asked, as glibc's `files` source does), `localhost` is always 127.0.0.1 and ::1, then the
//! name servers of `/etc/resolv.conf` (or `--dns-server`), A and AAAA asked concurrently.

use super::{Probe, Seen};
use crate::facts::diagnosis::dns::Diagnosis;
pub use crate::facts::diagnosis::dns::{DnsFailureKind, NoServer};
use hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::{Query, ResponseCode};
use hickory_resolver::proto::rr::{Name, RecordType};
use hickory_resolver::{Hosts, TokioResolver};
use serde_json::json;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::time::{Duration, Instant};

/// The outcome of one query type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    Addresses(Vec<IpAddr>),
    NxDomain,
    NoData,
    Failed(DnsFailureKind),
}

/// What resolving a host found.
#[derive(Clone, Debug)]
pub struct Resolution {
    /// Where the answers came from: `hosts file`, `built-in (localhost)`, or the server asked.
    pub source: String,
    pub a: (Answer, Duration),
    pub aaaa: (Answer, Duration),
}

impl Resolution {
    /// Every address, in the order the system prefers (IPv6 first, as RFC 6724 ranks them,
    /// interleaved with IPv4 as RFC 8305 tries them).
    pub fn addresses(&self) -> Vec<IpAddr> {
        let get = |a: &Answer| match a {
            Answer::Addresses(v) => v.clone(),
            _ => Vec::new(),
        };
        let (v6, v4) = (get(&self.aaaa.0), get(&self.a.0));
        let mut out = Vec::new();
        for i in 0..v6.len().max(v4.len()) {
            out.extend(v6.get(i));
            out.extend(v4.get(i));
        }
        out
    }
}

/// A host name without the brackets an IPv6 literal has in a URL.
pub fn bare_host(host: &str) -> &str {
    host.trim_start_matches('[').trim_end_matches(']')
}

/// A Kubernetes service name, or a single label that only a cluster's search list completes.
pub fn looks_cluster_local(host: &str) -> bool {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    !h.is_empty()
        && h != "localhost"
        && (h.ends_with(".svc")
            || h.ends_with(".svc.cluster.local")
            || h.ends_with(".cluster.local")
            || !h.contains('.'))
}

fn is_localhost(host: &str) -> bool {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    h == "localhost" || h.ends_with(".localhost")
}

/// Runs the stage: what it saw, and the addresses found (possibly none).
pub async fn run(probe: &Probe<'_>) -> (Seen<Diagnosis>, Vec<IpAddr>) {
    let started = Instant::now();
    let host = bare_host(&probe.endpoint.host);
    if let Ok(ip) = host.parse::<IpAddr>() {
        let evidence = json!({ "literal": ip.to_string() });
        return (
            Seen::new(Diagnosis::Literal { ip }, evidence, started),
            vec![ip],
        );
    }
    let res = resolve(host, probe.opts.dns_server, probe.opts.timeout).await;
    let addrs = res.addresses();
    let evidence = evidence(&res);
    let d = if addrs.is_empty() {
        failure(host, probe.endpoint.port, res)
    } else {
        Diagnosis::Resolved {
            host: host.to_string(),
            addrs: addrs.clone(),
            source: res.source,
        }
    };
    (Seen::new(d, evidence, started), addrs)
}

/// Why `host` gave no address.
fn failure(host: &str, port: u16, res: Resolution) -> Diagnosis {
    let (a, aaaa) = (&res.a.0, &res.aaaa.0);
    // A definite failure on either family explains more than the other's NXDOMAIN.
    let failure = [a, aaaa].into_iter().find_map(|x| match x {
        Answer::Failed(k) => Some(k.clone()),
        _ => None,
    });
    let nodata = matches!(a, Answer::NoData) || matches!(aaaa, Answer::NoData);
    let host = host.to_string();
    let source = res.source;
    match failure {
        _ if looks_cluster_local(&host) && failure.is_none() => {
            Diagnosis::ClusterLocal { host, port, nodata }
        }
        Some(kind) => Diagnosis::Failed { host, source, kind },
        None if nodata => Diagnosis::NoAddress { host, source },
        None => Diagnosis::NxDomain { host, source },
    }
}

fn evidence(res: &Resolution) -> serde_json::Value {
    let one = |(answer, took): &(Answer, Duration)| {
        let ms = super::ms(*took);
        match answer {
            Answer::Addresses(v) => json!({
                "answers": v.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "ms": ms,
            }),
            Answer::NxDomain => json!({ "rcode": "NXDOMAIN", "ms": ms }),
            Answer::NoData => json!({ "rcode": "NOERROR", "answers": [], "ms": ms }),
            Answer::Failed(DnsFailureKind::Timeout) => json!({ "error": "timeout", "ms": ms }),
            Answer::Failed(DnsFailureKind::ResponseCode(c)) => json!({ "rcode": c, "ms": ms }),
            Answer::Failed(DnsFailureKind::NoServer(why)) => {
                let detail = match why {
                    NoServer::InvalidName => None,
                    NoServer::SystemConfig(e) | NoServer::Resolver(e) => Some(e),
                };
                json!({ "error": "no_server", "detail": detail, "ms": ms })
            }
            Answer::Failed(DnsFailureKind::Truncated) => {
                json!({ "error": "truncated over UDP and TCP", "ms": ms })
            }
        }
    };
    json!({ "source": res.source, "a": one(&res.a), "aaaa": one(&res.aaaa) })
}

/// Resolves `host` as the system would (or by asking `server`), each query bounded by `timeout`.
pub async fn resolve(host: &str, server: Option<SocketAddr>, timeout: Duration) -> Resolution {
    let zero = Duration::ZERO;
    let name = match Name::from_str(host) {
        Ok(mut n) => {
            if host.ends_with('.') {
                n.set_fqdn(true);
            }
            n
        }
        Err(_) => {
            let failed = Answer::Failed(DnsFailureKind::NoServer(NoServer::InvalidName));
            return Resolution {
                source: "nothing asked".into(),
                a: (failed.clone(), zero),
                aaaa: (failed, zero),
            };
        }
    };
    if server.is_none() {
        if let Some(r) = from_hosts_file(host, &name) {
            return r;
        }
    }
    let (config, mut options, source) = match server {
        Some(addr) => {
            // UDP first, and TCP on the same port: a truncated (TC) UDP answer is asked again
            // over TCP, as the system's resolver does.
            let (mut udp, mut tcp) = (ConnectionConfig::udp(), ConnectionConfig::tcp());
            udp.port = addr.port();
            tcp.port = addr.port();
            let ns = NameServerConfig::new(addr.ip(), true, vec![udp, tcp]);
            (
                ResolverConfig::from_name_servers(vec![ns]),
                ResolverOpts::default(),
                format!("name server {addr}"),
            )
        }
        None => match hickory_resolver::system_conf::read_system_conf() {
            Ok((c, o)) => {
                let servers: Vec<String> =
                    c.name_servers().iter().map(|n| n.ip.to_string()).collect();
                let source = format!("system resolver ({})", servers.join(", "));
                (c, o, source)
            }
            Err(e) => {
                let failed = Answer::Failed(DnsFailureKind::NoServer(NoServer::SystemConfig(
                    e.to_string(),
                )));
                return Resolution {
                    source: "system resolver".into(),
                    a: (failed.clone(), zero),
                    aaaa: (failed, zero),
                };
            }
        },
    };
    // One attempt, bounded: no retries inside a probe. Hosts were handled above.
    options.timeout = timeout;
    options.attempts = 1;
    options.use_hosts_file = ResolveHosts::Never;
    options.cache_size = 0;
    let mut builder = TokioResolver::builder_with_config(config, TokioRuntimeProvider::default());
    *builder.options_mut() = options;
    let resolver = match builder.build() {
        Ok(r) => r,
        Err(e) => {
            let failed =
                Answer::Failed(DnsFailureKind::NoServer(NoServer::Resolver(e.to_string())));
            return Resolution {
                source,
                a: (failed.clone(), zero),
                aaaa: (failed, zero),
            };
        }
    };
    let (a, aaaa) = tokio::join!(
        query(&resolver, &name, RecordType::A, timeout),
        query(&resolver, &name, RecordType::AAAA, timeout),
    );
    Resolution { source, a, aaaa }
}

async fn query(
    resolver: &TokioResolver,
    name: &Name,
    rtype: RecordType,
    timeout: Duration,
) -> (Answer, Duration) {
    let started = Instant::now();
    // A little slack over the resolver's own timeout so that its typed error wins.
    let bound = timeout + Duration::from_millis(50);
    let answer = match tokio::time::timeout(bound, resolver.lookup(name.clone(), rtype)).await {
        Err(_) => Answer::Failed(DnsFailureKind::Timeout),
        Ok(Ok(lookup)) => {
            let ips: Vec<IpAddr> = lookup
                .answers()
                .iter()
                .filter_map(|r| r.data.ip_addr())
                .collect();
            if ips.is_empty() {
                Answer::NoData
            } else {
                Answer::Addresses(ips)
            }
        }
        Ok(Err(e)) => classify(&e),
    };
    (answer, started.elapsed())
}

/// Types a resolver error from its kind and response code.
pub fn classify(e: &NetError) -> Answer {
    match e {
        NetError::Dns(DnsError::NoRecordsFound(nr)) => match nr.response_code {
            ResponseCode::NXDomain => Answer::NxDomain,
            ResponseCode::NoError => Answer::NoData,
            code => Answer::Failed(DnsFailureKind::ResponseCode(code.to_string())),
        },
        NetError::Dns(DnsError::ResponseCode(code)) => {
            Answer::Failed(DnsFailureKind::ResponseCode(code.to_string()))
        }
        NetError::Timeout => Answer::Failed(DnsFailureKind::Timeout),
        NetError::Truncated => Answer::Failed(DnsFailureKind::Truncated),
        NetError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            Answer::Failed(DnsFailureKind::Timeout)
        }
        other => Answer::Failed(DnsFailureKind::NoServer(NoServer::Resolver(
            other.to_string(),
        ))),
    }
}

/// Answers from `/etc/hosts` (and the built-in `localhost`), when the name is there.
fn from_hosts_file(host: &str, name: &Name) -> Option<Resolution> {
    let zero = Duration::ZERO;
    let hosts = Hosts::from_system().unwrap_or_default();
    let mut fqdn = name.clone();
    fqdn.set_fqdn(true);
    let look = |rtype| -> Vec<IpAddr> {
        hosts
            .lookup_static_host(&Query::query(fqdn.clone(), rtype))
            .map(|l| {
                l.answers()
                    .iter()
                    .filter_map(|r| r.data.ip_addr())
                    .collect()
            })
            .unwrap_or_default()
    };
    let (mut v4, mut v6) = (look(RecordType::A), look(RecordType::AAAA));
    let mut source = "hosts file (/etc/hosts)".to_string();
    if is_localhost(host) {
        // RFC 6761: localhost is the loopback of both families, whatever /etc/hosts lists.
        for ip in [IpAddr::V4(Ipv4Addr::LOCALHOST)] {
            if !v4.contains(&ip) {
                v4.push(ip);
            }
        }
        let ip6 = IpAddr::V6(Ipv6Addr::LOCALHOST);
        if !v6.contains(&ip6) {
            v6.push(ip6);
        }
        source = "localhost (built in, and /etc/hosts)".to_string();
    } else if v4.is_empty() && v6.is_empty() {
        return None;
    }
    let answer = |v: Vec<IpAddr>| {
        if v.is_empty() {
            Answer::NoData
        } else {
            Answer::Addresses(v)
        }
    };
    Some(Resolution {
        source,
        a: (answer(v4), zero),
        aaaa: (answer(v6), zero),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A name server that answers every query with arbitrary bytes (with the query's id and
    /// the answer bit, so the resolver reads on): whatever it says, resolving never panics.
    #[tokio::test]
    async fn arbitrary_dns_answers_never_panic() {
        use proptest::strategy::{Strategy, ValueTree};
        use proptest::test_runner::TestRunner;
        let mut runner = TestRunner::deterministic();
        let strategy = proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300);
        let answers: Vec<Vec<u8>> = (0..24)
            .map(|_| strategy.new_tree(&mut runner).unwrap().current())
            .collect();
        let sock = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let server = sock.local_addr().unwrap();
        tokio::spawn(async move {
            let mut buf = [0u8; 512];
            for mut answer in answers.into_iter().cycle() {
                let Ok((n, from)) = sock.recv_from(&mut buf).await else {
                    return;
                };
                if n >= 2 && answer.len() >= 3 {
                    answer[0] = buf[0];
                    answer[1] = buf[1];
                    answer[2] |= 0x80;
                }
                let _ = sock.send_to(&answer, from).await;
            }
        });
        for i in 0..12 {
            let host = format!("h{i}.example.test");
            let r = resolve(&host, Some(server), Duration::from_millis(150)).await;
            let _ = r.addresses();
            let _ = evidence(&r);
        }
    }

    #[test]
    fn cluster_names() {
        for h in [
            "otel-collector",
            "collector.observability.svc",
            "collector.observability.svc.cluster.local",
            "x.cluster.local",
        ] {
            assert!(looks_cluster_local(h), "{h}");
        }
        for h in ["localhost", "collector.example.com", "collector.test"] {
            assert!(!looks_cluster_local(h), "{h}");
        }
    }

    #[tokio::test]
    async fn localhost_is_both_families() {
        let r = resolve("localhost", None, Duration::from_secs(1)).await;
        let addrs = r.addresses();
        assert!(
            addrs.contains(&IpAddr::V4(Ipv4Addr::LOCALHOST)),
            "{addrs:?}"
        );
        assert!(
            addrs.contains(&IpAddr::V6(Ipv6Addr::LOCALHOST)),
            "{addrs:?}"
        );
    }
}
