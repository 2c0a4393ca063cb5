//! Phrases for what the doctor changed and saw: a tried fix's change and outcome (also as
//! evidence), what the peer did, what a TLS handshake still lacked.

use crate::facts::PeerDid;
use crate::facts::{Change, Observed, TlsShortfall, Tried};

impl Tried {
    pub fn evidence(&self) -> serde_json::Value {
        serde_json::json!({
            "change": describe_change(&self.change),
            "target": self.target,
            "worked": self.worked,
            "observed": describe_observed(&self.observed),
        })
    }
}

pub(crate) fn describe_change(c: &Change) -> String {
    match c {
        Change::Grpc => "protocol grpc".into(),
        Change::Http(p) => format!("protocol {p}"),
        Change::Port(port, p) => format!("port {port} with protocol {p}"),
        Change::Tls => "TLS (https://)".into(),
        Change::Path(p) => format!("path {p}"),
        Change::NoCompression => "no compression".into(),
    }
}

pub(crate) fn describe_observed(o: &Observed) -> String {
    match o {
        Observed::Grpc(code) => format!("grpc-status {code} ({})", grpc_code_name(*code)),
        Observed::Http(status, Some(mt)) => format!("HTTP {status} with content-type {mt}"),
        Observed::Http(status, None) => format!("HTTP {status} without a content-type"),
        Observed::Failed(did) => describe_peer(*did).to_string(),
        Observed::NoConnection => "no connection could be opened".into(),
        Observed::TlsHandshake => "a TLS handshake with the configured trust completed".into(),
        Observed::ServerHello(short) => format!(
            "a TLS ClientHello got a ServerHello, but the handshake with the configured trust \
             failed: {}",
            describe_shortfall(*short)
        ),
        Observed::NoServerHello => "a TLS ClientHello got no ServerHello".into(),
    }
}

/// What a TLS handshake that got a ServerHello still lacks, as a phrase.
pub(super) fn describe_shortfall(short: TlsShortfall) -> &'static str {
    match short {
        TlsShortfall::Trust {
            ca_configured: false,
        } => {
            "the server's certificate is not trusted here, so TLS also needs \
             `OTEL_EXPORTER_OTLP_CERTIFICATE` (`--ca-file`) set to the CA that issued it"
        }
        TlsShortfall::Trust {
            ca_configured: true,
        } => {
            "the configured CA file does not trust the server's certificate, so TLS also \
             needs `OTEL_EXPORTER_OTLP_CERTIFICATE` (`--ca-file`) set to the CA that issued it"
        }
        TlsShortfall::HostName => {
            "the server's certificate does not name the endpoint's host, so TLS also needs a \
             host name the certificate names"
        }
        TlsShortfall::Dates => {
            "the server's certificate is outside its validity dates, so TLS also needs a \
             renewed certificate (or a correct clock)"
        }
        TlsShortfall::ClientCertificate => {
            "the server wants a client certificate it trusts, so TLS also needs \
             `OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE` and `OTEL_EXPORTER_OTLP_CLIENT_KEY`"
        }
        TlsShortfall::Other => {
            "run the doctor again with `https://` for the tls stage to name what else is needed"
        }
    }
}

/// What the peer did, as a phrase.
pub fn describe_peer(did: PeerDid) -> &'static str {
    match did {
        PeerDid::Closed => "the peer closed the connection without sending a byte",
        PeerDid::Reset => "the peer reset the connection without sending a byte",
        PeerDid::Silent => "the peer sent no answer within the timeout",
        PeerDid::SpokeTls => "the peer answered with a TLS record",
        PeerDid::SpokeHttp1 => "the peer answered the HTTP/2 preface with HTTP/1 (`HTTP/1.`)",
        PeerDid::SpokeH2 => "the peer answered the HTTP/1 request with an HTTP/2 frame",
        PeerDid::Unparseable {
            too_large: true, ..
        } => "the peer's response head exceeded the 64 KiB limit",
        PeerDid::Unparseable { closed: true, .. } => {
            "the peer closed the connection in the middle of its answer"
        }
        PeerDid::Unparseable { .. } => "the peer answered with bytes that are not a valid response",
        PeerDid::StreamReset { code: 7 } => {
            "the peer refused the HTTP/2 stream (RST_STREAM REFUSED_STREAM) without processing it"
        }
        PeerDid::StreamReset { code: 8 } => {
            "the peer cancelled the HTTP/2 stream (RST_STREAM CANCEL)"
        }
        PeerDid::StreamReset { code: 11 } => {
            "the peer reset the HTTP/2 stream with ENHANCE_YOUR_CALM (it thinks the client \
             sends too much)"
        }
        PeerDid::StreamReset { .. } => {
            "the peer reset the HTTP/2 stream (RST_STREAM) instead of answering"
        }
    }
}

/// gRPC status code names.
pub fn grpc_code_name(code: u32) -> &'static str {
    match code {
        0 => "OK",
        1 => "CANCELLED",
        2 => "UNKNOWN",
        3 => "INVALID_ARGUMENT",
        4 => "DEADLINE_EXCEEDED",
        5 => "NOT_FOUND",
        6 => "ALREADY_EXISTS",
        7 => "PERMISSION_DENIED",
        8 => "RESOURCE_EXHAUSTED",
        9 => "FAILED_PRECONDITION",
        10 => "ABORTED",
        11 => "OUT_OF_RANGE",
        12 => "UNIMPLEMENTED",
        13 => "INTERNAL",
        14 => "UNAVAILABLE",
        15 => "DATA_LOSS",
        16 => "UNAUTHENTICATED",
        _ => "unknown code",
    }
}
