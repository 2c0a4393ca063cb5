//! Wording of the export stage: one match over its diagnosis (`facts::diagnosis::Export`)
//! picks the cause from the answer's class and words it, the verified fix included.

mod grpc;
mod http;
mod server;

pub use server::memory_limiter_fix;

use super::protocol::{timing, wording};
use super::{Finding, Stage};
use crate::facts::answer::{Class, HttpClass};
use crate::facts::diagnosis::export::{Answer, Diagnosis};
use crate::facts::{Change, Target};

/// The export stage in words: the check's line and the finding, if any.
#[derive(Clone, Debug, PartialEq)]
pub struct Worded {
    pub summary: String,
    pub finding: Option<Finding>,
}

/// Words the export stage's diagnosis for `t`.
pub fn finding(d: &Diagnosis, t: &Target<'_>) -> Worded {
    let f = match d {
        Diagnosis::Accepted {
            partial,
            took,
            slow,
            ..
        } => {
            return Worded {
                summary: http::export_ok_summary(t, partial.as_ref()),
                finding: slow.then(|| timing::response_slow(t, Stage::Export, *took)),
            }
        }
        Diagnosis::NotOtlp(a) => http::not_otlp_endpoint(
            t,
            a.status,
            a.media_type.as_deref(),
            a.body_empty,
            a.evidence.clone(),
        ),
        Diagnosis::NotFound {
            answer,
            path,
            problem,
            tried,
        } => http::http_not_found(t, path, problem, tried, answer.evidence.clone()),
        Diagnosis::Http { answer, tried } => http(t, answer, tried),
        Diagnosis::Grpc {
            answer,
            method,
            tried,
            compression_refused,
        } => grpc(t, answer, method, tried, *compression_refused),
    };
    let stalled = match d {
        Diagnosis::Accepted { .. } => false,
        Diagnosis::NotOtlp(a)
        | Diagnosis::NotFound { answer: a, .. }
        | Diagnosis::Http { answer: a, .. }
        | Diagnosis::Grpc { answer: a, .. } => a.stalled,
    };
    let f = if stalled { f.stalled() } else { f };
    Worded {
        summary: f.summary.clone(),
        finding: Some(f),
    }
}

/// A refusal of the OTLP/HTTP export, by its class.
fn http(t: &Target<'_>, a: &Answer, tried: &[crate::facts::Tried]) -> Finding {
    let ev = a.evidence.clone();
    let message = a.message.as_ref();
    let worked = tried.iter().find(|x| x.worked);
    let unexpected = |ev| http::http_unexpected_status(t, a.status, message, ev);
    let class = match a.class {
        Class::PlaintextToTls { sign } => return wording::plaintext_to_tls(t, sign, tried, ev),
        Class::ClientCertRequired => return http::client_cert_required_by_http(t, ev),
        Class::Http { class } => class,
        Class::Accepted | Class::Grpc { .. } | Class::GrpcMissingStatus | Class::NotGrpc => {
            return unexpected(ev)
        }
    };
    match class {
        HttpClass::Redirect => http::http_redirect(t, a.status, a.location.as_deref(), ev),
        // A bare 400 names a cause only through the retry that worked.
        HttpClass::BadRequest => match worked {
            Some(w) if w.change == Change::NoCompression => {
                http::compression_unsupported(t, std::slice::from_ref(w), ev)
            }
            Some(w) => {
                http::http_unsupported_media_type(t, a.status, message, std::slice::from_ref(w), ev)
            }
            None => unexpected(ev),
        },
        HttpClass::AuthRejected => {
            http::http_auth_rejected(t, a.status, a.www_authenticate.as_deref(), ev)
        }
        HttpClass::MethodNotAllowed => http::http_method_not_allowed(t, a.allow.as_deref(), ev),
        HttpClass::PayloadTooLarge => http::http_payload_too_large(t, a.status, message, ev),
        HttpClass::CompressionUnsupported => {
            let tried = worked.map_or(tried, std::slice::from_ref);
            http::compression_unsupported(t, tried, ev)
        }
        HttpClass::UnsupportedMediaType => match worked {
            Some(w) if w.change == Change::NoCompression => {
                http::compression_unsupported(t, std::slice::from_ref(w), ev)
            }
            _ => http::http_unsupported_media_type(t, a.status, message, tried, ev),
        },
        HttpClass::Throttled => server::http_throttled(t, a.retry_after.as_deref(), ev),
        HttpClass::UpstreamUnavailable { by } => {
            server::http_upstream_unavailable(t, a.status, by, message, ev)
        }
        HttpClass::ServerError => server::http_server_error(t, a.status, message, ev),
        HttpClass::NotFound | HttpClass::ProxyAuthRequired | HttpClass::Other => unexpected(ev),
    }
}

/// A refusal of the gRPC export: its gRPC status, or what an HTTP front said.
fn grpc(
    t: &Target<'_>,
    a: &Answer,
    method: &str,
    tried: &[crate::facts::Tried],
    compression_refused: bool,
) -> Finding {
    let ev = a.evidence.clone();
    let message = a.message.clone().unwrap_or_default();
    let media = a.media_type.as_deref();
    match a.class {
        Class::Http { class } => grpc::grpc_http_refusal(t, class, a.status, media, ev),
        Class::GrpcMissingStatus => grpc::grpc_missing_status(t, ev),
        Class::Grpc { code: 12 } if compression_refused => {
            http::compression_unsupported(t, tried, ev)
        }
        Class::Grpc { code: 12 } => grpc::grpc_unimplemented(t, method, &message, ev),
        Class::Grpc {
            code: code @ (7 | 16),
        } => grpc::grpc_unauthenticated(t, code, &message, ev),
        Class::Grpc { code: 14 } => grpc::grpc_unavailable(t, &message, ev),
        Class::Grpc { code: 8 } => grpc::grpc_resource_exhausted(t, &message, ev),
        Class::Grpc { code } => grpc::grpc_other_status(t, code, &message, ev),
        // No gRPC answer: OTLP/HTTP on the same port was tried (an h2-capable HTTP port).
        Class::NotGrpc
        | Class::PlaintextToTls { .. }
        | Class::ClientCertRequired
        | Class::Accepted => match tried.first() {
            Some(w) if w.worked => wording::grpc_to_http_port(t, None, tried, ev),
            _ => grpc::grpc_non_grpc_response(t, a.status, media, ev),
        },
    }
}
