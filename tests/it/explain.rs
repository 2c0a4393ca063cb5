//! `runner doctor explain` recognises every error text quoted in research/failure-modes.md.

use runner::cause::Cause;
use runner::explain::explain;
use std::process::{Command, Stdio};

/// How the expected cause must rank among the matches.
#[derive(Clone, Copy, Debug)]
enum Rank {
    /// The best match.
    First,
    /// Among the matches: the text is shared by several causes (the research file files it
    /// under a combined heading, or it is generic, like a bare 404).
    Among,
}
use Rank::*;

/// (text as quoted in failure-modes.md, expected cause, rank). `...` in the research file marks
/// an elided part; it is kept here as typed, which the matcher must tolerate.
const TABLE: &[(&str, &str, Rank)] = &[
    // The seed's own three.
    ("tls: first record does not look like a TLS handshake", "tls_to_plaintext", First),
    ("transport: authentication handshake failed: EOF", "accept_then_close", First),
    ("dial tcp: address http://localhost:4317: too many colons in address", "endpoint_invalid", First),
    // Configuration.
    ("dial tcp: address https://my-otlp-endpoint:4317/: too many colons in address", "endpoint_invalid", First),
    ("lookup tcp/4318/v1/traces: unknown port", "endpoint_invalid", First),
    ("No connection adapters were found for '172.18.0.2:4318'", "endpoint_missing_scheme", First),
    ("parse \"jaeger:4317\": first path segment in URL cannot contain colon", "endpoint_missing_scheme", First),
    ("received http.code=404 for uri: '/v1/v1/traces'", "signal_path_duplicated", First),
    ("OTLPExporterError: Not Found", "signal_path_duplicated", First),
    ("404 page not found", "signal_path_duplicated", Among),
    ("HTTP status client error (404 Not Found) for url (https://host/)", "signal_path_missing", First),
    ("failed to send to http://host:4318/: 404", "signal_path_missing", First),
    ("Server responded with HTTP status code 404", "signal_path_missing", First),
    (r#"malformed HTTP response "\x00\x00\x06\x04\x00\x00\x00\x00\x00\x00\x05\x00\x00@\x00""#, "http_to_grpc_port", First),
    (r#"malformed HTTP response "\x00\x00\x06\x04...""#, "http_to_grpc_port", First),
    ("invalid HTTP version parsed", "http_to_grpc_port", First),
    ("Parse Error: Expected HTTP/", "http_to_grpc_port", First),
    ("ConnectionResetError(104, 'Connection reset by peer')", "http_to_grpc_port", First),
    ("Received HTTP/0.9 when not allowed", "http_to_grpc_port", First),
    ("error reading server preface: http2: frame too large", "grpc_to_http_port", First),
    ("FRAME_SIZE_ERROR: 4740180", "grpc_to_http_port", First),
    ("GoAway(b\"\", FRAME_SIZE_ERROR, Library)", "grpc_to_http_port", First),
    ("UNIMPLEMENTED ... Received http2 header with status: 404", "grpc_to_http_port", First),
    ("Header format invalid! Header values in environment variables must be URL encoded", "headers_invalid", First),
    ("unknown_service:python3", "service_name_missing", First),
    ("OTLPResourceNoServiceName", "service_name_missing", First),
    // DNS.
    ("lookup jaeger-collector on 172.30.0.10:53: no such host", "dns_nxdomain", Among),
    ("lookup jaeger-collector on 172.30.0.10:53: no such host", "cluster_local_name", Among),
    ("lookup collector.example.com on 172.30.0.10:53: no such host", "dns_nxdomain", First),
    ("DNS resolution failed for otelcol:4317: C-ares status is not ARES_SUCCESS ... Domain name not found", "dns_nxdomain", Among),
    ("socket.gaierror: [Errno -2] Name or service not known", "dns_nxdomain", First),
    ("failed to lookup address information: Temporary failure in name resolution", "dns_nxdomain", Among),
    // TCP.
    ("dial tcp [::1]:4317: connect: connection refused", "address_family_mismatch", First),
    ("connect ECONNREFUSED ::1:4318", "address_family_mismatch", First),
    ("[Errno 111] Connection refused", "tcp_refused", First),
    ("tcp connect error: Connection refused (os error 111)", "tcp_refused", First),
    ("dial tcp 10.1.0.70:4317: i/o timeout", "tcp_timeout", First),
    ("context deadline exceeded", "tcp_timeout", First),
    ("RemoteDisconnected('Remote end closed connection without response')", "accept_then_close", First),
    ("Socket closed", "accept_then_close", First),
    ("tls handshake eof", "accept_then_close", First),
    ("read: connection reset by peer", "connection_reset", First),
    ("hyper::Error(Io, Kind(ConnectionReset))", "connection_reset", First),
    // TLS.
    ("authentication handshake failed: tls: first record does not look like a TLS handshake", "tls_to_plaintext", First),
    ("SSL_ERROR_SSL ... WRONG_VERSION_NUMBER", "tls_to_plaintext", First),
    ("ssl3_get_record:wrong version number", "tls_to_plaintext", First),
    ("received corrupt message of type InvalidContentType", "tls_to_plaintext", First),
    ("error reading server preface: EOF", "plaintext_to_tls", First),
    ("400 The plain HTTP request was sent to HTTPS port", "plaintext_to_tls", First),
    ("transport error", "plaintext_to_tls", Among),
    ("Expected SETTINGS frame as the first frame, got frame type 80 (Trying to connect an http1.x server)", "plaintext_to_tls", Among),
    ("x509: certificate signed by unknown authority", "tls_unknown_ca", First),
    ("invalid peer certificate: UnknownIssuer", "tls_unknown_ca", First),
    ("CERTIFICATE_VERIFY_FAILED ... self-signed certificate in certificate chain", "tls_unknown_ca", First),
    ("PKIX path building failed", "tls_unknown_ca", First),
    ("x509: certificate is not valid for any names, but wanted to match X", "tls_hostname_mismatch", First),
    ("Hostname xxx not verified ... subjectAltNames: [...]", "tls_hostname_mismatch", First),
    ("x509: certificate has expired or is not yet valid: current time ... is after ...", "tls_cert_expired", First),
    ("x509: certificate has expired or is not yet valid: current time 2020-01-01T00:00:00Z is before 2024-01-01T00:00:00Z", "tls_cert_not_yet_valid", First),
    ("remote error: tls: bad certificate", "tls_client_cert_required", Among),
    ("remote error: tls: bad certificate", "tls_client_cert_rejected", Among),
    ("16 UNAUTHENTICATED", "tls_client_cert_required", Among),
    ("certificate_required", "tls_client_cert_required", First),
    ("No required SSL certificate was sent", "tls_client_cert_required", First),
    ("credentials: cannot check peer: missing selected ALPN property", "tls_alpn_h2_missing", First),
    ("TLSV1_ALERT_NO_APPLICATION_PROTOCOL", "tls_alpn_h2_missing", First),
    // HTTP and gRPC.
    // A proxy's HTML 502 to a gRPC call: the research files it as a non-gRPC response; the
    // doctor names the dead upstream behind the proxy (gRPC maps 502 to UNAVAILABLE) first.
    ("unexpected HTTP status code received from server: 502 (Bad Gateway); transport: received unexpected content-type \"text/html\"", "grpc_unavailable", First),
    ("unexpected HTTP status code received from server: 502 (Bad Gateway); transport: received unexpected content-type \"text/html\"", "grpc_non_grpc_response", Among),
    ("Received message larger than max (1752460652 vs 4194304)", "grpc_non_grpc_response", First),
    ("No server is available to handle this request.", "http_upstream_unavailable", First),
    ("grpc: received message larger than max (7735027 vs. 4194304)", "grpc_resource_exhausted", First),
    ("413 Request Entity Too Large", "http_payload_too_large", First),
    ("unsupported media type, supported: [application/json, application/x-protobuf]", "http_unsupported_media_type", First),
    ("Client.Timeout exceeded while awaiting headers", "response_timeout", First),
    ("StatusCode.DEADLINE_EXCEEDED", "response_timeout", First),
    ("missing or empty authorization header: Authorization", "http_auth_rejected", Among),
    ("missing or empty authorization header: Authorization", "grpc_unauthenticated", Among),
    ("unknown service opentelemetry.proto.collector.logs.v1.LogsService", "grpc_unimplemented", First),
    ("OTLP partial success: empty message (3 spans rejected)", "canary_partial_success", First),
    ("OTLP partial success: ... (N spans rejected)", "canary_partial_success", First),
    ("Dropped 2228 spans because maxQueueSize reached", "canary_export_failed", First),
];

#[test]
fn every_quoted_error_text_is_recognised() {
    let mut failures = Vec::new();
    for &(text, code, rank) in TABLE {
        let expected = Cause::from_code(code).unwrap_or_else(|| panic!("not a cause code: {code}"));
        let got: Vec<Cause> = explain(text).iter().map(|m| m.cause).collect();
        let ok = match rank {
            First => got.first() == Some(&expected),
            Among => got.contains(&expected),
        };
        if !ok {
            failures.push(format!("{text:?}: expected {code} ({rank:?}), got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every verbatim text of the research file's knowledge base is in the table above: the
/// backticked strings under the sections whose entries quote errors.
#[test]
fn the_table_covers_the_research_file() {
    let Ok(research) = std::fs::read_to_string("/work/shared/research/failure-modes.md") else {
        eprintln!("research file not present; skipping the cross-check");
        return;
    };
    // The closing section quotes a user's collector configuration, not error texts.
    let research = research
        .split("\n## The original report")
        .next()
        .unwrap_or(&research);
    // Backticked strings that are not error texts (variable names, values, byte patterns).
    let not_errors = |s: &str| {
        s.starts_with("OTEL_")
            || s.starts_with("/v1")
            || s.starts_with("HTTPS_PROXY")
            || s.starts_with("NO_PROXY")
            || s.starts_with("[runners")
            || s.starts_with("16 03")
            || s.starts_with("00 00")
            || s.starts_with("HTTP/1.")
            || s.starts_with("http://")
            || s.starts_with("https://")
            || s.starts_with("partial_success")
            || s.starts_with("grpc-status")
            || matches!(
                s,
                "doctor-contract.md"
                    | "runner doctor explain"
                    | "k=v,k2=v2"
                    | "Basic%20..."
                    | "localhost:4318"
                    | "localhost"
                    | "::1"
                    | "127.0.0.1"
                    | "h2"
                    | "grpc"
                    | "grpcs"
                    | "http"
                    | "https"
                    | "zstd"
                    | "snappy"
                    | "Shutdown"
                    | "unknown_service:..."
            )
    };
    let quoted: Vec<&str> = research
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|s| !not_errors(s))
        .collect();
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let missing: Vec<&str> = quoted
        .iter()
        .copied()
        .filter(|q| {
            let q = norm(q);
            !TABLE.iter().any(|(t, _, _)| norm(t).contains(&q))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "quoted in failure-modes.md but not tested: {missing:#?}"
    );
}

fn run(args: &[&str], stdin: Option<&str>) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_runner"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut pipe = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            pipe.write_all(s.as_bytes()).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn text_output_names_cause_fix_and_check_exit_0() {
    let (code, out) = run(
        &[
            "doctor",
            "explain",
            "tls: first record does not look like a TLS handshake",
        ],
        None,
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("1. tls_to_plaintext (high confidence"),
        "{out}"
    );
    assert!(out.contains("Fix: ") && out.contains("http://"), "{out}");
    assert!(
        out.contains("Confirm: runner doctor otel (check `tls`)"),
        "{out}"
    );
}

#[test]
fn json_output_has_the_stable_shape() {
    let (code, out) = run(
        &[
            "doctor",
            "explain",
            "--json",
            "transport: authentication handshake failed: EOF",
        ],
        None,
    );
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["schema"], "runner.doctor.explain/v1");
    assert_eq!(
        v["input"],
        "transport: authentication handshake failed: EOF"
    );
    let m = &v["matches"][0];
    assert_eq!(m["cause"], "accept_then_close");
    assert_eq!(m["confidence"], "high");
    for field in ["summary", "explanation", "fix"] {
        assert!(
            m[field].as_str().is_some_and(|s| !s.is_empty()),
            "{field}: {m}"
        );
    }
    assert_eq!(m["confirm_with"]["stage"], "tcp");
    assert_eq!(m["confirm_with"]["command"], "runner doctor otel");
}

#[test]
fn reads_standard_input_and_says_when_nothing_matches() {
    let (code, out) = run(
        &["doctor", "explain", "--output", "json"],
        Some("2024/01/01 12:00:00 dial tcp [::1]:4317: connect: connection refused\n"),
    );
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["matches"][0]["cause"], "address_family_mismatch");

    let (code, out) = run(&["doctor", "explain"], Some("the weather is fine today\n"));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("No known failure matches this text."), "{out}");
    assert!(out.contains("runner doctor otel"), "{out}");

    let (code, _) = run(&["doctor", "explain"], Some("   \n"));
    assert_eq!(code, 2);
}

/// `-` is standard input, as Unix tools read it: the same explanation as the text given as the
/// argument, not an explanation of the text "-".
#[test]
fn a_dash_reads_standard_input() {
    let line = "transport: authentication handshake failed: EOF";
    let (code, piped) = run(&["doctor", "explain", "-"], Some(&format!("{line}\n")));
    assert_eq!(code, 0, "{piped}");
    let (_, given) = run(&["doctor", "explain", line], None);
    assert_eq!(piped, given);
    assert!(piped.contains("accept_then_close"), "{piped}");
}

#[test]
fn echoed_input_is_redacted() {
    let (_, out) = run(
        &[
            "doctor",
            "explain",
            "--json",
            "401 Unauthorized: Authorization: Bearer PLANTEDexplain99",
        ],
        None,
    );
    assert!(!out.contains("PLANTEDexplain99"), "{out}");
    assert!(out.contains("http_auth_rejected"), "{out}");
}
