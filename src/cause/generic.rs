//! Context-free wording per cause (summary, explanation, fix), used by `runner doctor explain`.
//!
//! Without a live probe there is no evidence, so these sentences say what the cause usually is
//! and how to fix it in general; `runner doctor otel` says it exactly for the user's setup.

use super::Cause;

/// What `explain` prints for a cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Generic {
    pub summary: &'static str,
    pub explanation: &'static str,
    pub fix: &'static str,
}

const fn g(summary: &'static str, explanation: &'static str, fix: &'static str) -> Generic {
    Generic {
        summary,
        explanation,
        fix,
    }
}

/// The context-free text of a cause. The match is exhaustive: a new cause needs its text here.
pub fn text(cause: Cause) -> Generic {
    use Cause::*;
    match cause {
        ConfigInvalid => g(
            "The runner's configuration file could not be read or is not valid.",
            "A syntax error or an unknown key stops the configuration from loading, so no exporter settings apply.",
            "Fix the file at the line and key named in the error; `runner doctor otel -c FILE` names them.",
        ),
        EndpointInvalid => g(
            "The OTLP endpoint is not a valid address.",
            "The exporter was given a string it cannot dial: typically a full URL (`http://host:4317/`) handed to a gRPC API that wants `host:port`, or a path where a port should be, so the dialer fails before any packet is sent.",
            "Set OTEL_EXPORTER_OTLP_ENDPOINT to a full URL such as `http://collector:4317` and let the SDK parse it; with code-level gRPC options pass only `host:port`, without scheme or path.",
        ),
        EndpointMissingScheme => g(
            "The OTLP endpoint has no scheme.",
            "`host:4318` is parsed as a URL whose scheme is `host`, or rejected outright; the specification requires `http://` or `https://`.",
            "Write the scheme: `http://host:4318` for plaintext, `https://host:4318` for TLS.",
        ),
        GrpcEndpointHasPath => g(
            "The gRPC endpoint has a path.",
            "gRPC exporters use only host and port; a path such as `/v1/traces` is ignored by some SDKs and breaks the dial in others.",
            "Remove the path from the gRPC endpoint (`http://collector:4317`), or switch to `http/protobuf` if the path is needed.",
        ),
        SignalPathMissing => g(
            "The HTTP endpoint lacks the `/v1/<signal>` path.",
            "A signal-specific endpoint (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or one set in code) is used as-is, so requests go to `/` and the collector answers 404.",
            "Append `/v1/traces` to the signal-specific endpoint, or use the generic OTEL_EXPORTER_OTLP_ENDPOINT, to which the SDK appends it.",
        ),
        SignalPathDuplicated => g(
            "The signal path is doubled (`/v1/v1/traces` or `/v1/traces/v1/traces`).",
            "The generic OTEL_EXPORTER_OTLP_ENDPOINT already gets `/v1/traces` appended by the SDK; writing it there too makes the collector answer 404.",
            "Remove `/v1/traces` from OTEL_EXPORTER_OTLP_ENDPOINT, or move the full URL to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT.",
        ),
        ProtocolPortMismatch => g(
            "The protocol does not match the port's usual protocol.",
            "By convention the collector serves gRPC on 4317 and HTTP on 4318; an HTTP exporter on 4317 or a gRPC exporter on 4318 usually talks to the wrong receiver.",
            "Use port 4317 with `grpc` and 4318 with `http/protobuf`, or set OTEL_EXPORTER_OTLP_PROTOCOL to what the port serves.",
        ),
        EnvOverridden => g(
            "An environment variable is silently overridden.",
            "Values given in code, in the config file or on the command line beat the environment, so the variable the user set is not the one the exporter uses.",
            "Remove the overriding value (code option, `[otel]` key or flag), or change it instead of the variable; `runner doctor otel` shows every value with its source.",
        ),
        EnvUnknownVariable => g(
            "An OTEL_* variable is misspelt or not a known setting.",
            "SDKs ignore variables they do not know, so a typo leaves the default in place without a word.",
            "Rename the variable to the nearest valid name that `runner doctor otel` suggests.",
        ),
        HeadersInvalid => g(
            "The OTLP headers setting is malformed.",
            "OTEL_EXPORTER_OTLP_HEADERS is a `key=value,key2=value2` list with URL-encoded values; a space, a missing `=` or an unencoded value makes SDKs drop the header or reject the whole list, and the backend then answers 401.",
            "Write it as `Authorization=Bearer%20TOKEN` (URL-encode spaces and commas), one `key=value` per comma-separated entry.",
        ),
        TlsFilesInvalid => g(
            "A TLS file (CA, client certificate or key) is missing or not valid PEM.",
            "The exporter cannot build its TLS configuration, so it fails before connecting or falls back to no client certificate.",
            "Point OTEL_EXPORTER_OTLP_CERTIFICATE / CLIENT_CERTIFICATE / CLIENT_KEY at readable PEM files (the key must match the certificate).",
        ),
        InsecureConflict => g(
            "The insecure setting contradicts the endpoint's scheme.",
            "`insecure=true` with an `https://` endpoint (or false with `http://`) means the SDKs disagree on whether TLS is used; the scheme wins in most of them.",
            "Let the scheme decide: `http://` for plaintext, `https://` for TLS, and drop OTEL_EXPORTER_OTLP_INSECURE.",
        ),
        ExporterDisabled => g(
            "The exporter or the whole SDK is disabled.",
            "OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none turns telemetry off: nothing is exported and nothing is logged.",
            "Unset OTEL_SDK_DISABLED and set OTEL_TRACES_EXPORTER=otlp (or remove it; otlp is the default).",
        ),
        SamplerDropsAll => g(
            "The sampler drops every span.",
            "`always_off`, or a ratio sampler with argument 0, records nothing, so there is nothing to export.",
            "Set OTEL_TRACES_SAMPLER=parentbased_always_on, or a ratio above 0 in OTEL_TRACES_SAMPLER_ARG.",
        ),
        ServiceNameMissing => g(
            "No service name is set.",
            "Spans carry `service.name=unknown_service:<process>`, which backends file under an unknown service or reject.",
            "Set OTEL_SERVICE_NAME (or `service.name` in OTEL_RESOURCE_ATTRIBUTES, or `[otel] service_name`).",
        ),
        ResourceAttributesInvalid => g(
            "OTEL_RESOURCE_ATTRIBUTES is malformed.",
            "It is a `key=value,key2=value2` list with URL-encoded values; SDKs discard the whole list when one entry is malformed.",
            "Fix the entry named by `runner doctor otel`; URL-encode commas, spaces and `=` inside values.",
        ),
        DnsNxdomain => g(
            "The collector's host name does not exist.",
            "The name server answered that the name is unknown (NXDOMAIN), so no connection is attempted.",
            "Correct the host name in the endpoint, or add the missing DNS record; from outside a cluster use an address that resolves there.",
        ),
        DnsNoAddress => g(
            "The collector's host name has no address of the needed kind.",
            "The name exists but has no A/AAAA record (or only the address family the host cannot use).",
            "Add the missing A or AAAA record, or use a name or IP address that has one.",
        ),
        DnsFailure => g(
            "Name resolution failed.",
            "The resolver could not get an answer: the name server is unreachable, timed out or answered SERVFAIL; this says nothing about whether the name exists.",
            "Check /etc/resolv.conf and that the name server is reachable from this host; retry with `runner doctor otel --dns-server <host:port>`.",
        ),
        ClusterLocalName => g(
            "The endpoint uses a Kubernetes in-cluster service name.",
            "Names such as `otel-collector` or `svc.cluster.local` resolve only inside the cluster (through its DNS and search domains), not from the runner's host.",
            "From outside the cluster use an externally reachable name (ingress, LoadBalancer, NodePort), or run the runner inside the cluster.",
        ),
        TcpRefused => g(
            "The connection was refused: nothing listens on that address and port.",
            "The host answered the TCP SYN with a reset. Commonly the collector is not running, listens on another port, or binds its receiver to `localhost` only (the collector's default since v0.104) and is reached from another container or host.",
            "Start the collector or fix the port; in the collector's receiver set `endpoint: 0.0.0.0:4317` (or the pod IP) when it is reached from elsewhere.",
        ),
        TcpTimeout => g(
            "The connection timed out.",
            "No answer came to the TCP SYN: a firewall, security group or network policy drops the packets, or the address is wrong and nobody is there.",
            "Check the address and port, and open the path (firewall, security group, network policy) from this host to the collector.",
        ),
        TcpUnreachable => g(
            "The network or host is unreachable.",
            "The operating system has no route to the address (or got an ICMP unreachable), so no connection can be made.",
            "Check routing and the address; use an address reachable from this host.",
        ),
        AddressFamilyMismatch => g(
            "The name resolves to IPv6 and IPv4, and only one of them answers.",
            "Typically `localhost` is tried as `::1` while the collector listens on IPv4 only (or the reverse); clients that do not fall back fail with connection refused.",
            "Use `127.0.0.1` instead of `localhost` in the endpoint, or make the collector listen on both families (`[::]:4317`).",
        ),
        AcceptThenClose => g(
            "The connection is accepted and then closed without a word.",
            "Something accepts TCP and closes at once: a load balancer, kubectl port-forward or proxy with no live backend, or a server that drops the protocol it sees.",
            "Check the backend behind the load balancer or port-forward (is the collector pod running and ready?), and that the port serves OTLP.",
        ),
        ConnectionReset => g(
            "The connection was reset by the peer.",
            "The server (or a middlebox) aborted the connection: often a protocol mismatch such as HTTP/1 sent to a gRPC-only port, or a proxy killing the stream.",
            "Check that the protocol matches the port (gRPC on 4317, HTTP on 4318) and what sits between the runner and the collector.",
        ),
        TlsToPlaintext => g(
            "The exporter speaks TLS to a receiver that expects plaintext.",
            "The answer to the TLS ClientHello was not a TLS record (it starts with `HTTP/1.` or an HTTP/2 frame, or the connection closes): the receiver has no TLS. gRPC exporters in Go, Python and JS use TLS by default when no scheme says otherwise.",
            "Use an `http://` endpoint (or OTEL_EXPORTER_OTLP_INSECURE=true for a scheme-less gRPC endpoint), or enable TLS on the collector's receiver.",
        ),
        PlaintextToTls => g(
            "The exporter speaks plaintext to a receiver that expects TLS.",
            "The receiver (or a TLS terminator in front of it) waits for a TLS ClientHello and drops or rejects the plaintext request.",
            "Use an `https://` endpoint (and OTEL_EXPORTER_OTLP_CERTIFICATE if the CA is private).",
        ),
        TlsUnknownCa => g(
            "The server's certificate is signed by a CA the exporter does not trust.",
            "The certificate chain does not lead to a trusted root: a private or self-signed CA, or a client built with no root store at all.",
            "Set OTEL_EXPORTER_OTLP_CERTIFICATE to the CA's PEM file (or install it in the system store).",
        ),
        TlsHostnameMismatch => g(
            "The server's certificate does not name the host the exporter dialed.",
            "None of the certificate's subject alternative names matches the endpoint's host, typically when dialing a load balancer by IP or by a cloud DNS name.",
            "Use a host name listed in the certificate, or reissue the certificate with the name being dialed.",
        ),
        TlsCertExpired => g(
            "The server's certificate has expired (or this host's clock is ahead).",
            "The current time is after the certificate's notAfter date, so verification fails.",
            "Renew the collector's certificate; if it is in fact valid, fix this host's clock (NTP).",
        ),
        TlsCertNotYetValid => g(
            "The server's certificate is not valid yet (or this host's clock is behind).",
            "The current time is before the certificate's notBefore date.",
            "Fix this host's clock (NTP), or wait until the certificate's start date.",
        ),
        TlsClientCertRequired => g(
            "The server requires a client certificate (mTLS) and none was sent.",
            "The receiver asks for a client certificate and aborts the handshake (alert certificate_required or bad_certificate), or nginx answers 400 `No required SSL certificate was sent`.",
            "Set OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE and OTEL_EXPORTER_OTLP_CLIENT_KEY to the client's PEM files.",
        ),
        TlsClientCertRejected => g(
            "The server rejected the client certificate.",
            "A client certificate was sent but the server does not trust its issuer, or it is expired or not meant for client authentication.",
            "Use a client certificate issued by the CA the collector trusts (`client_ca_file`), valid now and with the clientAuth usage.",
        ),
        TlsVersionUnsupported => g(
            "Client and server share no TLS version.",
            "One side allows only versions the other refuses (for example a server limited to TLS 1.0/1.1, or a client requiring 1.3).",
            "Enable TLS 1.2 or 1.3 on the collector or the proxy in front of it.",
        ),
        TlsAlpnH2Missing => g(
            "The TLS server did not negotiate HTTP/2 (ALPN `h2`), which gRPC needs.",
            "A TLS terminator or proxy in front of the collector does not offer `h2`; grpc-go 1.67+ refuses such connections.",
            "Enable HTTP/2 (ALPN h2) on the load balancer or ingress, or export over `http/protobuf` instead.",
        ),
        TlsHandshakeFailed => g(
            "The TLS handshake failed.",
            "The server ended the handshake with an alert or the connection broke mid-handshake for a reason not covered by a more specific cause.",
            "Run `runner doctor otel -v` to see the alert and the certificates exchanged.",
        ),
        HttpToGrpcPort => g(
            "An HTTP exporter is talking to a gRPC port.",
            "The reply starts with an HTTP/2 SETTINGS frame (or the connection is reset): an HTTP/1 client reached a gRPC-only receiver, usually port 4317.",
            "Use port 4318 for `http/protobuf`, or set OTEL_EXPORTER_OTLP_PROTOCOL=grpc for port 4317.",
        ),
        GrpcToHttpPort => g(
            "A gRPC exporter is talking to an HTTP/1 port.",
            "The reply to the HTTP/2 preface starts with `HTTP/1.`, which gRPC reads as a huge frame (FRAME_SIZE_ERROR): the port serves OTLP/HTTP, usually 4318.",
            "Use port 4317 for `grpc`, or set OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf for port 4318.",
        ),
        HttpNotFound => g(
            "The server answered 404 Not Found for the export path.",
            "Nothing is served at that path: the `/v1/<signal>` path is missing or doubled, the receiver has no pipeline for the signal, or this is not an OTLP receiver.",
            "Send to `<base>/v1/traces` (check the path rules of the generic and signal-specific endpoint variables) and enable the signal's pipeline.",
        ),
        HttpMethodNotAllowed => g(
            "The server answered 405 Method Not Allowed.",
            "The path exists but does not accept POST as OTLP/HTTP requires; usually not an OTLP endpoint, or a proxy rewriting requests.",
            "Point the endpoint at the OTLP/HTTP receiver (port 4318, path `/v1/traces`).",
        ),
        HttpUnsupportedMediaType => g(
            "The server does not accept the payload's content type (415).",
            "JSON was sent to a protobuf-only receiver or the reverse.",
            "Set OTEL_EXPORTER_OTLP_PROTOCOL to the encoding the receiver accepts (`http/protobuf` is the safe choice).",
        ),
        HttpAuthRejected => g(
            "The server rejected the credentials (HTTP 401/403).",
            "The authorization header is missing, malformed (for example not URL-decoded) or holds a wrong or expired token.",
            "Set the header in OTEL_EXPORTER_OTLP_HEADERS as `Authorization=Bearer%20TOKEN` with a valid token.",
        ),
        HttpPayloadTooLarge => g(
            "The server rejected the request as too large (413).",
            "The export batch exceeds the receiver's or proxy's body limit; the data is dropped as a permanent failure.",
            "Lower the batch size (OTEL_BSP_MAX_EXPORT_BATCH_SIZE), enable gzip compression, or raise the limit on the receiver or proxy.",
        ),
        HttpThrottled => g(
            "The server is throttling exports (429).",
            "The backend's rate limit or quota is exhausted; exports are retried later or dropped.",
            "Reduce the export rate (sampling, batching) or raise the quota.",
        ),
        HttpUpstreamUnavailable => g(
            "A proxy answered that the collector behind it is unavailable (502/503/504).",
            "The load balancer or ingress works but has no healthy backend to forward to.",
            "Check the collector pods or instances behind the proxy and their health checks.",
        ),
        HttpRedirect => g(
            "The server answered with a redirect.",
            "OTLP exporters do not follow redirects for POST; typically `http://` redirected to `https://`, or a missing trailing path.",
            "Use the URL the redirect points to (often `https://`) directly in the endpoint.",
        ),
        HttpServerError => g(
            "The server failed with a 5xx error.",
            "The receiver accepted the request but failed to process it.",
            "Check the collector's logs for the error at that time.",
        ),
        NotOtlpEndpoint => g(
            "The endpoint does not look like an OTLP receiver.",
            "The server answers, but not as an OTLP receiver would: another service listens on that port, or a proxy serves its own pages.",
            "Point the endpoint at the collector's OTLP receiver (gRPC 4317, HTTP 4318).",
        ),
        GrpcUnimplemented => g(
            "The gRPC server does not implement the OTLP service for this signal.",
            "`unknown service ...TraceService` (or Logs/Metrics): the collector has no pipeline for the signal, or the server is not a collector.",
            "Add the signal's pipeline with the otlp receiver to the collector configuration, or point at a real OTLP receiver.",
        ),
        GrpcUnauthenticated => g(
            "The gRPC server rejected the call as unauthenticated (status 16) or not permitted (7).",
            "The authorization header (or client certificate) is missing or not accepted.",
            "Set the credentials in OTEL_EXPORTER_OTLP_HEADERS (`Authorization=Bearer%20TOKEN`) or configure the client certificate.",
        ),
        GrpcUnavailable => g(
            "The gRPC server reported UNAVAILABLE.",
            "The connection could not be established or was lost; the exporter retries and then drops data.",
            "Run `runner doctor otel` to see which step (DNS, TCP, TLS) fails.",
        ),
        GrpcResourceExhausted => g(
            "The gRPC message exceeded a size limit (RESOURCE_EXHAUSTED).",
            "A request (or response) is larger than the receiver's maximum message size (4 MiB by default).",
            "Lower the batch size or raise `max_recv_msg_size_mib` on the collector's gRPC receiver.",
        ),
        GrpcNonGrpcResponse => g(
            "The gRPC call got a non-gRPC answer (HTML or a plain HTTP error).",
            "A proxy or web server answered the call itself, for example a 502 page with content-type text/html; read as gRPC it looks like a huge message.",
            "Fix the proxy's route to the collector's gRPC port (and enable HTTP/2 to the backend).",
        ),
        CompressionUnsupported => g(
            "The receiver does not support the compression used.",
            "The exporter compresses with a codec (zstd, snappy, ...) the receiver lacks.",
            "Set OTEL_EXPORTER_OTLP_COMPRESSION=gzip or none.",
        ),
        ProxyFailure => g(
            "A proxy setting is applied (or ignored) where it should not be.",
            "HTTPS_PROXY/HTTP_PROXY route exports through a proxy that cannot reach the collector, or NO_PROXY is not honoured (grpc-go ignores domain entries; tonic has no proxy support).",
            "Add the collector's host to NO_PROXY (as an IP or exact name), or unset the proxy for the runner.",
        ),
        ResponseTimeout => g(
            "The server did not answer the export in time.",
            "The connection works but the response did not arrive before the exporter's timeout: an overloaded collector, a slow backend, or a proxy holding the request.",
            "Check the collector's load and backend, or raise OTEL_EXPORTER_OTLP_TIMEOUT.",
        ),
        ResponseSlow => g(
            "The server answers the export, but close to the exporter's timeout.",
            "The response arrived within the exporter's timeout, with little room: more load would make exports time out.",
            "Find what slows the collector down, or raise OTEL_EXPORTER_OTLP_TIMEOUT for more room.",
        ),
        CanaryExportFailed => g(
            "Exporting a span failed.",
            "The SDK could not deliver a span; the cause is in the export error itself.",
            "Run `runner doctor otel`: it sends a canary span and reports the exact failure.",
        ),
        CanaryPartialSuccess => g(
            "The receiver accepted the request but rejected some spans (partial success).",
            "The response carried `partial_success.rejected_spans > 0`, with a message saying why (invalid data, limits).",
            "Read the partial-success message and fix the rejected data, or the limit on the receiver.",
        ),
        CanaryNotSampled => g(
            "The span was not sampled, so it was never exported.",
            "The sampler decided to drop it (ratio sampler, parent-based with an unsampled parent).",
            "Check OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG.",
        ),
        CanaryTimeout => g(
            "The span was not exported in time.",
            "The export did not finish within the budget: the batch processor did not flush, or the export hung.",
            "Flush or shut down the tracer provider before exit, and check OTEL_EXPORTER_OTLP_TIMEOUT.",
        ),
        CanaryNotInBackend => g(
            "The span was exported but never arrived in the backend.",
            "The collector accepted it but its pipeline did not deliver it: no exporter to the backend, a processor that drops it, or a backend error.",
            "Check the collector's traces pipeline (exporters, processors) and its logs.",
        ),
        CollectorConfigInvalid => g(
            "The collector's configuration is not valid, so the collector does not start.",
            "The collector refuses the whole file at the first problem (a YAML error, a section of the wrong type, a pipeline without receivers or exporters) and names no line.",
            "Run `runner doctor collector FILE` to get every problem with its line, and fix them before restarting.",
        ),
        CollectorUnknownComponent => g(
            "The collector's configuration names a component type this collector build does not have.",
            "Each distribution (core, contrib, Jaeger v2, vendors' builds) compiles in its own components; an unknown type stops the collector with `unknown type`.",
            "Check the spelling against the distribution's component list, or use a distribution that includes the component.",
        ),
        CollectorComponentUndefined => g(
            "A pipeline names a component that the configuration never defines.",
            "The collector refuses to start: `references receiver \"zipkin\" which is not configured`.",
            "Define the component under its section (receivers, processors, exporters, connectors, extensions) or remove it from the pipeline.",
        ),
        CollectorComponentUnused => g(
            "A component is defined but no pipeline uses it.",
            "The collector accepts this silently: the component is never started, so its port does not listen and its exporter sends nothing.",
            "Add the component to the pipeline that should use it, or delete its definition.",
        ),
        CollectorUnknownKey => g(
            "A component's configuration has a key the component does not know.",
            "The collector refuses to start with `'' has invalid keys: KEY`, without saying where.",
            "Move the key to the level the component's README documents, or fix its spelling.",
        ),
        CollectorValueInvalid => g(
            "A value in the collector's configuration has the wrong type, is out of range, or is written twice.",
            "The collector decodes its configuration strictly (a quoted number is a string, `fast` is not a duration, a key may appear once) and refuses to start, naming the key but not the line.",
            "Run `runner doctor collector FILE` to see each such value on its line, and write it as the key takes it.",
        ),
        CollectorReceiverLocalhostOnly => g(
            "A receiver listens on localhost only, so other containers and pods cannot reach it.",
            "Since collector v0.104 a receiver without an `endpoint` binds `localhost`; through a Service, load balancer or port mapping the connection is then accepted and closed (`authentication handshake failed: EOF`).",
            "Set the receiver's endpoint explicitly, e.g. `endpoint: 0.0.0.0:4317` (or `${env:MY_POD_IP}:4317`).",
        ),
        CollectorDeprecatedComponent => g(
            "The configuration uses a deprecated or removed component or key.",
            "Removed components stop the collector from starting in the versions after their removal; deprecated ones log a warning until they are removed.",
            "Replace it with its successor (for example `debug` for `logging`, `verbosity` for `loglevel`, OTLP to Jaeger's port 4317 for the `jaeger` exporter).",
        ),
        CollectorSignalUnsupported => g(
            "A pipeline uses a component that does not support the pipeline's signal.",
            "The collector refuses to start: `telemetry type is not supported`.",
            "Move the component to a pipeline of a signal it supports, or use a component that supports this one.",
        ),
        CollectorTlsMisconfigured => g(
            "A component's TLS settings are at the wrong level or incomplete.",
            "TLS settings live under the component's (or protocol's) `tls:` block; `insecure` directly under a receiver is rejected as an invalid key, and a certificate without its key fails at start.",
            "Put the keys under `tls:` at the documented level, and give `cert_file` and `key_file` together.",
        ),
        CollectorPortMismatch => g(
            "A Service sends traffic to a port no receiver of the collector listens on.",
            "The Service's targetPort is where connections go inside the pod; if no receiver listens there, every export through the Service is refused or reset.",
            "Make the Service's targetPort equal to the receiver's endpoint port (4317 for OTLP/gRPC, 4318 for OTLP/HTTP).",
        ),
        CollectorEnvUnresolved => g(
            "The collector's configuration refers to an environment variable that is not set.",
            "The collector replaces an unset `${env:VAR}` with an empty string, which turns an endpoint into `:4317` or a header into nothing.",
            "Set the variable in the collector's environment or give a default: `${env:VAR:-value}`.",
        ),
        CollectorProcessorOrder => g(
            "A pipeline's processors are in an order that defeats their purpose.",
            "`memory_limiter` protects the collector only when it runs first; `batch` placed before a sampler batches data that is then dropped.",
            "Put `memory_limiter` first and `batch` after any sampling or filtering processor.",
        ),
        CollectorUnhealthy => g(
            "The collector's health_check extension says it is not healthy.",
            "The extension answers 503 (or a status body with an error) while a component of the collector has failed or is failing.",
            "Read the collector's log for the component it names; `runner doctor collector --metrics-url URL` shows which exporter fails.",
        ),
        CollectorAdminUnreachable => g(
            "The collector's health or metrics endpoint does not answer.",
            "Either the collector is not running, or the health_check extension or its own telemetry listens elsewhere (since v0.111 the metrics bind localhost:8888 by default).",
            "Check that the collector runs and that `service.telemetry.metrics` and `extensions: [health_check]` listen where you point the doctor.",
        ),
        CollectorExporterFailing => g(
            "A collector exporter cannot send to its destination.",
            "The collector logs `Exporting failed. Will retry the request after interval.` and keeps the data in its sending queue; with default retries, data is dropped after 5 minutes (`no more retries left`).",
            "Fix the exporter's endpoint or TLS settings against its destination (the error after `error:` in the log says which), then watch `otelcol_exporter_sent_*` grow.",
        ),
        CollectorReceiverRefusing => g(
            "A collector receiver refuses data back to its senders.",
            "The pipeline behind it pushes back: a memory_limiter over its limit, or a full exporter queue with no batch processor between; senders see RESOURCE_EXHAUSTED, UNAVAILABLE, 429 or 503.",
            "Fix the exporter that does not drain (see its queue) or give the collector more memory; clients retry refused data.",
        ),
        CollectorQueueFull => g(
            "A collector exporter's sending queue is full, so new data is dropped.",
            "The collector logs `Dropping data because sending_queue is full`: the exporter cannot send as fast as data arrives, usually because it is failing.",
            "Fix the exporter's sending first; if the destination is only slow, raise `sending_queue.queue_size` or `num_consumers`.",
        ),
        CollectorDropping => g(
            "A collector processor drops data.",
            "A processor (a memory_limiter over its limit, a filter, a sampler) stops data before the exporters; by design for filters and samplers, a loss for the memory limiter.",
            "Check the processor's settings (memory_limiter `limit_mib`, filter conditions) against what should pass.",
        ),
        CollectorMismatch => g(
            "The runner's export settings disagree with the collector receiver that would take them.",
            "The receiver's configuration decides scheme, protocol, port, path and required headers; a sender that differs in any of them is refused or misread.",
            "Change the runner's endpoint (or the receiver) so both sides say the same; the finding quotes both.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cause_has_text() {
        for &c in Cause::ALL {
            let t = text(c);
            for (what, s) in [
                ("summary", t.summary),
                ("explanation", t.explanation),
                ("fix", t.fix),
            ] {
                assert!(s.len() > 15, "{}: {what} too short", c.code());
                assert!(s.ends_with('.'), "{}: {what} is not a sentence", c.code());
            }
        }
    }
}
