//! Configuration blocks for the load-balancer shapes users put in front of a collector. Every
//! front listens on 127.0.0.1 and, where the machine has it, on ::1: `localhost` then works
//! whichever family it resolves to first.

use super::certs::{Certs, Pem};
use crate::support::ports::ipv6;
use std::path::Path;

/// nginx `listen` lines for `port` with `opts` (e.g. `ssl http2`).
fn listen(port: u16, opts: &str) -> String {
    let mut s = format!(" listen 127.0.0.1:{port} {opts};\n");
    if ipv6() {
        s.push_str(&format!(" listen [::1]:{port} {opts};\n"));
    }
    s
}

/// haproxy `bind` address list for `port`.
fn bind(port: u16) -> String {
    if ipv6() {
        format!("127.0.0.1:{port},[::1]:{port}")
    } else {
        format!("127.0.0.1:{port}")
    }
}

/// nginx `http {}` server: TLS termination on `port`, then plain HTTP/1.1 to `upstream`.
pub fn nginx_tls_http(port: u16, pem: &Pem, upstream: u16) -> String {
    format!(
        "server {{\n{} {}\n location / {{ proxy_pass http://127.0.0.1:{upstream}; }}\n}}\n",
        listen(port, "ssl"),
        ssl(pem)
    )
}

/// nginx `http {}` server: TLS with ALPN h2 on `port`, then gRPC (h2c) to `upstream`.
pub fn nginx_tls_grpc(port: u16, pem: &Pem, upstream: u16) -> String {
    format!(
        "server {{\n{} {}\n location / {{ grpc_pass grpc://127.0.0.1:{upstream}; }}\n}}\n",
        listen(port, "ssl http2"),
        ssl(pem)
    )
}

/// Adds nginx's client-certificate requirement to a server block built above.
pub fn nginx_require_client_cert(block: &str, ca: &Path) -> String {
    block.replacen(
        " location /",
        &format!(
            " ssl_client_certificate {};\n ssl_verify_client on;\n location /",
            ca.display()
        ),
        1,
    )
}

/// nginx `stream {}` server: accepts TCP on `port` and forwards it to `upstream` (L4).
pub fn nginx_stream(port: u16, upstream: u16) -> String {
    format!(
        "server {{\n{} proxy_pass 127.0.0.1:{upstream};\n}}\n",
        listen(port, "")
    )
}

/// nginx `http {}` server: plain HTTP reverse proxy (L7) to `upstream`.
pub fn nginx_http(port: u16, upstream: u16) -> String {
    format!(
        "server {{\n{} location / {{ proxy_pass http://127.0.0.1:{upstream}; }}\n}}\n",
        listen(port, "")
    )
}

/// nginx `http {}` server: plaintext HTTP/2 (h2c) gRPC proxy to `upstream`.
pub fn nginx_h2c_grpc(port: u16, upstream: u16) -> String {
    format!(
        "server {{\n{} location / {{ grpc_pass grpc://127.0.0.1:{upstream}; }}\n}}\n",
        listen(port, "http2")
    )
}

fn ssl(pem: &Pem) -> String {
    format!(
        "ssl_certificate {};\n ssl_certificate_key {};",
        pem.cert.display(),
        pem.key.display()
    )
}

/// haproxy frontend terminating mutual TLS on `port` (client certificate verified against the
/// CA, `verify required`), forwarding to `upstream` as HTTP/1.1, or as h2c when `grpc`.
pub fn haproxy_mtls(port: u16, certs: &Certs, upstream: u16, grpc: bool) -> String {
    let proto = if grpc { " proto h2" } else { "" };
    format!(
        "frontend otlp\n  bind {} ssl crt {} ca-file {} verify required alpn h2,http/1.1\n  default_backend collector\n\
         backend collector\n  server rotel 127.0.0.1:{upstream}{proto}\n",
        bind(port),
        certs.server.combined.display(),
        certs.ca.display()
    )
}

/// haproxy plain HTTP frontend on `port` whose only backend server is `upstream`, health-checked
/// as production load balancers are: once the check fails, haproxy answers 503 at once
/// (without a check it retries the dead server and answers only after about 3 s).
pub fn haproxy_http(port: u16, upstream: u16) -> String {
    format!(
        "frontend otlp\n  bind {}\n  default_backend collector\n\
         backend collector\n  server rotel 127.0.0.1:{upstream} check inter 100ms fall 1 rise 1\n",
        bind(port)
    )
}

/// What haproxy logs once a backend has no live server left.
pub const HAPROXY_NO_SERVER: &str = "has no server available";
