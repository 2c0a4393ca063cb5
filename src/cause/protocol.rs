//! Wording of the protocol stage: one match over its diagnosis (`facts::diagnosis::Protocol`)
//! picks the cause and words it, the verified fix included. The export stage's exchanges meet
//! the same failures and are worded here too.

pub(crate) mod describe;
pub(crate) mod proxy;
pub(crate) mod setting_fix;
mod summary;
pub(crate) mod timing;
pub(crate) mod wording;

use super::{Finding, Stage};
use crate::facts::diagnosis::protocol::{Diagnosis, Seen};
use crate::facts::CloseKind;
use crate::facts::{PeerDid, Target, Waiting};

/// The stage a diagnosis was seen at: the request it was waiting for says which.
pub fn stage_of(at: Waiting) -> Stage {
    match at {
        Waiting::Protocol => Stage::Protocol,
        Waiting::Export => Stage::Export,
    }
}

/// The stage a diagnosis belongs to.
pub fn stage(d: &Diagnosis) -> Stage {
    match d {
        Diagnosis::SpeaksH2 { .. } | Diagnosis::SpeaksHttp { .. } => Stage::Protocol,
        Diagnosis::PlaintextToTls { at, .. }
        | Diagnosis::GrpcToHttpPort { at, .. }
        | Diagnosis::HttpToGrpcPort { at, .. }
        | Diagnosis::Closed { at, .. }
        | Diagnosis::Silent { at, .. }
        | Diagnosis::StreamRefused { at, .. }
        | Diagnosis::Unparseable { at, .. }
        | Diagnosis::BodyStalled { at, .. }
        | Diagnosis::Reconnect { at, .. }
        | Diagnosis::ProxyInvalid { at, .. }
        | Diagnosis::ProxyFailure { at, .. }
        | Diagnosis::ProxyTunnelTls { at, .. } => stage_of(*at),
    }
}

/// The protocol stage's pass line and evidence, or the finding it makes.
pub type Worded = Result<(String, serde_json::Value), Finding>;

/// Words one diagnosis for `t`.
pub fn finding(d: &Diagnosis, t: &Target<'_>) -> Worded {
    let stage = stage(d);
    let signal = t.settings.signal;
    Err(match d {
        Diagnosis::SpeaksH2 {
            grpc_status,
            http_status,
            evidence,
        } => {
            let mut ev = evidence.clone();
            ev["health_check"]["note"] = summary::health_note(*grpc_status, *http_status).into();
            return Ok((summary::speaks_h2_summary(t), ev));
        }
        Diagnosis::SpeaksHttp {
            version,
            status,
            evidence,
        } => {
            let summary = summary::speaks_http_summary(t, *version, *status);
            return Ok((summary, evidence.clone()));
        }
        Diagnosis::PlaintextToTls {
            sign,
            tried,
            evidence,
            ..
        } => wording::plaintext_to_tls(t, *sign, tried, evidence.clone()),
        Diagnosis::GrpcToHttpPort {
            did,
            tried,
            evidence,
            ..
        } => wording::grpc_to_http_port(t, Some(*did), tried, evidence.clone()),
        Diagnosis::HttpToGrpcPort {
            did,
            tried,
            evidence,
            ..
        } => wording::http_to_grpc_port(t, *did, tried, evidence.clone()),
        // Nothing came back before the close or reset: on a plaintext connection the peer never
        // spoke at all, a front end with no live backend (accept_then_close). Over TLS it had
        // completed a handshake, so a reset is mid-conversation.
        Diagnosis::Closed {
            at,
            addr,
            did,
            tls,
            evidence,
        } => match (did, tls) {
            (PeerDid::Reset, true) => {
                super::tcp::connection_reset(signal, stage, *addr, at.request(), evidence.clone())
            }
            _ => {
                let kind = match did {
                    PeerDid::Reset => CloseKind::Reset,
                    _ => CloseKind::Eof,
                };
                let ev = evidence.clone();
                super::tcp::accept_then_close(signal, stage, *addr, at.request(), kind, ev)
            }
        },
        Diagnosis::Silent {
            at,
            timeout,
            evidence,
        } => timing::response_timeout(t, stage, *at, *timeout, evidence.clone()),
        Diagnosis::StreamRefused { evidence, .. } => {
            wording::stream_refused(t, stage, evidence.clone())
        }
        Diagnosis::Unparseable { did, evidence, .. } => {
            wording::unparseable(t, stage, *did, evidence.clone())
        }
        Diagnosis::BodyStalled {
            status,
            bytes_read,
            timeout,
            evidence,
            ..
        } => timing::body_timeout(t, stage, *status, *bytes_read, *timeout, evidence.clone()),
        Diagnosis::Reconnect { failure, .. } => summary::reconnect_failed(t, stage, failure),
        Diagnosis::ProxyInvalid { invalid, .. } => proxy::proxy_invalid(t, invalid),
        Diagnosis::ProxyFailure {
            proxy,
            error,
            waited,
            forwarded,
            evidence,
            ..
        } => {
            let f = proxy::proxy_failure(t, proxy, error, *waited, evidence.clone());
            match forwarded {
                true => f.at_stage(stage),
                false => f,
            }
        }
        Diagnosis::ProxyTunnelTls {
            proxy,
            stalled,
            received,
            waited,
            evidence,
            ..
        } => proxy::proxy_tunnel_tls(t, proxy, *stalled, *received, *waited, evidence.clone()),
    })
}

/// The protocol stage's findings beyond its diagnosis: gRPC ignores the proxy that would apply
/// to an HTTP exporter (`works`: the check passed without it).
pub fn extra(seen: &Seen, t: &Target<'_>, works: bool) -> Option<Finding> {
    let p = seen.ignored_proxy.as_ref()?;
    Some(proxy::grpc_ignores_proxy(t, p, works))
}
