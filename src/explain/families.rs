//! Error families by client: the same failure in each library's words (TLS record errors,
//! certificate checks by kind, refused/reset/EOF by OS and language, HTTP statuses and gRPC
//! codes in each client's wording, DNS by resolver, proxies), so an unseen line of a known
//! family still lands; plus the vague texts that several failures print alike, each with its
//! candidates, and what an export error nothing else knows most likely is.
//!
//! Sources of the Java and .NET wording: OkHttp (`RealConnection`, `OkHostnameVerifier`), Netty
//! (`NotSslRecordException`), grpc-java (`Status` descriptions), JDK (`sun.security.ssl`,
//! `sun.security.validator`, `sun.security.util.HostnameChecker`), .NET (`System.Net.Http`
//! `SR.net_http_ssl_connection_failed`, `SslPolicyErrors`, `X509ChainStatusFlags`, `SocketError`).

use super::kb::Rule;
use super::Confidence::{High, Low, Medium};
use crate::cause::Cause::{self, *};

const fn r(pattern: &'static str, cause: Cause, confidence: super::Confidence) -> Rule {
    Rule {
        pattern,
        cause,
        confidence,
        note: None,
    }
}

pub const FAMILIES: &[Rule] = &[
    // TLS client, plaintext server: the first bytes back are not a TLS record.
    r("not an ssl/tls record", TlsToPlaintext, High),
    r(
        "unsupported or unrecognized ssl message",
        TlsToPlaintext,
        High,
    ),
    r(
        "unrecognized ssl message, plaintext connection",
        TlsToPlaintext,
        High,
    ),
    r(
        "cannot determine the frame size or a corrupted frame was received",
        TlsToPlaintext,
        High,
    ),
    r("received corrupt message", TlsToPlaintext, Medium),
    r("record overflow", TlsToPlaintext, Medium),
    // Plaintext client, TLS server: a TLS alert or nginx's 400 read as HTTP.
    r("malformed http response \"\\x15\\x03", PlaintextToTls, High),
    r("badstatusline('\\x15\\x03", PlaintextToTls, High),
    r(
        "trying to connect an http1.x server (http status 400)",
        PlaintextToTls,
        High,
    ),
    r("last error: protocol error", PlaintextToTls, Medium),
    r("last error: protocol error", GrpcToHttpPort, Low),
    r(
        "server did not complete the http/2 handshake",
        GrpcToHttpPort,
        Medium,
    ),
    r(
        "server did not complete the http/2 handshake",
        PlaintextToTls,
        Medium,
    ),
    // Certificate verification by kind: unknown authority.
    r("unable to verify the first certificate", TlsUnknownCa, High),
    r("unable_to_verify_leaf_signature", TlsUnknownCa, High),
    r(
        "unable to find valid certification path",
        TlsUnknownCa,
        High,
    ),
    r("untrustedroot", TlsUnknownCa, High),
    r("partialchain", TlsUnknownCa, High),
    r("remotecertificatechainerrors", TlsUnknownCa, High),
    r("certificate chain", TlsUnknownCa, Medium),
    r("the remote certificate is invalid", TlsUnknownCa, Medium),
    r(
        "the remote certificate is invalid",
        TlsHostnameMismatch,
        Low,
    ),
    r("verify error:num=18", TlsUnknownCa, High),
    r("verify error:num=19", TlsUnknownCa, High),
    r("verify error:num=20", TlsUnknownCa, High),
    r("verify error:num=21", TlsUnknownCa, High),
    // Name or IP mismatch.
    r("doesn't contain any ip sans", TlsHostnameMismatch, High),
    r("because it doesn't contain any", TlsHostnameMismatch, High),
    r("ip address mismatch", TlsHostnameMismatch, High),
    r(
        "hostname verification check failed",
        TlsHostnameMismatch,
        High,
    ),
    r(
        "no alternative certificate subject name matches",
        TlsHostnameMismatch,
        High,
    ),
    r(
        "certificate subject name * does not match target host",
        TlsHostnameMismatch,
        High,
    ),
    r("does not match certificate's", TlsHostnameMismatch, High),
    r("is not in the cert's", TlsHostnameMismatch, High),
    r(
        "no subject alternative names matching",
        TlsHostnameMismatch,
        High,
    ),
    r(
        "no subject alternative dns name matching",
        TlsHostnameMismatch,
        High,
    ),
    r("no name matching * found", TlsHostnameMismatch, High),
    r("remotecertificatenamemismatch", TlsHostnameMismatch, High),
    r("doesn't match '", TlsHostnameMismatch, High),
    r("verify error:num=62", TlsHostnameMismatch, High),
    r("verify error:num=64", TlsHostnameMismatch, High),
    // Expired, not yet valid.
    r("certificateexpiredexception", TlsCertExpired, High),
    r("certificate expired", TlsCertExpired, High),
    r("notafter:", TlsCertExpired, Medium),
    r("verify error:num=10", TlsCertExpired, High),
    r("nottimevalid", TlsCertExpired, High),
    r("nottimevalid", TlsCertNotYetValid, Low),
    r("certificatenotyetvalidexception", TlsCertNotYetValid, High),
    r("cert_not_yet_valid", TlsCertNotYetValid, High),
    r("verify error:num=9", TlsCertNotYetValid, High),
    // A bare verification failure names no kind (openssl prints the kind on its own line).
    r("certificate verify failed", TlsHostnameMismatch, Low),
    r("certificate verify failed", TlsCertExpired, Low),
    // Client certificate wanted.
    r("alert certificate required", TlsClientCertRequired, High),
    r("certificaterequired", TlsClientCertRequired, High),
    r(
        "received fatal alert: bad_certificate",
        TlsClientCertRequired,
        High,
    ),
    r(
        "received fatal alert: bad_certificate",
        TlsClientCertRejected,
        Medium,
    ),
    r("bad_certificate", TlsClientCertRequired, Medium),
    r("alert handshake failure", TlsHandshakeFailed, Medium),
    r("alert handshake failure", TlsClientCertRequired, Low),
    // Accepted, then closed without a byte: a load balancer with no backend.
    r("socket hang up", AcceptThenClose, High),
    r(
        "disconnected before secure tls connection was established",
        AcceptThenClose,
        High,
    ),
    r("unexpected eof while reading", AcceptThenClose, High),
    r(
        "handshake read failed (socket closed)",
        AcceptThenClose,
        High,
    ),
    r("post \"*\": eof", AcceptThenClose, High),
    r("put \"*\": eof", AcceptThenClose, High),
    r(
        "received an unexpected eof or 0 bytes from the transport stream",
        AcceptThenClose,
        Medium,
    ),
    r(
        "received an unexpected eof or 0 bytes from the transport stream",
        TlsToPlaintext,
        Low,
    ),
    r(
        "remote host terminated the handshake",
        AcceptThenClose,
        High,
    ),
    r("empty reply from server", AcceptThenClose, High),
    r("unexpected end of stream on", AcceptThenClose, High),
    r("connection prematurely closed", AcceptThenClose, High),
    r(
        "an existing connection was forcibly closed by the remote host",
        ConnectionReset,
        High,
    ),
    r("the response ended prematurely", AcceptThenClose, High),
    // A reset may be a load balancer's answer too when it has no backend.
    r("reset by peer", AcceptThenClose, Low),
    r("econnreset", AcceptThenClose, Low),
    r("connectionreseterror", AcceptThenClose, Low),
    r("connectionreseterror", ConnectionReset, Medium),
    // Refused, by OS and language.
    r("actively refused", TcpRefused, High),
    r("connectexception: connection refused", TcpRefused, High),
    r(
        "failed to connect to * port *: couldn't connect to server",
        TcpRefused,
        Medium,
    ),
    r("couldn't connect to server", TcpRefused, Medium),
    r("failed to connect to */*:", TcpRefused, Low),
    r("couldn't connect to server", ProxyFailure, Low),
    r(
        "ipv6:%5b::1%5d:*connection refused",
        AddressFamilyMismatch,
        High,
    ),
    r("errno=104", ConnectionReset, High),
    r("errno=104", AcceptThenClose, Low),
    r(
        "eof occurred in violation of protocol",
        AcceptThenClose,
        Medium,
    ),
    r(
        "eof occurred in violation of protocol",
        TlsClientCertRequired,
        Medium,
    ),
    r("eof occurred in violation of protocol", TlsToPlaintext, Low),
    r("connection refused", ProxyFailure, Low),
    r("econnrefused", ProxyFailure, Low),
    r("connection timed out after", TcpTimeout, High),
    r("connecttimeoutexception", TcpTimeout, High),
    r(
        "sockettimeoutexception: connect timed out",
        TcpTimeout,
        High,
    ),
    // DNS by resolver.
    r("could not resolve host", DnsNxdomain, High),
    r("name resolution failed for target", DnsNxdomain, Medium),
    r("unknownhostexception", DnsNxdomain, High),
    r("no such host is known", DnsNxdomain, High),
    r("nameresolutionerror", DnsFailure, Medium),
    r("unable to resolve host", DnsNxdomain, High),
    r("eai_noname", DnsNxdomain, High),
    // Proxies.
    r("unable to connect to proxy", ProxyFailure, High),
    r("proxyerror(", ProxyFailure, High),
    r("unable to tunnel through proxy", ProxyFailure, High),
    r("could not resolve proxy", ProxyFailure, High),
    r("connect tunnel failed", ProxyFailure, High),
    r("proxy connect aborted", ProxyFailure, High),
    r("the proxy tunnel request to proxy", ProxyFailure, High),
    // HTTP to a gRPC port, gRPC to an HTTP port.
    r("badstatusline('\\x00\\x00", HttpToGrpcPort, High),
    r(
        "http/1.x transport connection broken: malformed http response \"\\x00",
        HttpToGrpcPort,
        High,
    ),
    r(
        "http status code 404; transport: missing content-type",
        GrpcToHttpPort,
        High,
    ),
    r("received http status code 404", GrpcToHttpPort, High),
    r("unimplemented: http status code 404", GrpcToHttpPort, High),
    r(
        "bad grpc response. http status code: 404",
        GrpcToHttpPort,
        High,
    ),
    r(
        "bad grpc response. http status code: 401",
        GrpcUnauthenticated,
        High,
    ),
    r(
        "bad grpc response. http status code: 502",
        GrpcUnavailable,
        High,
    ),
    r(
        "bad grpc response. http status code: 503",
        GrpcUnavailable,
        High,
    ),
    r(
        "bad grpc response. http status code: 504",
        GrpcUnavailable,
        High,
    ),
    r(
        "first received frame was not settings",
        GrpcToHttpPort,
        Medium,
    ),
    r(
        "first received frame was not settings*485454502f",
        GrpcToHttpPort,
        High,
    ),
    r(
        "server responded with http status code 404",
        SignalPathMissing,
        High,
    ),
    r(
        "server responded with http status code 404",
        SignalPathDuplicated,
        Medium,
    ),
    // gRPC codes: the wrapper code is Low, the transport detail decides.
    r(
        "received http2 header with status: 401",
        GrpcUnauthenticated,
        High,
    ),
    r(
        "received http2 header with status: 403",
        GrpcUnauthenticated,
        High,
    ),
    // gRPC clients name the HTTP status after the code (grpc-go `Unauthorized: HTTP status code
    // 401`, grpc-js `Received HTTP status code 401`, grpc-java `UNAUTHENTICATED: HTTP status code
    // 401`); a bare `HTTP Status Code 401` is an HTTP exporter's.
    r(
        "unauthorized: http status code 401",
        GrpcUnauthenticated,
        High,
    ),
    r("received http status code 401", GrpcUnauthenticated, High),
    r(
        "unauthenticated: http status code 401",
        GrpcUnauthenticated,
        High,
    ),
    r("forbidden: http status code 403", GrpcUnauthenticated, High),
    r("received http status code 403", GrpcUnauthenticated, High),
    r("http status code 401", HttpAuthRejected, High),
    r("http status code 403", HttpAuthRejected, High),
    r("code = unauthenticated", GrpcUnauthenticated, High),
    r("statuscode.unauthenticated", GrpcUnauthenticated, High),
    r(
        "received http2 header with status: 502",
        GrpcUnavailable,
        High,
    ),
    r(
        "received http2 header with status: 503",
        GrpcUnavailable,
        High,
    ),
    r(
        "received http2 header with status: 504",
        GrpcUnavailable,
        High,
    ),
    r("bad gateway: http status code 502", GrpcUnavailable, High),
    r("received http status code 502", GrpcUnavailable, High),
    r("received http status code 503", GrpcUnavailable, High),
    r("received http status code 504", GrpcUnavailable, High),
    r(
        "service unavailable: http status code 503",
        GrpcUnavailable,
        High,
    ),
    r(
        "gateway timeout: http status code 504",
        GrpcUnavailable,
        High,
    ),
    r("unavailable: http status code", GrpcUnavailable, High),
    r("statuscode.unavailable", GrpcUnavailable, Low),
    r("code = unavailable", GrpcUnavailable, Low),
    r("deadline exceeded after", ResponseTimeout, High),
    r("code = deadlineexceeded", ResponseTimeout, Medium),
    r("statuscode.deadline_exceeded", ResponseTimeout, High),
    // HTTP statuses in each client's wording (Go: `: 401 Unauthorized`, Python: `code: 401,
    // reason: …`, Node: `OTLPExporterError: <reason>`, curl: `returned error: 401`, Java:
    // `status code 401`, .NET: `(Unauthorized)`).
    r("unauthorized", HttpAuthRejected, High),
    r("forbidden", HttpAuthRejected, High),
    r("error: 401", HttpAuthRejected, High),
    r("code: 401", HttpAuthRejected, High),
    r("error: 403", HttpAuthRejected, High),
    r("code: 403", HttpAuthRejected, High),
    r("bad gateway", HttpUpstreamUnavailable, High),
    r("gateway timeout", HttpUpstreamUnavailable, High),
    r("service unavailable", HttpUpstreamUnavailable, High),
    r("error: 502", HttpUpstreamUnavailable, High),
    r("error: 503", HttpUpstreamUnavailable, High),
    r("error: 504", HttpUpstreamUnavailable, High),
    r("code: 502", HttpUpstreamUnavailable, High),
    r("code: 503", HttpUpstreamUnavailable, High),
    r("code: 504", HttpUpstreamUnavailable, High),
    r(
        "server responded with http status code 502",
        HttpUpstreamUnavailable,
        High,
    ),
    r(
        "server responded with http status code 503",
        HttpUpstreamUnavailable,
        High,
    ),
    r(
        "server responded with http status code 504",
        HttpUpstreamUnavailable,
        High,
    ),
    r(
        "server responded with http status code 401",
        HttpAuthRejected,
        High,
    ),
    r(
        "server responded with http status code 403",
        HttpAuthRejected,
        High,
    ),
    r("moved permanently", HttpRedirect, High),
    r("temporary redirect", HttpRedirect, High),
    r("permanent redirect", HttpRedirect, High),
    r("status code 301", HttpRedirect, High),
    r("status code 302", HttpRedirect, High),
    r("status code 307", HttpRedirect, High),
    r("status code 308", HttpRedirect, High),
    r("code: 301", HttpRedirect, High),
    r("code: 302", HttpRedirect, High),
    r("code: 307", HttpRedirect, High),
    r("code: 308", HttpRedirect, High),
    r("error: 404", SignalPathMissing, Medium),
    r("error: 404", SignalPathDuplicated, Medium),
    r("code: 404", SignalPathMissing, Medium),
    r("code: 404", SignalPathDuplicated, Medium),
    r("reason: not found", SignalPathMissing, Medium),
    r("reason: not found", SignalPathDuplicated, Medium),
    r("404 (not found)", SignalPathMissing, Medium),
    r("404 (not found)", SignalPathDuplicated, Medium),
    r("(notfound)", SignalPathMissing, Medium),
    r("error: 413", HttpPayloadTooLarge, High),
    r("code: 413", HttpPayloadTooLarge, High),
    r("error: 415", HttpUnsupportedMediaType, High),
    r("code: 415", HttpUnsupportedMediaType, High),
    r("error: 429", HttpThrottled, High),
    r("code: 429", HttpThrottled, High),
    r("error: 500", HttpServerError, High),
    r("code: 500", HttpServerError, High),
    r("internal server error", HttpServerError, High),
    r(
        "operation timed out after * milliseconds with 0 bytes received",
        ResponseTimeout,
        High,
    ),
    r("operation timed out after", ResponseTimeout, Medium),
    r("read timed out", ResponseTimeout, High),
    r("sockettimeoutexception: timeout", ResponseTimeout, High),
    r(
        "sockettimeoutexception: read timed out",
        ResponseTimeout,
        High,
    ),
    r("httpclient.timeout of", ResponseTimeout, High),
    r("taskcanceledexception", ResponseTimeout, Medium),
];

/// A text several failures print alike, with its plausible causes, most likely first.
#[derive(Clone, Copy, Debug)]
pub struct Vague {
    pub pattern: &'static str,
    pub causes: &'static [Cause],
}

const fn v(pattern: &'static str, causes: &'static [Cause]) -> Vague {
    Vague { pattern, causes }
}

const CLOSED: &[Cause] = &[PlaintextToTls, TlsClientCertRequired, AcceptThenClose];
const BAD_REQUEST: &[Cause] = &[PlaintextToTls, TlsClientCertRequired];
const GAVE_UP: &[Cause] = &[
    TcpRefused,
    TlsUnknownCa,
    TlsToPlaintext,
    AcceptThenClose,
    ResponseTimeout,
    HttpUpstreamUnavailable,
    DnsNxdomain,
    TlsHostnameMismatch,
    TlsCertExpired,
    TlsClientCertRequired,
    HttpToGrpcPort,
    ProxyFailure,
];
const NO_CONNECTION: &[Cause] = &[TcpRefused, ProxyFailure, AcceptThenClose, TlsToPlaintext];
const CONNECT: &[Cause] = &[
    TcpRefused,
    TlsToPlaintext,
    TlsUnknownCa,
    TlsHostnameMismatch,
    DnsNxdomain,
    TcpTimeout,
    AcceptThenClose,
];
const DEADLINE: &[Cause] = &[ResponseTimeout, TcpTimeout, AcceptThenClose];
const TLS_FAILED: &[Cause] = &[
    TlsToPlaintext,
    TlsUnknownCa,
    TlsHostnameMismatch,
    TlsClientCertRequired,
    AcceptThenClose,
];

/// Looked at when no rule above is more than `Low` sure.
pub const VAGUE: &[Vague] = &[
    v("desc = connection closed", CLOSED),
    v(
        "transport endpoint is not connected",
        &[AcceptThenClose, TlsClientCertRequired, ConnectionReset],
    ),
    v(
        "use of closed network connection",
        &[TlsClientCertRequired, AcceptThenClose, PlaintextToTls],
    ),
    v(
        "broken pipe",
        &[
            AcceptThenClose,
            TlsClientCertRequired,
            PlaintextToTls,
            ConnectionReset,
        ],
    ),
    v(
        "tsi_data_corrupted",
        &[TlsClientCertRequired, TlsClientCertRejected, TlsToPlaintext],
    ),
    v("due to timeout, max retries or shutdown", GAVE_UP),
    v("last error: undefined", NO_CONNECTION),
    v(
        "last error: failed to connect",
        &[AcceptThenClose, TcpRefused, ProxyFailure],
    ),
    v("no connection established", NO_CONNECTION),
    v("failed to connect to all addresses", NO_CONNECTION),
    // Collectors: rotel's `Exporting failed, dropping data. error=Connect`, the OpenTelemetry
    // Collector's `Exporting failed. Will retry the request after interval.` without its error.
    v("exporting failed*connect", CONNECT),
    v("exceeds remaining timeout*not retrying", GAVE_UP),
    v("exporting failed", GAVE_UP),
    v(
        "export failed with retryable status",
        &[HttpUpstreamUnavailable, HttpThrottled, GrpcUnavailable],
    ),
    v("status code 400", BAD_REQUEST),
    v("error: 400", BAD_REQUEST),
    v("code: 400", BAD_REQUEST),
    v("status: 400", BAD_REQUEST),
    v("400 bad request", BAD_REQUEST),
    v("bad request", BAD_REQUEST),
    v("context deadline exceeded", DEADLINE),
    v("deadline exceeded", DEADLINE),
    v("timed out", DEADLINE),
    v("timeout", DEADLINE),
    v("ssl connection could not be established", TLS_FAILED),
    v("handshake failed", TLS_FAILED),
    v("sslhandshakeexception", TLS_FAILED),
    v("connection closed", CLOSED),
    v("closedchannelexception", CLOSED),
    v("eof", &[AcceptThenClose, PlaintextToTls, TlsToPlaintext]),
    v("statuscode.unavailable", GAVE_UP),
    v("code = unavailable", GAVE_UP),
    v("14 unavailable", GAVE_UP),
    v("unavailable: io exception", GAVE_UP),
];

/// An export or transport error that no family knows: the usual causes, best first.
pub const FALLBACK: &[Cause] = &[
    TcpRefused,
    TlsToPlaintext,
    AcceptThenClose,
    PlaintextToTls,
    ResponseTimeout,
];

/// Words that make a line an export or transport error even when nothing else is known.
const EXPORT_WORDS: &[&str] = &[
    "export",
    "rpc error",
    "transport",
    "connect",
    "tls",
    "ssl",
    "grpc",
    "socket",
    "timed out",
    "timeout",
    "refused",
    "failed to send",
    "unavailable",
    "handshake",
    "certificate",
    "otlp",
    "http",
    "collector",
    "errno",
];

/// Whether a normalized line is an export or transport error at all.
pub fn looks_like_export_error(hay: &str) -> bool {
    let errorish = [
        "error",
        "fail",
        "exception",
        "unable",
        "cannot",
        "could not",
        "refused",
        "timed out",
        "timeout",
    ]
    .iter()
    .any(|w| hay.contains(w));
    errorish && EXPORT_WORDS.iter().any(|w| hay.contains(w))
}
