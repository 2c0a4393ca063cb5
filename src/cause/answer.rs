//! The cause code of a classified answer (`facts::answer::classify`): one table, read by the
//! probes' wording, the canary and the run-time metrics' `cause` label.

use super::Cause;
use crate::facts::answer::{Class, HttpClass};

/// The cause an answer of this class points to; `None` when the class alone names none (an
/// accepted answer, a bare 400, an unusual status).
pub fn cause_of(class: Class) -> Option<Cause> {
    Some(match class {
        Class::Accepted => return None,
        Class::PlaintextToTls { .. } => Cause::PlaintextToTls,
        Class::ClientCertRequired => Cause::TlsClientCertRequired,
        Class::Http { class } => match class {
            HttpClass::Redirect => Cause::HttpRedirect,
            HttpClass::AuthRejected => Cause::HttpAuthRejected,
            HttpClass::ProxyAuthRequired => Cause::ProxyFailure,
            HttpClass::NotFound => Cause::HttpNotFound,
            HttpClass::MethodNotAllowed => Cause::HttpMethodNotAllowed,
            HttpClass::PayloadTooLarge => Cause::HttpPayloadTooLarge,
            HttpClass::CompressionUnsupported => Cause::CompressionUnsupported,
            HttpClass::UnsupportedMediaType => Cause::HttpUnsupportedMediaType,
            HttpClass::Throttled => Cause::HttpThrottled,
            HttpClass::UpstreamUnavailable { .. } => Cause::HttpUpstreamUnavailable,
            HttpClass::ServerError => Cause::HttpServerError,
            HttpClass::BadRequest | HttpClass::Other => return None,
        },
        Class::Grpc { code } => match code {
            4 => Cause::ResponseTimeout,
            7 | 16 => Cause::GrpcUnauthenticated,
            8 => Cause::GrpcResourceExhausted,
            12 => Cause::GrpcUnimplemented,
            14 => Cause::GrpcUnavailable,
            _ => return None,
        },
        Class::GrpcMissingStatus | Class::NotGrpc => Cause::GrpcNonGrpcResponse,
    })
}
