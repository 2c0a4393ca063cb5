//! An HTTP proxy: CONNECT tunnels and absolute-form forwarding to loopback targets only, or a
//! failing proxy that answers every request with a fixed status.

use serde::Deserialize;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The `[proxy]` table.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProxySpec {
    /// Answer every request with this status instead of tunnelling (e.g. 403, 502).
    pub status: Option<u16>,
}

/// Where the proxy was asked to go.
pub type Requests = Arc<Mutex<Vec<String>>>;

pub async fn start(spec: &ProxySpec) -> Result<(u16, Requests, JoinHandle<()>), String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let port = listener.local_addr().unwrap().port();
    let seen: Requests = Arc::default();
    let seen2 = seen.clone();
    let status = spec.status;
    let task = tokio::spawn(async move {
        let mut conns = tokio::task::JoinSet::new();
        loop {
            let Ok((client, _)) = listener.accept().await else {
                continue;
            };
            let seen = seen2.clone();
            conns.spawn(async move {
                let _ = handle(client, status, seen).await;
            });
            while conns.try_join_next().is_some() {}
        }
    });
    Ok((port, seen, task))
}

/// Reads the request head (bounded), returns it and any bytes after it.
async fn read_head(client: &mut TcpStream) -> std::io::Result<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(5), client.read(&mut chunk))
            .await
            .map_err(|_| std::io::ErrorKind::TimedOut)??;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end + 4]).into_owned();
            return Ok((head, buf));
        }
        if buf.len() > 64 * 1024 {
            return Err(std::io::ErrorKind::InvalidData.into());
        }
    }
}

fn is_loopback_authority(authority: &str) -> bool {
    let host = match authority.rsplit_once(':') {
        Some((h, _)) => h,
        None => authority,
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

async fn handle(mut client: TcpStream, status: Option<u16>, seen: Requests) -> std::io::Result<()> {
    let (head, all) = read_head(&mut client).await?;
    let line = head.lines().next().unwrap_or("").to_string();
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("").to_string();
    seen.lock().unwrap().push(format!("{method} {target}"));
    if let Some(code) = status {
        let body = format!("proxy refuses: {code}\n");
        let resp = format!(
            "HTTP/1.1 {code} Proxy Error\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        client.write_all(resp.as_bytes()).await?;
        return client.shutdown().await;
    }
    let authority = if method == "CONNECT" {
        target.clone()
    } else {
        // Absolute form: http://host:port/path
        target
            .strip_prefix("http://")
            .map(|rest| rest.split('/').next().unwrap_or("").to_string())
            .unwrap_or_default()
    };
    let authority = if authority.contains(':') && !authority.ends_with(']') {
        authority
    } else {
        format!("{authority}:80")
    };
    if !is_loopback_authority(&authority) {
        client
            .write_all(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n")
            .await?;
        return Ok(());
    }
    let connect = TcpStream::connect(authority.as_str());
    let mut upstream = match tokio::time::timeout(Duration::from_secs(3), connect).await {
        Ok(Ok(s)) => s,
        _ => {
            client
                .write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n")
                .await?;
            return Ok(());
        }
    };
    if method == "CONNECT" {
        client
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .await?;
        let rest = &all[head.len()..];
        if !rest.is_empty() {
            upstream.write_all(rest).await?;
        }
    } else {
        upstream.write_all(&all).await?;
    }
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
    Ok(())
}
