//! Wording of `runner doctor explain` beyond the per-cause generic text: the one check that
//! decides each candidate of a vague line, the log summary's sentences and `--check`'s verdicts.

use super::{Cause, Stage};

/// The one check that tells this cause apart from the others a vague line may mean.
pub fn decides(cause: Cause) -> &'static str {
    use Cause::*;
    match cause {
        TlsToPlaintext => "Does the port answer a TLS ClientHello with a ServerHello? If it answers HTTP/1, an HTTP/2 SETTINGS frame or nothing, it is plaintext (stage tls).",
        PlaintextToTls => "Does the port answer a TLS ClientHello with a ServerHello? If it does, the port wants TLS and the client spoke plaintext (stage tls).",
        TlsClientCertRequired | TlsClientCertRejected => "Does the server send a CertificateRequest in the handshake, and does the handshake end in an alert once no (or this) client certificate is sent? (stage tls)",
        AcceptThenClose => "Does the port accept TCP and close before answering a single byte? A load balancer or port-forward with no live backend does (stage tcp).",
        ConnectionReset => "Is the connection reset after the first bytes are sent? A gRPC-only port resets HTTP/1 requests, a firewall resets everything (stage protocol).",
        TcpRefused => "Is anything listening on the port? A refused SYN means no (stage tcp).",
        TcpTimeout => "Does a SYN to the port get an answer at all? No answer within seconds means a firewall drops it or the address is wrong (stage tcp).",
        ResponseTimeout => "Does the server accept the connection and then stay silent? The request reached a peer that never answers (stage export).",
        DnsNxdomain | DnsFailure | DnsNoAddress | ClusterLocalName => "Does the host name resolve from here, and to which addresses? (stage dns)",
        HttpToGrpcPort => "Does the port answer an HTTP/2 preface with a SETTINGS frame? Then it is a gRPC port and the client sent HTTP/1 (stage protocol).",
        GrpcToHttpPort => "Does the port answer the HTTP/2 preface with `HTTP/1.1 …`? Then it serves HTTP/1 only and the client sent gRPC (stage protocol).",
        GrpcUnavailable | HttpUpstreamUnavailable => "Does the endpoint answer with a gateway status (502/503/504) or UNAVAILABLE, i.e. a proxy whose backend is down? (stage export)",
        GrpcUnauthenticated | HttpAuthRejected => "Does an export with the configured headers get 401/403 or UNAUTHENTICATED? (stage export)",
        GrpcUnimplemented | HttpNotFound | SignalPathMissing | SignalPathDuplicated | NotOtlpEndpoint => "Does POST to the endpoint's `/v1/traces` (or the gRPC Export method) answer 404/UNIMPLEMENTED? (stage export)",
        ProxyFailure => "Is an HTTP(S)_PROXY set for this process, and does the proxy itself answer? (stage protocol)",
        _ => match cause.stage() {
            Stage::Config => "Is the setting valid as written? (stage config)",
            Stage::Dns => "Does the host name resolve? (stage dns)",
            Stage::Tcp => "Does the port accept a TCP connection? (stage tcp)",
            Stage::Tls => "Does the TLS handshake complete with the configured certificates? (stage tls)",
            Stage::Protocol => "Does the port speak the configured protocol? (stage protocol)",
            Stage::Export => "Does a real export get a success answer? (stage export)",
            Stage::Canary => "Does a test span get accepted? (stage canary)",
            Stage::Backend => "Does the test span reach the backend? (stage backend)",
            Stage::Collector => "What do the collector's own metrics say: does an exporter's send_failed or queue grow, does a receiver refuse? (`runner doctor collector --metrics-url URL`)",
        },
    }
}

/// The note of a line that names no cause by itself.
pub const VAGUE_NOTE: &str =
    "This text is printed for several different failures; the check under each candidate decides which.";

/// The note of a transport or export error no family matched.
pub const UNKNOWN_EXPORT_NOTE: &str =
    "An export or transport error this knowledge base does not know; these are the usual causes, best first.";

/// `Settle it:` line of the text output.
pub const SETTLE_IT: &str = "Settle it";

/// The heading of `--file` output: lines read, export errors found, groups.
pub fn log_heading(lines: u64, errors: u64, groups: usize, long_lines: u64) -> String {
    let mut s = format!(
        "Read {lines} lines: {errors} export or transport errors in {groups} group{}.\n",
        if groups == 1 { "" } else { "s" }
    );
    if long_lines > 0 {
        s.push_str(&format!(
            "{long_lines} lines longer than the line limit were read only up to it.\n"
        ));
    }
    s
}

/// When a log has no export error at all.
pub const LOG_NOTHING: &str =
    "No export or transport error was found in the log. Run `runner doctor otel` to check the export path from the wire.\n";

/// One group's header line; `what` is the cause, or the candidates of a vague group.
pub fn log_group(
    n: usize,
    what: &str,
    count: u64,
    first: Option<&str>,
    last: Option<&str>,
) -> String {
    let times = match (first, last) {
        (Some(f), Some(l)) if f != l => format!(", first {f}, last {l}"),
        (Some(f), _) => format!(", at {f}"),
        _ => String::new(),
    };
    format!(
        "\n{n}. {what} — {count} line{}{times}\n",
        if count == 1 { "" } else { "s" }
    )
}

/// The header of a vague group: its candidates.
pub fn one_of(codes: &[&str]) -> String {
    format!("one of {}", codes.join(", "))
}

/// `--check` verdicts.
pub fn check_confirms(cause: Cause) -> String {
    format!("The wire confirms {cause}: `runner doctor otel` found it on this endpoint.")
}

pub fn check_other(found: &[String]) -> String {
    format!(
        "The wire shows none of the candidates; `runner doctor otel` found: {}.",
        found.join(", ")
    )
}

pub const CHECK_HEALTHY: &str =
    "The wire shows no problem now: `runner doctor otel` found the endpoint healthy. The failure may be intermittent, or the application uses other settings than the line shows.";

pub const CHECK_NO_ENDPOINT: &str =
    "The line names no endpoint, so --check tests the endpoint of this environment's settings (OTEL_EXPORTER_OTLP_* or config.toml).";

pub fn check_failed(reason: &str) -> String {
    format!("--check could not run the doctor: {reason}")
}

/// The note of a line the runner wrote itself, which names its cause code.
pub fn own_finding_note(by: &str) -> String {
    format!(
        "The runner's own {by} line names this cause: its doctor saw it on the wire, so it is \
         the answer, not a guess."
    )
}

/// A coordinator failure in the runner's log: the group's header (`what`), what it means, the
/// fix, and the check that settles it, run against the coordinator (`base` ends with `/`).
#[derive(Debug)]
pub struct CoordinatorText {
    pub what: String,
    pub meaning: String,
    pub fix: &'static str,
}

pub fn coordinator_refused(status: Option<&str>) -> CoordinatorText {
    let status = status.map_or(String::new(), |s| format!(" ({s})"));
    CoordinatorText {
        what: format!("coordinator refused the job request{status}"),
        meaning: "Not telemetry: the coordinator turned down the runner's token, so no job is \
                  taken."
            .to_string(),
        fix: "Set `token` in the runner's `[[runners]]` entry of config.toml to a token the \
              coordinator knows (registering the runner again gives one).",
    }
}

pub fn coordinator_unreachable(error: Option<&str>) -> CoordinatorText {
    let error = error.map_or(String::new(), |e| format!(": {e}"));
    CoordinatorText {
        what: "coordinator unreachable".to_string(),
        meaning: format!(
            "Not telemetry: the runner cannot reach its coordinator{error}; no job is taken."
        ),
        fix: "Set `url` in the runner's `[[runners]]` entry of config.toml to the coordinator's \
              address, and check that the coordinator runs and is reachable from this host.",
    }
}

/// The coordinator's own check of a runner token (what `gitlab-runner verify` asks).
pub fn coordinator_settle(base: Option<&str>) -> String {
    format!(
        "curl -sS -o /dev/null -w '%{{http_code}}\\n' -X POST {}api/v4/runners/verify \
         --data-urlencode \"token=$RUNNER_TOKEN\" (200: the coordinator knows the token; 403: it \
         does not; no answer: it is not reachable)",
        base.unwrap_or("COORDINATOR_URL/")
    )
}

/// The heading's line for coordinator failures, when there are any.
pub fn log_coordinator_heading(failures: u64) -> String {
    format!(
        "{failures} failed request{} to the runner's coordinator (not telemetry).\n",
        if failures == 1 { "" } else { "s" }
    )
}
