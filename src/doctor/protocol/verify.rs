//! Verified fixes: before suggesting another protocol, port or scheme, the doctor tries it once.

use super::wire::{self, peer_did};
use crate::config::{Compression, Protocol};
use crate::doctor::{tls, Probe};
use crate::facts::{Change, Observed, Tried};
use std::net::SocketAddr;

fn target(probe: &Probe<'_>, addr: SocketAddr) -> String {
    wire::authority(probe, addr.port())
}

/// An empty, uncompressed gRPC export to `addr`; works when it answers grpc-status 0.
pub async fn try_grpc(probe: &Probe<'_>, addr: SocketAddr) -> Tried {
    let change = if addr.port() == probe.endpoint.port {
        Change::Grpc
    } else {
        Change::Port(addr.port(), Protocol::Grpc)
    };
    try_grpc_as(probe, addr, change).await
}

/// `try_grpc`, recorded as `change`.
pub async fn try_grpc_as(probe: &Probe<'_>, addr: SocketAddr, change: Change) -> Tried {
    let observed = match wire::open(probe, addr, true).await {
        Err(_) => Observed::NoConnection,
        Ok(opened) => {
            let path = wire::export_path(probe.settings.signal);
            let req = wire::grpc_request(probe, addr.port(), path, &[], false);
            let ex = wire::exchange(opened.conn, true, req, probe.step_bounds()).await;
            match ex.result {
                Ok(a)
                    if a.status == 200 && a.media_type().as_deref() == Some("application/grpc") =>
                {
                    Observed::Grpc(
                        a.grpc_field("grpc-status")
                            .and_then(|s| s.trim().parse().ok())
                            .unwrap_or(2),
                    )
                }
                Ok(a) => Observed::Http(a.status.as_u16(), a.media_type()),
                Err(f) => Observed::Failed(peer_did(f, &ex.app, true)),
            }
        }
    };
    Tried {
        change,
        target: target(probe, addr),
        worked: observed == Observed::Grpc(0),
        observed,
    }
}

/// An empty OTLP/HTTP export to `path` at `addr`; works on a 2xx OTLP answer.
pub async fn try_http(
    probe: &Probe<'_>,
    addr: SocketAddr,
    change: Change,
    protocol: Protocol,
    path: &str,
    compression: Compression,
) -> Tried {
    let observed = match wire::open(probe, addr, false).await {
        Err(_) => Observed::NoConnection,
        Ok(opened) => {
            let h2 = opened.h2;
            let req = wire::http_request(
                probe,
                opened.framing(),
                addr.port(),
                path,
                protocol,
                compression,
            );
            let ex = wire::exchange(opened.conn, h2, req, probe.step_bounds()).await;
            match ex.result {
                Ok(a) => Observed::Http(a.status.as_u16(), a.media_type()),
                Err(f) => Observed::Failed(peer_did(f, &ex.app, h2)),
            }
        }
    };
    let worked = matches!(&observed, Observed::Http(s, Some(mt))
        if (200..300).contains(s) && (mt == "application/x-protobuf" || mt == "application/json"));
    Tried {
        change,
        target: target(probe, addr),
        worked,
        observed,
    }
}

/// A TLS handshake with `addr` using the exporter's TLS settings; works only when the whole
/// handshake succeeds, and says what is missing when only a ServerHello came back.
pub async fn try_tls(probe: &Probe<'_>, addr: SocketAddr) -> Tried {
    let observed = tls::try_handshake(probe, addr).await;
    Tried {
        change: Change::Tls,
        target: target(probe, addr),
        worked: observed == Observed::TlsHandshake,
        observed,
    }
}
