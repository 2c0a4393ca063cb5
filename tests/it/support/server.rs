//! The `[server]` table of a scenario and the accept loop shared by every building block.
//!
//! A block is started from its spec on `127.0.0.1:0` (or `[::1]:0`), runs as tokio tasks, and
//! stops when its `Running` handle is dropped.

use super::certs::{Pki, ServerCertKind};
use super::otlp::{self, Received};
use super::raw;
use super::tls::{self, TlsSpec};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Which building block a server is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A real OTLP/gRPC receiver (HTTP/2 only, like a collector's 4317).
    OtlpGrpc,
    /// A real OTLP/HTTP receiver (HTTP/1.1, like a collector's 4318).
    OtlpHttp,
    /// Both receivers: `{grpc_port}` and `{http_port}`.
    Otlp,
    /// Fixed HTTP answer (status, body, content type, headers), HTTP/1.1 and h2.
    Http,
    /// An HTTP redirect to `location`.
    Redirect,
    /// A web page (200, text/html): a UI where a collector was expected.
    Html,
    /// Accepts, then closes (FIN) before answering: a load balancer with no live backend.
    Close,
    /// Accepts, then resets (SO_LINGER 0).
    Reset,
    /// Accepts and never answers.
    Silent,
    /// Answers one byte at a time, slowly.
    Trickle,
    /// Answers bytes that are no protocol at all.
    Garbage,
    /// An h2c server that sends its SETTINGS frame and nothing else.
    H2cSettings,
    /// Answers the ClientHello with a TLS alert (`alert`, e.g. 70 protocol_version).
    TlsAlert,
    /// A port where nothing listens (bound, then released).
    Refused,
    /// A listener whose accept queue is full, so new SYNs are dropped: connect times out.
    BacklogFull,
}

/// The address families a server listens on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    #[default]
    Both,
    V4,
    V6,
}

/// A `[server]` (or `[servers.NAME]`) table.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSpec {
    pub kind: Kind,
    /// Which loopback addresses to listen on: `both` (default: 127.0.0.1 and ::1, same port,
    /// so `localhost` works whatever the resolver answers), `v4` or `v6`.
    #[serde(default)]
    pub family: Family,
    // TLS in front.
    pub tls: Option<ServerCertKind>,
    #[serde(default)]
    pub client_auth: bool,
    pub alpn: Option<Vec<String>>,
    #[serde(default)]
    pub tls_versions: Vec<String>,
    // Fixed HTTP answers.
    pub status: Option<u16>,
    pub body: Option<String>,
    pub content_type: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    pub location: Option<String>,
    // Raw behaviours.
    /// `accept` (default) or `first_bytes`: when `close`/`reset` act.
    pub after: Option<String>,
    pub interval_ms: Option<u64>,
    pub alert: Option<u8>,
    // The OTLP receiver (and `delay_ms` for fixed answers).
    /// Answer every gRPC call with this status code (e.g. 16 unauthenticated, 14 unavailable).
    pub grpc_status: Option<i32>,
    pub grpc_message: Option<String>,
    /// Accept the export but report this many spans rejected (`partial_success`).
    pub rejected_spans: Option<i64>,
    pub partial_message: Option<String>,
    /// Wait this long before answering.
    pub delay_ms: Option<u64>,
    /// `name=value` the receiver requires (else 401 / UNAUTHENTICATED).
    pub require_header: Option<String>,
    /// The OTLP/HTTP path (default `/v1/traces`).
    pub http_path: Option<String>,
    /// Answer exports that carry spans with this HTTP status (gRPC: RESOURCE_EXHAUSTED for 413,
    /// as from a message size limit, else UNAVAILABLE), while empty probes succeed.
    pub fail_spans_with: Option<u16>,
    /// `fail_spans_with` answered as the Go collector does: 413 is its `max_request_body_size`
    /// (`400` + google.rpc.Status "http: request body too large"), 503 its memory limiter
    /// (HTTP 503 + Status 14 / gRPC UNAVAILABLE "data refused due to high memory usage").
    #[serde(default)]
    pub go_collector: bool,
    /// Wait this long before answering exports that carry spans (empty probes are fast).
    pub slow_spans_ms: Option<u64>,
    /// Refuse compressed requests (gzip), as a receiver without that codec does.
    #[serde(default)]
    pub reject_compression: bool,
    /// The HTTP status of that refusal (default 415).
    pub compression_status: Option<u16>,
    /// TLS as Go's `crypto/tls` under `net/http` (the collector's receivers, Caddy): plaintext
    /// HTTP gets Go's `400` text, any other first bytes that are no TLS record a close.
    #[serde(default)]
    pub go_tls: bool,
    /// OTLP/HTTP: decode only protobuf; a JSON body gets `400` (it does not parse as protobuf).
    #[serde(default)]
    pub protobuf_only: bool,
}

impl ServerSpec {
    fn tls_spec(&self) -> TlsSpec {
        let default_alpn: &[&str] = match self.kind {
            Kind::OtlpGrpc => &["h2"],
            Kind::OtlpHttp => &["http/1.1"],
            Kind::Http | Kind::Redirect | Kind::Html => &["h2", "http/1.1"],
            _ => &[],
        };
        TlsSpec {
            cert: self.tls,
            client_auth: self.client_auth,
            alpn: self
                .alpn
                .clone()
                .unwrap_or_else(|| default_alpn.iter().map(|s| s.to_string()).collect()),
            versions: self.tls_versions.clone(),
        }
    }
}

/// Anything a block can talk over: a TCP stream or TLS on top of one.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Io for T {}
pub type BoxIo = Box<dyn Io>;

/// A started server: its ports, what it recorded, and the tasks that stop when it is dropped.
#[derive(Debug, Default)]
pub struct Running {
    /// Placeholder suffix -> port: `""` for `{port}`, `"grpc"`, `"http"`.
    pub ports: Vec<(&'static str, u16)>,
    pub received: Option<Arc<Mutex<Received>>>,
    tasks: Vec<JoinHandle<()>>,
    /// Sockets kept open for the server's lifetime (backlog fillers).
    _keep: Vec<std::net::TcpStream>,
}

impl Drop for Running {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Binds the family's listeners on one port (retrying when `::1` has that port taken).
async fn bind(family: Family) -> std::io::Result<Vec<TcpListener>> {
    match family {
        Family::V4 => Ok(vec![TcpListener::bind("127.0.0.1:0").await?]),
        Family::V6 => Ok(vec![TcpListener::bind("[::1]:0").await?]),
        Family::Both => {
            let mut last = None;
            for _ in 0..20 {
                let v4 = TcpListener::bind("127.0.0.1:0").await?;
                let port = v4.local_addr()?.port();
                match TcpListener::bind(("::1", port)).await {
                    Ok(v6) => return Ok(vec![v4, v6]),
                    Err(e) => last = Some(e),
                }
            }
            Err(last.unwrap())
        }
    }
}

/// Starts the server a spec describes.
pub async fn start(spec: &ServerSpec, pki: &Pki) -> Result<Running, String> {
    let mut running = Running::default();
    match spec.kind {
        Kind::Refused => {
            let l = bind(spec.family).await.map_err(|e| e.to_string())?;
            running.ports.push(("", l[0].local_addr().unwrap().port()));
            drop(l);
        }
        Kind::BacklogFull => {
            let (port, keep, task) = raw::backlog_full(spec.family == Family::V6).await?;
            running.ports.push(("", port));
            running._keep = keep;
            running.tasks.push(task);
        }
        Kind::Otlp => {
            let received = Arc::new(Mutex::new(Received::default()));
            for (name, kind) in [("grpc", Kind::OtlpGrpc), ("http", Kind::OtlpHttp)] {
                let mut sub = spec.clone();
                sub.kind = kind;
                let (port, task) = serve(sub, pki, Some(received.clone())).await?;
                running.ports.push((name, port));
                running.tasks.push(task);
            }
            running.received = Some(received);
        }
        _ => {
            let received = matches!(spec.kind, Kind::OtlpGrpc | Kind::OtlpHttp)
                .then(|| Arc::new(Mutex::new(Received::default())));
            let (port, task) = serve(spec.clone(), pki, received.clone()).await?;
            running.ports.push(("", port));
            running.tasks.push(task);
            running.received = received;
        }
    }
    Ok(running)
}

struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Accept loop: optional TLS, then the block's handler, one task per connection.
async fn serve(
    spec: ServerSpec,
    pki: &Pki,
    received: Option<Arc<Mutex<Received>>>,
) -> Result<(u16, JoinHandle<()>), String> {
    let acceptor = tls::acceptor(&spec.tls_spec(), pki)?;
    let listeners = bind(spec.family).await.map_err(|e| e.to_string())?;
    let port = listeners[0].local_addr().unwrap().port();
    let spec = Arc::new(spec);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(TcpStream, SocketAddr)>(16);
    let mut accepts = Vec::new();
    for l in listeners {
        let tx = tx.clone();
        accepts.push(tokio::spawn(async move {
            while let Ok(conn) = l.accept().await {
                if tx.send(conn).await.is_err() {
                    break;
                }
            }
        }));
    }
    let task = tokio::spawn(async move {
        // Aborting this task drops the accept loops too.
        let _accepts: Vec<AbortOnDrop> = accepts.into_iter().map(AbortOnDrop).collect();
        let mut conns = tokio::task::JoinSet::new();
        loop {
            let Some((tcp, peer)) = rx.recv().await else {
                break;
            };
            let spec = spec.clone();
            let acceptor = acceptor.clone();
            let received = received.clone();
            conns.spawn(async move {
                let _ = handle(tcp, peer, &spec, acceptor, received).await;
            });
            while conns.try_join_next().is_some() {}
        }
    });
    Ok((port, task))
}

async fn handle(
    tcp: TcpStream,
    peer: SocketAddr,
    spec: &ServerSpec,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    received: Option<Arc<Mutex<Received>>>,
) -> std::io::Result<()> {
    let _ = peer;
    let mut tcp = tcp;
    if spec.go_tls && acceptor.is_some() && raw::go_tls_refuses_plaintext(&mut tcp).await? {
        return Ok(());
    }
    if spec.kind == Kind::Reset {
        tcp.set_zero_linger()?;
    }
    let io: BoxIo = match acceptor {
        Some(a) => {
            let hs = tokio::time::timeout(std::time::Duration::from_secs(5), a.accept(tcp)).await;
            match hs {
                Ok(Ok(s)) => Box::new(s),
                _ => return Ok(()),
            }
        }
        None => Box::new(tcp),
    };
    match spec.kind {
        Kind::OtlpGrpc => otlp::serve_grpc(io, spec, received.unwrap()).await,
        Kind::OtlpHttp => otlp::serve_http(io, spec, received.unwrap()).await,
        Kind::Http | Kind::Redirect | Kind::Html => raw::serve_fixed(io, spec).await,
        Kind::Close => raw::close(io, spec).await,
        Kind::Reset => raw::reset(io, spec).await,
        Kind::Silent => raw::silent(io).await,
        Kind::Trickle => raw::trickle(io, spec).await,
        Kind::Garbage => raw::garbage(io).await,
        Kind::H2cSettings => raw::h2c_settings(io).await,
        Kind::TlsAlert => raw::tls_alert(io, spec).await,
        Kind::Otlp | Kind::Refused | Kind::BacklogFull => Ok(()),
    }
}
