//! Run-time settings of the metrics server and the self-check: `listen_address = "HOST:PORT"`
//! (top level, as GitLab Runner has it) and `otel.doctor_interval`, parsed into typed values.

use std::time::Duration;

/// How often a still-broken export is diagnosed again when nobody sets `otel.doctor_interval`.
pub const DEFAULT_DOCTOR_INTERVAL: Duration = Duration::from_secs(15 * 60);
/// The shortest `otel.doctor_interval`: a doctor every few seconds would be a load of its own.
pub const MIN_DOCTOR_INTERVAL: Duration = Duration::from_secs(1);

/// Where the metrics server listens: a host (IP literal or name) and a port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListenAddress {
    pub host: String,
    pub port: u16,
}

impl ListenAddress {
    /// `host:port` again, with brackets around an IPv6 literal, as a socket API takes it.
    pub fn to_socket_text(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// What is wrong with a `listen_address` value, as the config error will say it.
pub const LISTEN_EXPECTED: &str =
    "expected HOST:PORT, e.g. \"127.0.0.1:9252\", \"0.0.0.0:9252\" or \"[::1]:9252\"";

/// Why a `listen_address` cannot be listened on; each says what would be valid.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ListenError {
    #[error("the `[` of an IPv6 address is not closed; {LISTEN_EXPECTED}")]
    UnclosedBracket,
    #[error("no port after the IPv6 address; {LISTEN_EXPECTED}")]
    NoPortAfterIpv6,
    #[error("not an IPv6 address inside `[...]`; {LISTEN_EXPECTED}")]
    NotIpv6,
    #[error("no port; {LISTEN_EXPECTED}")]
    NoPort,
    #[error("an IPv6 address needs brackets; {LISTEN_EXPECTED}")]
    Ipv6NeedsBrackets,
    #[error("no host; {LISTEN_EXPECTED}")]
    NoHost,
    #[error("the host is not an address or a name; {LISTEN_EXPECTED}")]
    BadHost,
    #[error("the port is not a number from 0 to 65535; {LISTEN_EXPECTED}")]
    BadPort,
}

/// Why an `otel.doctor_interval` cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IntervalError {
    #[error("{INTERVAL_EXPECTED}")]
    NotADuration,
    #[error("too short; {INTERVAL_EXPECTED}")]
    TooShort,
}

const INTERVAL_EXPECTED: &str =
    "expected a duration of at least 1s, e.g. \"15m\", \"90s\" or \"1h\"";

/// Parses `HOST:PORT` (`[V6]:PORT` for IPv6). Port 0 asks the system for a free port.
pub fn parse_listen_address(s: &str) -> Result<ListenAddress, ListenError> {
    let s = s.trim();
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or(ListenError::UnclosedBracket)?;
        let port = after
            .strip_prefix(':')
            .ok_or(ListenError::NoPortAfterIpv6)?;
        if host.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(ListenError::NotIpv6);
        }
        (host, port)
    } else {
        let (host, port) = s.rsplit_once(':').ok_or(ListenError::NoPort)?;
        if host.contains(':') {
            return Err(ListenError::Ipv6NeedsBrackets);
        }
        (host, port)
    };
    if host.is_empty() {
        return Err(ListenError::NoHost);
    }
    if !host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'))
    {
        return Err(ListenError::BadHost);
    }
    let port = port.parse::<u16>().map_err(|_| ListenError::BadPort)?;
    Ok(ListenAddress {
        host: host.to_owned(),
        port,
    })
}

/// Parses `otel.doctor_interval`: a duration such as `15m`, `90s`, `1h`, at least one second.
pub fn parse_doctor_interval(s: &str) -> Result<Duration, IntervalError> {
    let d = humantime::parse_duration(s.trim()).map_err(|_| IntervalError::NotADuration)?;
    if d < MIN_DOCTOR_INTERVAL {
        return Err(IntervalError::TooShort);
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_addresses() {
        let ok = |s: &str| parse_listen_address(s).unwrap().to_socket_text();
        assert_eq!(ok("127.0.0.1:9252"), "127.0.0.1:9252");
        assert_eq!(ok(" 0.0.0.0:0 "), "0.0.0.0:0");
        assert_eq!(ok("[::1]:9252"), "[::1]:9252");
        assert_eq!(ok("localhost:9252"), "localhost:9252");
        for bad in [
            "",
            "9252",
            ":9252",
            "::1:9252",
            "[::1]9252",
            "[zz]:1",
            "h:65536",
            "h:x",
            "a b:1",
            "[::1:1",
        ] {
            let e = parse_listen_address(bad).unwrap_err().to_string();
            assert!(e.contains("HOST:PORT"), "{bad}: {e}");
        }
    }

    #[test]
    fn doctor_intervals() {
        assert_eq!(
            parse_doctor_interval("15m").unwrap(),
            DEFAULT_DOCTOR_INTERVAL
        );
        assert_eq!(parse_doctor_interval("2s").unwrap(), Duration::from_secs(2));
        assert!(parse_doctor_interval("500ms").is_err());
        assert!(parse_doctor_interval("soon").is_err());
    }
}
