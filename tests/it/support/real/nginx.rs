//! nginx in the foreground with a configuration written at test time: TLS termination, gRPC
//! and HTTP reverse proxying, and stream (L4) proxying.

use crate::support::proc::{listen_addrs, start_with_retry, Proc, READY_WITHIN};
use std::path::Path;

#[derive(Debug)]
pub struct Nginx {
    pub proc: Proc,
    /// The ports the configuration listens on, in the order the caller asked for them.
    pub ports: Vec<u16>,
}

impl Nginx {
    /// Starts nginx with `nports` fresh ports. `http` and `stream` build the bodies of the
    /// `http {}` and `stream {}` blocks from those ports (an empty string leaves a block out).
    /// Every listen address must be 127.0.0.1 or [::1] (see `blocks::listen`).
    pub fn start(
        dir: &Path,
        nports: usize,
        http: impl Fn(&[u16]) -> String,
        stream: impl Fn(&[u16]) -> String,
    ) -> Nginx {
        let root = dir.join("nginx");
        for sub in [
            "tmp/body",
            "tmp/proxy",
            "tmp/fastcgi",
            "tmp/uwsgi",
            "tmp/scgi",
        ] {
            std::fs::create_dir_all(root.join(sub)).expect("nginx dirs");
        }
        start_with_retry("nginx", nports, |ports| {
            let conf = config(&root, &http(ports), &stream(ports));
            let conf_path = root.join("nginx.conf");
            std::fs::write(&conf_path, &conf).expect("write nginx.conf");
            let args = vec![
                "-p".to_string(),
                path(&root),
                "-c".to_string(),
                path(&conf_path),
                "-e".to_string(),
                path(&root.join("error.log")),
                "-g".to_string(),
                "daemon off;".to_string(),
            ];
            let mut proc = Proc::spawn(
                "nginx",
                Path::new("nginx"),
                &args,
                &[],
                &root.join("stdout.log"),
            )
            .map_err(|e| format!("spawn nginx: {e}"))?;
            proc.wait_for_ports(&listen_addrs(&conf, ports), READY_WITHIN)
                .map_err(|e| {
                    let errlog =
                        std::fs::read_to_string(root.join("error.log")).unwrap_or_default();
                    format!("{e}\nerror.log:\n{errlog}")
                })?;
            Ok(Nginx {
                proc,
                ports: ports.to_vec(),
            })
        })
    }
}

fn path(p: &Path) -> String {
    p.to_str().expect("utf-8 path").to_string()
}

fn config(root: &Path, http: &str, stream: &str) -> String {
    let r = path(root);
    let mut conf = format!(
        "load_module /usr/lib/nginx/modules/ngx_stream_module.so;\n\
         # Workers would otherwise switch to nobody and lose access to this private directory.\n\
         user root;\n\
         worker_processes 1;\n\
         pid {r}/nginx.pid;\n\
         error_log {r}/error.log info;\n\
         events {{ worker_connections 128; }}\n"
    );
    if !http.is_empty() {
        conf.push_str(&format!(
            "http {{\n\
             access_log {r}/access.log;\n\
             client_body_temp_path {r}/tmp/body;\n\
             proxy_temp_path {r}/tmp/proxy;\n\
             fastcgi_temp_path {r}/tmp/fastcgi;\n\
             uwsgi_temp_path {r}/tmp/uwsgi;\n\
             scgi_temp_path {r}/tmp/scgi;\n\
             proxy_connect_timeout 1s;\n\
             grpc_connect_timeout 1s;\n\
             {http}\n}}\n"
        ));
    }
    if !stream.is_empty() {
        conf.push_str(&format!(
            "stream {{\nproxy_connect_timeout 1s;\n{stream}\n}}\n"
        ));
    }
    conf
}
