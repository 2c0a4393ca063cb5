//! Configuration blocks for the load-balancer shapes users put in front of a collector.

use super::certs::{Certs, Pem};
use std::path::Path;

/// nginx `http {}` server: TLS termination on `port`, then plain HTTP/1.1 to `upstream`.
pub fn nginx_tls_http(port: u16, pem: &Pem, upstream: u16) -> String {
    format!(
        "server {{\n listen 127.0.0.1:{port} ssl;\n {}\n location / {{ proxy_pass http://127.0.0.1:{upstream}; }}\n}}\n",
        ssl(pem)
    )
}

/// nginx `http {}` server: TLS with ALPN h2 on `port`, then gRPC (h2c) to `upstream`.
/// `v6` also listens on [::1] (for names with both A and AAAA records).
pub fn nginx_tls_grpc(port: u16, pem: &Pem, upstream: u16, v6: bool) -> String {
    let v6 = if v6 {
        format!(" listen [::1]:{port} ssl http2;\n")
    } else {
        String::new()
    };
    format!(
        "server {{\n listen 127.0.0.1:{port} ssl http2;\n{v6} {}\n location / {{ grpc_pass grpc://127.0.0.1:{upstream}; }}\n}}\n",
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
    format!("server {{\n listen 127.0.0.1:{port};\n proxy_pass 127.0.0.1:{upstream};\n}}\n")
}

/// nginx `http {}` server: plain HTTP reverse proxy (L7) to `upstream`.
pub fn nginx_http(port: u16, upstream: u16) -> String {
    format!(
        "server {{\n listen 127.0.0.1:{port};\n location / {{ proxy_pass http://127.0.0.1:{upstream}; }}\n}}\n"
    )
}

/// nginx `http {}` server: plaintext HTTP/2 (h2c) gRPC proxy to `upstream`.
pub fn nginx_h2c_grpc(port: u16, upstream: u16) -> String {
    format!(
        "server {{\n listen 127.0.0.1:{port} http2;\n location / {{ grpc_pass grpc://127.0.0.1:{upstream}; }}\n}}\n"
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
        "frontend otlp\n  bind 127.0.0.1:{port} ssl crt {} ca-file {} verify required alpn h2,http/1.1\n  default_backend collector\n\
         backend collector\n  server rotel 127.0.0.1:{upstream}{proto}\n",
        certs.server.combined.display(),
        certs.ca.display()
    )
}

/// haproxy plain HTTP frontend on `port` whose only backend server is `upstream`, health-checked
/// as production load balancers are: once the check fails, haproxy answers 503 at once
/// (without a check it retries the dead server and answers only after about 3 s).
pub fn haproxy_http(port: u16, upstream: u16) -> String {
    format!(
        "frontend otlp\n  bind 127.0.0.1:{port}\n  default_backend collector\n\
         backend collector\n  server rotel 127.0.0.1:{upstream} check inter 100ms fall 1 rise 1\n"
    )
}

/// What haproxy logs once a backend has no live server left.
pub const HAPROXY_NO_SERVER: &str = "has no server available";
