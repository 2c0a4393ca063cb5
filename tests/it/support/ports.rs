//! Loopback ports for tests: free ones (on both families when the machine has IPv6 loopback).

use std::net::{SocketAddr, TcpListener};

/// Whether this machine has IPv6 loopback: components then listen on ::1 too, so `localhost`
/// works whichever family it resolves to.
pub fn ipv6() -> bool {
    static HAS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *HAS.get_or_init(|| TcpListener::bind("[::1]:0").is_ok())
}

/// A TCP port free on 127.0.0.1 (and on ::1 when there is IPv6 loopback) right now.
/// Released before returning: callers retry on the rare race (`start_with_retry`).
pub fn free_port() -> u16 {
    for _ in 0..50 {
        let v4 = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = v4.local_addr().expect("local addr").port();
        if !ipv6() || TcpListener::bind(("::1", port)).is_ok() {
            return port;
        }
    }
    panic!("no port free on both 127.0.0.1 and ::1 after 50 tries");
}

/// `n` distinct free ports.
pub fn free_ports(n: usize) -> Vec<u16> {
    let mut ports: Vec<u16> = Vec::with_capacity(n);
    while ports.len() < n {
        let p = free_port();
        if !ports.contains(&p) {
            ports.push(p);
        }
    }
    ports
}

/// `127.0.0.1:port`.
pub fn v4(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}
