//! dnsmasq as an authoritative name server for `*.test` on a loopback port, apart from the
//! system's resolver (`no-resolv`, `no-hosts`): the doctor asks it through `--dns-server`.

use crate::support::ports::v4;
use crate::support::proc::{start_with_retry, Proc, READY_WITHIN};
use std::path::Path;

/// `collector.test`: A 127.0.0.1 and AAAA ::1.
pub const DUAL: &str = "collector.test";
/// `v4only.test`: an A record only; AAAA answers NODATA.
pub const V4_ONLY: &str = "v4only.test";
/// `noaddr.test`: exists (a TXT record) but has neither A nor AAAA.
pub const NO_ADDRESS: &str = "noaddr.test";
/// `missing.test`: no such name (NXDOMAIN).
pub const MISSING: &str = "missing.test";

#[derive(Debug)]
pub struct Dnsmasq {
    /// Kept for its `Drop`, which stops dnsmasq.
    pub _proc: Proc,
    pub port: u16,
}

impl Dnsmasq {
    pub fn start(dir: &Path) -> Dnsmasq {
        let root = dir.join("dnsmasq");
        std::fs::create_dir_all(&root).expect("dnsmasq dir");
        start_with_retry("dnsmasq", 1, |ports| {
            let port = ports[0];
            let conf = format!(
                "port={port}\n\
                 listen-address=127.0.0.1\n\
                 bind-interfaces\n\
                 keep-in-foreground\n\
                 no-resolv\n\
                 no-hosts\n\
                 pid-file=\n\
                 log-facility=-\n\
                 log-queries\n\
                 local=/test/\n\
                 host-record={DUAL},127.0.0.1,::1\n\
                 host-record={V4_ONLY},127.0.0.1\n\
                 txt-record={NO_ADDRESS},\"no address here\"\n"
            );
            let conf_path = root.join("dnsmasq.conf");
            std::fs::write(&conf_path, conf).expect("write dnsmasq.conf");
            let args = vec![format!("--conf-file={}", conf_path.display())];
            let mut proc = Proc::spawn(
                "dnsmasq",
                Path::new("dnsmasq"),
                &args,
                &[],
                &root.join("dnsmasq.log"),
            )
            .map_err(|e| format!("spawn dnsmasq: {e}"))?;
            // dnsmasq serves TCP on the same port as UDP: an accepting TCP port means ready.
            proc.wait_for_ports(&[v4(port)], READY_WITHIN)?;
            Ok(Dnsmasq { _proc: proc, port })
        })
    }
}
