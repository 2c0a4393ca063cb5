//! Wording of protocol and export findings (HTTP and gRPC answers, proxies).
