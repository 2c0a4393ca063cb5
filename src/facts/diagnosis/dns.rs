//! What the dns stage saw: the addresses the endpoint's host resolved to, or how the lookup
//! failed, and which source answered.

use std::net::IpAddr;

/// The dns stage's diagnosis. `source` names where the answers came from (`hosts file
/// (/etc/hosts)`, `name server 127.0.0.1:53`, ...), as the evidence shows it.
#[derive(Debug)]
pub enum Diagnosis {
    /// The endpoint's host is an address: nothing to resolve.
    Literal { ip: IpAddr },
    /// The host resolved to `addrs` (in the order they are tried).
    Resolved {
        host: String,
        addrs: Vec<IpAddr>,
        source: String,
    },
    /// A Kubernetes service name (or single label) that does not resolve here (`nodata`: it
    /// exists but has no address).
    ClusterLocal {
        host: String,
        port: u16,
        nodata: bool,
    },
    /// The lookup failed without a definite answer.
    Failed {
        host: String,
        source: String,
        kind: DnsFailureKind,
    },
    /// The name exists but has no A or AAAA record.
    NoAddress { host: String, source: String },
    /// The name does not exist.
    NxDomain { host: String, source: String },
}

/// Why a lookup failed, typed from the resolver's error kind and response code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DnsFailureKind {
    Timeout,
    /// The server answered with this error response code (SERVFAIL, REFUSED, ...).
    ResponseCode(String),
    /// No name server could be asked.
    NoServer(NoServer),
    /// The answer had the TC (truncated) flag over UDP, and again over TCP (the retry that
    /// truncation calls for was made).
    Truncated,
}

/// Why no name server could be asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoServer {
    /// The host is not a valid DNS name.
    InvalidName,
    /// The system's resolver configuration could not be read (the reader's error).
    SystemConfig(String),
    /// The resolver could not be set up or asked (its error).
    Resolver(String),
}
