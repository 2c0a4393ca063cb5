//! One classification of a receiver's answer (HTTP status, body signs, gRPC status), shared by
//! the protocol stage, the export probe, the canary and the run-time exporter's metrics.
//!
//! Pure and total: every status, media type and body maps to exactly one `Class`; nothing here
//! reads text beyond the fixed byte patterns of `BodySign`, which only one product sends.

use super::TlsSign;
use serde::Serialize;

/// A fixed text in an answer's body that only one product sends, as a typed fact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BodySign {
    /// nginx: `400 The plain HTTP request was sent to HTTPS port`.
    NginxPlainToHttps,
    /// Go's `net/http` (the collector's receivers, Caddy): a bare
    /// `HTTP/1.0 400 Bad Request` whose body is `Client sent an HTTP request to an HTTPS server.`
    GoPlainToHttps,
    /// nginx: `400 No required SSL certificate was sent`.
    NginxNoClientCert,
    /// HAProxy: `503 No server is available to handle this request.`
    HaproxyNoServer,
    /// Go's `http.MaxBytesReader` (the collector's `max_request_body_size`): a 400 whose
    /// google.rpc.Status says `http: request body too large`.
    GoBodyTooLarge,
    /// The collector's HTTP server (confighttp): a 400 whose google.rpc.Status says
    /// `unsupported Content-Encoding: gzip` (gzip left out of `compression_algorithms`).
    UnsupportedContentEncoding,
    /// The collector's `memory_limiter`: `data refused due to high memory usage` (HTTP 503 or
    /// gRPC UNAVAILABLE).
    MemoryLimiterRefused,
}

impl BodySign {
    /// The sign in `body` (the first bytes of an answer's body), if any.
    pub fn of(body: &[u8]) -> Option<BodySign> {
        let trimmed = body.trim_ascii_start();
        if trimmed.starts_with(b"Client sent an HTTP request to an HTTPS server") {
            return Some(BodySign::GoPlainToHttps);
        }
        [
            (
                &b"plain HTTP request was sent to HTTPS port"[..],
                BodySign::NginxPlainToHttps,
            ),
            (
                b"No required SSL certificate was sent",
                BodySign::NginxNoClientCert,
            ),
            (b"No server is available", BodySign::HaproxyNoServer),
            (b"http: request body too large", BodySign::GoBodyTooLarge),
            (
                b"unsupported Content-Encoding",
                BodySign::UnsupportedContentEncoding,
            ),
            (
                b"data refused due to high memory usage",
                BodySign::MemoryLimiterRefused,
            ),
        ]
        .into_iter()
        .find(|(needle, _)| contains(body, needle))
        .map(|(_, sign)| sign)
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// What came back, as typed facts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AnswerFacts {
    pub http_status: u16,
    /// The media type of `content-type`, lower case, without parameters.
    pub media_type: Option<String>,
    /// `grpc-status` (headers of a trailers-only answer, or trailers).
    pub grpc_status: Option<u32>,
    pub sign: Option<BodySign>,
}

impl AnswerFacts {
    /// A gRPC answer: HTTP 200 with a `application/grpc…` content type.
    pub fn is_grpc(&self) -> bool {
        self.http_status == 200
            && self
                .media_type
                .as_deref()
                .is_some_and(|m| m.starts_with("application/grpc"))
    }
}

/// What the client sent: gRPC or OTLP/HTTP, over TLS or plaintext.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sent {
    pub grpc: bool,
    pub tls: bool,
}

/// An HTTP refusal, whether the client spoke OTLP/HTTP or gRPC (a gRPC client maps an HTTP
/// answer without `grpc-status` from its HTTP status, as gRPC's own clients do).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HttpClass {
    Redirect,
    /// 400 with no sign of who sent it: a codec, compression or protocol the receiver refused.
    BadRequest,
    AuthRejected,
    ProxyAuthRequired,
    NotFound,
    MethodNotAllowed,
    PayloadTooLarge,
    /// The receiver cannot decode the request's `Content-Encoding` and said so (the Go
    /// collector's 400 `unsupported Content-Encoding`).
    CompressionUnsupported,
    UnsupportedMediaType,
    Throttled,
    UpstreamUnavailable {
        by: Unavailable,
    },
    ServerError,
    Other,
}

/// Who answered 502-504, when the answer says so.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unavailable {
    /// A gateway with no sign of which one.
    Gateway,
    /// HAProxy with no live server.
    Haproxy,
    /// The collector itself: its `memory_limiter` refuses data.
    MemoryLimiter,
}

/// The classification of one answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Class {
    /// 2xx (OTLP/HTTP) or `grpc-status: 0`: accepted; the body still decides whether it is an
    /// OTLP response.
    Accepted,
    /// Plaintext reached a TLS port, and the port said so in its answer.
    PlaintextToTls {
        sign: TlsSign,
    },
    /// The TLS front wants a client certificate and said so in an HTTP answer (nginx).
    ClientCertRequired,
    Http {
        class: HttpClass,
    },
    /// A gRPC answer with a non-OK `grpc-status`.
    Grpc {
        code: u32,
    },
    /// A gRPC answer (HTTP 200, gRPC content type) without any `grpc-status`.
    GrpcMissingStatus,
    /// A gRPC client met an HTTP answer that names no HTTP cause (a 404, a web page).
    NotGrpc,
}

/// Classifies `answer` to a request sent as `sent`. Total: never panics, every input has a class.
pub fn classify(answer: &AnswerFacts, sent: Sent) -> Class {
    if sent.grpc && answer.is_grpc() {
        return match answer.grpc_status {
            None => Class::GrpcMissingStatus,
            Some(0) => Class::Accepted,
            Some(code) => Class::Grpc { code },
        };
    }
    let status = answer.http_status;
    let plain_to_tls = match answer.sign {
        Some(BodySign::NginxPlainToHttps) => Some(TlsSign::PlainHttpToHttpsPort),
        Some(BodySign::GoPlainToHttps) => Some(TlsSign::GoPlainHttpToHttpsPort),
        _ => None,
    };
    match (status, plain_to_tls) {
        (400, Some(sign)) if !sent.tls => return Class::PlaintextToTls { sign },
        (400, _) if answer.sign == Some(BodySign::NginxNoClientCert) => {
            return Class::ClientCertRequired
        }
        _ => {}
    }
    if (200..=299).contains(&status) && !sent.grpc {
        return Class::Accepted;
    }
    let class = match (status, answer.sign) {
        (400, Some(BodySign::GoBodyTooLarge)) => HttpClass::PayloadTooLarge,
        (400 | 415, Some(BodySign::UnsupportedContentEncoding)) => {
            HttpClass::CompressionUnsupported
        }
        (status, sign) => by_status(status, sign),
    };
    if !sent.grpc {
        return Class::Http { class };
    }
    // A gRPC client: what an HTTP front said is the cause when it names one; any other HTTP
    // answer (a 404, a page, a 500 from a web server) says this is no gRPC endpoint.
    match class {
        HttpClass::AuthRejected
        | HttpClass::ProxyAuthRequired
        | HttpClass::PayloadTooLarge
        | HttpClass::Throttled
        | HttpClass::UpstreamUnavailable { .. } => Class::Http { class },
        _ => Class::NotGrpc,
    }
}

/// An HTTP status's class; `sign` names who answered 502-504.
fn by_status(status: u16, sign: Option<BodySign>) -> HttpClass {
    match status {
        300..=399 => HttpClass::Redirect,
        400 => HttpClass::BadRequest,
        401 | 403 => HttpClass::AuthRejected,
        404 => HttpClass::NotFound,
        405 => HttpClass::MethodNotAllowed,
        407 => HttpClass::ProxyAuthRequired,
        413 => HttpClass::PayloadTooLarge,
        415 => HttpClass::UnsupportedMediaType,
        429 => HttpClass::Throttled,
        502..=504 => HttpClass::UpstreamUnavailable {
            by: match sign {
                Some(BodySign::HaproxyNoServer) => Unavailable::Haproxy,
                Some(BodySign::MemoryLimiterRefused) => Unavailable::MemoryLimiter,
                _ => Unavailable::Gateway,
            },
        },
        500..=599 => HttpClass::ServerError,
        _ => HttpClass::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(status: u16, media: Option<&str>, grpc: Option<u32>, body: &[u8]) -> AnswerFacts {
        AnswerFacts {
            http_status: status,
            media_type: media.map(str::to_owned),
            grpc_status: grpc,
            sign: BodySign::of(body),
        }
    }

    const PLAIN_HTTP: Sent = Sent {
        grpc: false,
        tls: false,
    };
    const PLAIN_GRPC: Sent = Sent {
        grpc: true,
        tls: false,
    };

    #[test]
    fn go_and_nginx_say_plaintext_reached_a_tls_port() {
        let go = b"Client sent an HTTP request to an HTTPS server.\n";
        assert_eq!(
            classify(&facts(400, None, None, go), PLAIN_HTTP),
            Class::PlaintextToTls {
                sign: TlsSign::GoPlainHttpToHttpsPort
            }
        );
        let nginx = b"<center>The plain HTTP request was sent to HTTPS port</center>";
        assert_eq!(
            classify(&facts(400, Some("text/html"), None, nginx), PLAIN_HTTP),
            Class::PlaintextToTls {
                sign: TlsSign::PlainHttpToHttpsPort
            }
        );
        // Any other 400 is a refused request, not a TLS port.
        assert_eq!(
            classify(&facts(400, Some("text/plain"), None, b"bad"), PLAIN_HTTP),
            Class::Http {
                class: HttpClass::BadRequest
            }
        );
    }

    #[test]
    fn a_grpc_client_takes_an_http_front_s_answer_as_its_cause() {
        for (status, class) in [
            (401, HttpClass::AuthRejected),
            (403, HttpClass::AuthRejected),
            (413, HttpClass::PayloadTooLarge),
            (
                502,
                HttpClass::UpstreamUnavailable {
                    by: Unavailable::Gateway,
                },
            ),
        ] {
            assert_eq!(
                classify(&facts(status, Some("text/html"), None, b""), PLAIN_GRPC),
                Class::Http { class },
                "{status}"
            );
        }
        assert_eq!(
            classify(&facts(404, Some("text/plain"), None, b""), PLAIN_GRPC),
            Class::NotGrpc
        );
        assert_eq!(
            classify(&facts(200, Some("text/html"), None, b""), PLAIN_GRPC),
            Class::NotGrpc
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// Any status, media type, gRPC status and body: a class, no panic; a gRPC answer is
        /// only ever classified for a gRPC client, and a 2xx to OTLP/HTTP is always accepted.
        #[test]
        fn classification_is_total(
            status in 0u16..1000,
            media in proptest::option::of("[a-z/+.;= -]{0,30}"),
            grpc_status in proptest::option::of(proptest::prelude::any::<u32>()),
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
            grpc in proptest::prelude::any::<bool>(),
            tls in proptest::prelude::any::<bool>(),
        ) {
            let a = AnswerFacts {
                http_status: status,
                media_type: media,
                grpc_status,
                sign: BodySign::of(&body),
            };
            let class = classify(&a, Sent { grpc, tls });
            if !grpc {
                let grpc_class = matches!(
                    class,
                    Class::Grpc { .. } | Class::GrpcMissingStatus | Class::NotGrpc
                );
                proptest::prop_assert!(!grpc_class, "{:?}", class);
                if (200..300).contains(&status) {
                    proptest::prop_assert_eq!(class, Class::Accepted);
                }
            }
            if tls {
                let to_tls = matches!(class, Class::PlaintextToTls { .. });
                proptest::prop_assert!(!to_tls, "{:?}", class);
            }
        }
    }

    #[test]
    fn the_go_collector_s_own_refusals_are_named() {
        // google.rpc.Status as protobuf: code 3, message (observed, gocol_body_limit).
        let too_large = b"\x08\x03\x12\x1chttp: request body too large";
        assert_eq!(
            classify(
                &facts(400, Some("application/x-protobuf"), None, too_large),
                PLAIN_HTTP
            ),
            Class::Http {
                class: HttpClass::PayloadTooLarge
            }
        );
        let gzip = br#"{"code":3,"message":"unsupported Content-Encoding: gzip"}"#;
        assert_eq!(
            classify(
                &facts(400, Some("application/json"), None, gzip),
                PLAIN_HTTP
            ),
            Class::Http {
                class: HttpClass::CompressionUnsupported
            }
        );
        let memory = br#"{"code":14,"message":"data refused due to high memory usage"}"#;
        assert_eq!(
            classify(
                &facts(503, Some("application/json"), None, memory),
                PLAIN_HTTP
            ),
            Class::Http {
                class: HttpClass::UpstreamUnavailable {
                    by: Unavailable::MemoryLimiter
                }
            }
        );
    }

    #[test]
    fn grpc_statuses_are_kept() {
        let g = |s| facts(200, Some("application/grpc"), s, b"");
        assert_eq!(classify(&g(Some(0)), PLAIN_GRPC), Class::Accepted);
        assert_eq!(classify(&g(Some(8)), PLAIN_GRPC), Class::Grpc { code: 8 });
        assert_eq!(classify(&g(None), PLAIN_GRPC), Class::GrpcMissingStatus);
    }
}
