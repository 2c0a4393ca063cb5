//! A tiny UDP name server for names under `.test`: A/AAAA answers, NXDOMAIN, NODATA, SERVFAIL,
//! or no answer at all. The doctor is pointed at it with `--dns-server 127.0.0.1:{dns_port}`.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;
use tokio::net::UdpSocket;
use tokio::task::JoinHandle;

/// The `[dns]` table.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnsSpec {
    /// Name -> addresses (loopback only). A name with no address of the asked family answers
    /// NODATA; a name not listed answers NXDOMAIN.
    #[serde(default)]
    pub records: BTreeMap<String, Vec<IpAddr>>,
    /// Names answered with SERVFAIL.
    #[serde(default)]
    pub servfail: Vec<String>,
    /// Never answer anything (a name server that is down or firewalled).
    #[serde(default)]
    pub silent: bool,
}

/// Starts the name server; returns its port and the task (abort to stop).
pub async fn start(spec: &DnsSpec) -> Result<(u16, JoinHandle<()>), String> {
    for (name, addrs) in &spec.records {
        if let Some(a) = addrs.iter().find(|a| !a.is_loopback()) {
            return Err(format!("dns: {name} -> {a} is not a loopback address"));
        }
    }
    let sock = UdpSocket::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let port = sock.local_addr().unwrap().port();
    let spec = Arc::new(spec.clone());
    let task = tokio::spawn(async move {
        let mut buf = [0u8; 1500];
        loop {
            let Ok((n, peer)) = sock.recv_from(&mut buf).await else {
                continue;
            };
            if spec.silent {
                continue;
            }
            if let Some(reply) = answer(&buf[..n], &spec) {
                let _ = sock.send_to(&reply, peer).await;
            }
        }
    });
    Ok((port, task))
}

/// Parses the question and builds the answer (RFC 1035 wire format, no compression on input).
fn answer(q: &[u8], spec: &DnsSpec) -> Option<Vec<u8>> {
    if q.len() < 12 {
        return None;
    }
    let mut i = 12;
    let mut labels = Vec::new();
    loop {
        let len = *q.get(i)? as usize;
        i += 1;
        if len == 0 {
            break;
        }
        labels.push(String::from_utf8_lossy(q.get(i..i + len)?).to_ascii_lowercase());
        i += len;
    }
    let qtype = u16::from_be_bytes([*q.get(i)?, *q.get(i + 1)?]);
    let question_end = i + 4;
    let question = q.get(12..question_end)?;
    let name = labels.join(".");

    let (rcode, addrs): (u8, Vec<IpAddr>) = if spec.servfail.contains(&name) {
        (2, vec![])
    } else if let Some(all) = spec.records.get(&name) {
        let want: Vec<IpAddr> = all
            .iter()
            .copied()
            .filter(|a| match qtype {
                1 => a.is_ipv4(),
                28 => a.is_ipv6(),
                _ => false,
            })
            .collect();
        (0, want)
    } else {
        (3, vec![])
    };

    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(&q[0..2]); // id
    let rd = q[2] & 0x01;
    out.push(0x84 | rd); // QR, AA, RD copied
    out.push(0x80 | rcode); // RA, rcode
    out.extend_from_slice(&1u16.to_be_bytes());
    out.extend_from_slice(&(addrs.len() as u16).to_be_bytes());
    out.extend_from_slice(&0u16.to_be_bytes());
    out.extend_from_slice(&0u16.to_be_bytes());
    out.extend_from_slice(question);
    for a in addrs {
        out.extend_from_slice(&[0xc0, 0x0c]);
        let (t, data) = match a {
            IpAddr::V4(v4) => (1u16, v4.octets().to_vec()),
            IpAddr::V6(v6) => (28u16, v6.octets().to_vec()),
        };
        out.extend_from_slice(&t.to_be_bytes());
        out.extend_from_slice(&1u16.to_be_bytes());
        out.extend_from_slice(&60u32.to_be_bytes());
        out.extend_from_slice(&(data.len() as u16).to_be_bytes());
        out.extend_from_slice(&data);
    }
    Some(out)
}
