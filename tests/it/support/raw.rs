//! Building blocks that misbehave at the byte level: close, reset, silent, trickle, garbage,
//! an h2c server that only sends SETTINGS, a TLS alert, a full accept queue, fixed HTTP answers.

use super::server::{BoxIo, Kind, ServerSpec};
use bytes::Bytes;
use http_body_util::Full;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::task::JoinHandle;

const READ_WAIT: Duration = Duration::from_secs(2);

/// Reads whatever the client sends first (waits up to 2 s); returns how many bytes.
async fn first_bytes(io: &mut BoxIo) -> usize {
    let mut buf = vec![0u8; 64 * 1024];
    match tokio::time::timeout(READ_WAIT, io.read(&mut buf)).await {
        Ok(Ok(n)) => n,
        _ => 0,
    }
}

/// Reads and discards until the client closes (bounded by a long timeout).
async fn drain(io: &mut BoxIo) {
    let mut buf = vec![0u8; 16 * 1024];
    let _ = tokio::time::timeout(Duration::from_secs(60), async {
        while let Ok(n) = io.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
}

fn waits_for_bytes(spec: &ServerSpec) -> bool {
    spec.after.as_deref() == Some("first_bytes")
}

/// Close (FIN) before answering; keep reading so the client's bytes cause no reset.
pub async fn close(mut io: BoxIo, spec: &ServerSpec) -> std::io::Result<()> {
    if waits_for_bytes(spec) {
        first_bytes(&mut io).await;
    }
    io.shutdown().await?;
    drain(&mut io).await;
    Ok(())
}

/// Reset (the stream was set to SO_LINGER 0, so dropping it sends RST).
pub async fn reset(mut io: BoxIo, spec: &ServerSpec) -> std::io::Result<()> {
    if waits_for_bytes(spec) {
        first_bytes(&mut io).await;
    }
    drop(io);
    Ok(())
}

pub async fn silent(mut io: BoxIo) -> std::io::Result<()> {
    drain(&mut io).await;
    Ok(())
}

/// After the client's first bytes, send the body one byte per interval.
pub async fn trickle(mut io: BoxIo, spec: &ServerSpec) -> std::io::Result<()> {
    first_bytes(&mut io).await;
    let body = spec.body.clone().unwrap_or_else(|| {
        "HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n"
            .to_string()
    });
    let every = Duration::from_millis(spec.interval_ms.unwrap_or(500));
    for b in body.bytes() {
        io.write_all(&[b]).await?;
        io.flush().await?;
        tokio::time::sleep(every).await;
    }
    drain(&mut io).await;
    Ok(())
}

/// Bytes that are no protocol: not HTTP, not TLS, not HTTP/2, not text.
pub async fn garbage(mut io: BoxIo) -> std::io::Result<()> {
    first_bytes(&mut io).await;
    let mut x: u32 = 0x9e37_79b9;
    let junk: Vec<u8> = (0..256)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x as u8) | 0x80
        })
        .collect();
    io.write_all(&junk).await?;
    io.flush().await?;
    drain(&mut io).await;
    Ok(())
}

/// An h2c server's greeting (an empty SETTINGS frame), then nothing.
pub async fn h2c_settings(mut io: BoxIo) -> std::io::Result<()> {
    io.write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0]).await?;
    io.flush().await?;
    drain(&mut io).await;
    Ok(())
}

/// Answer the ClientHello with a fatal TLS alert, then close.
pub async fn tls_alert(mut io: BoxIo, spec: &ServerSpec) -> std::io::Result<()> {
    first_bytes(&mut io).await;
    let alert = spec.alert.unwrap_or(40);
    io.write_all(&[0x15, 0x03, 0x01, 0x00, 0x02, 0x02, alert])
        .await?;
    io.flush().await?;
    io.shutdown().await?;
    drain(&mut io).await;
    Ok(())
}

/// A listener with a backlog of 0 whose queue is filled by our own connection, so the kernel
/// drops further SYNs and a client's connect times out (loopback has no other way to be slow).
pub async fn backlog_full(
    ipv6: bool,
) -> Result<(u16, Vec<std::net::TcpStream>, JoinHandle<()>), String> {
    let socket = if ipv6 {
        tokio::net::TcpSocket::new_v6()
    } else {
        tokio::net::TcpSocket::new_v4()
    }
    .map_err(|e| e.to_string())?;
    let addr: std::net::SocketAddr = if ipv6 { "[::1]:0" } else { "127.0.0.1:0" }
        .parse()
        .unwrap();
    socket.bind(addr).map_err(|e| e.to_string())?;
    let listener = socket.listen(0).map_err(|e| e.to_string())?;
    let local = listener.local_addr().unwrap();
    let mut keep = Vec::new();
    // Fill the queue until a connect no longer completes at once.
    for _ in 0..8 {
        match std::net::TcpStream::connect_timeout(&local, Duration::from_millis(200)) {
            Ok(s) => keep.push(s),
            Err(_) => break,
        }
    }
    if keep.is_empty() {
        return Err("backlog_full: could not fill the accept queue".into());
    }
    // The listener must stay open but never accept.
    let task = tokio::spawn(async move {
        let _listener = listener;
        std::future::pending::<()>().await;
    });
    Ok((local.port(), keep, task))
}

/// A fixed HTTP answer (HTTP/1.1 or h2, whichever the client speaks).
pub async fn serve_fixed(io: BoxIo, spec: &ServerSpec) -> std::io::Result<()> {
    let (status, ctype, body) = match spec.kind {
        Kind::Redirect => (
            spec.status.unwrap_or(308),
            spec.content_type
                .clone()
                .unwrap_or_else(|| "text/html".into()),
            spec.body.clone().unwrap_or_default(),
        ),
        Kind::Html => (
            spec.status.unwrap_or(200),
            spec.content_type
                .clone()
                .unwrap_or_else(|| "text/html; charset=utf-8".into()),
            spec.body.clone().unwrap_or_else(|| {
                "<!doctype html><html><head><title>Jaeger UI</title></head><body>\
                 <div id=\"jaeger-ui-root\"></div></body></html>"
                    .into()
            }),
        ),
        _ => (
            spec.status.unwrap_or(200),
            spec.content_type
                .clone()
                .unwrap_or_else(|| "text/plain".into()),
            spec.body.clone().unwrap_or_default(),
        ),
    };
    let mut headers = spec.headers.clone();
    if let Some(loc) = &spec.location {
        headers.insert("location".into(), loc.clone());
    }
    let delay = spec.delay_ms.map(Duration::from_millis);
    let svc = hyper::service::service_fn(move |_req: hyper::Request<hyper::body::Incoming>| {
        let headers = headers.clone();
        let ctype = ctype.clone();
        let body = body.clone();
        async move {
            if let Some(d) = delay {
                tokio::time::sleep(d).await;
            }
            let mut resp = hyper::Response::builder()
                .status(status)
                .header("content-type", ctype);
            for (k, v) in &headers {
                resp = resp.header(k.as_str(), v.as_str());
            }
            Ok::<_, std::convert::Infallible>(resp.body(Full::new(Bytes::from(body))).unwrap())
        }
    });
    let builder =
        hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
    let _ = builder
        .serve_connection(hyper_util::rt::TokioIo::new(io), svc)
        .await;
    Ok(())
}

/// Go's `crypto/tls` under `net/http` meeting a first record that is no TLS handshake: when
/// it starts like an HTTP request, `net/http` answers in plaintext before closing (its
/// `server.go`); anything else is closed. True when the connection was refused so.
pub async fn go_tls_refuses_plaintext(tcp: &mut tokio::net::TcpStream) -> std::io::Result<bool> {
    const LOOKS_LIKE_HTTP: [&[u8; 5]; 5] = [b"GET /", b"HEAD ", b"POST ", b"PUT /", b"OPTIO"];
    let mut hdr = [0u8; 5];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    let n = loop {
        let n = tcp.peek(&mut hdr).await?;
        if n == 0 || n == hdr.len() || hdr[0] == 0x16 || tokio::time::Instant::now() > deadline {
            break n;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    if n > 0 && hdr[0] == 0x16 {
        return Ok(false);
    }
    if LOOKS_LIKE_HTTP.contains(&&hdr) {
        tcp.write_all(
            b"HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n",
        )
        .await?;
    }
    Ok(true)
}
