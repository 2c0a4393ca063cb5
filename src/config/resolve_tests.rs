//! Table tests of the precedence rule and of endpoint resolution (`docs/settings.md`).

use super::*;
use crate::config::{resolve_all, OtelTable, Overrides};

fn o(value: &'static str, source: Source, specific: bool) -> Offer<&'static str> {
    Offer {
        value,
        source,
        specific,
    }
}

fn env(v: &str) -> Source {
    Source::Env(v.into())
}
fn cfg(k: &str) -> Source {
    Source::Config(k.into())
}
fn flg() -> Source {
    Source::Flag("--endpoint".into())
}

#[test]
fn decide_table() {
    // (offers, expected winner, expected number shadowed)
    let table: Vec<(Vec<Offer<&str>>, &str, usize)> = vec![
        (vec![], "default", 0),
        (vec![o("generic", env("G"), false)], "generic", 0),
        (
            vec![o("generic", env("G"), false), o("specific", env("S"), true)],
            "specific",
            1,
        ),
        (
            vec![
                o("specific", env("S"), true),
                o("config", cfg("otel.endpoint"), false),
            ],
            "config",
            1,
        ),
        (
            vec![
                o("config", cfg("otel.endpoint"), false),
                o("config-specific", cfg("otel.traces_endpoint"), true),
            ],
            "config-specific",
            1,
        ),
        (
            vec![
                o("generic", env("G"), false),
                o("specific", env("S"), true),
                o("config", cfg("otel.endpoint"), false),
                o("flag", flg(), false),
            ],
            "flag",
            3,
        ),
        // Ties keep the first offer.
        (
            vec![o("first", env("A"), false), o("second", env("B"), false)],
            "first",
            1,
        ),
    ];
    for (offers, winner, shadowed) in table {
        let d = decide(offers.clone(), "default");
        assert_eq!(d.winner.value, winner, "{offers:?}");
        assert_eq!(d.shadowed.len(), shadowed, "{offers:?}");
        if winner == "default" {
            assert_eq!(d.winner.source, Source::Default);
        }
    }
}

struct Case {
    flags: Overrides,
    otel: &'static str,
    env: Vec<(&'static str, &'static str)>,
    url: &'static str,
    source: &'static str,
    protocol: &'static str,
}

fn case(
    otel: &'static str,
    env: Vec<(&'static str, &'static str)>,
    url: &'static str,
    source: &'static str,
    protocol: &'static str,
) -> Case {
    Case {
        flags: Overrides::default(),
        otel,
        env,
        url,
        source,
        protocol,
    }
}

fn run(c: &Case) -> SignalSettings {
    let otel: OtelTable = toml::from_str(c.otel).unwrap();
    let env = Environment::from_pairs(c.env.clone());
    let (s, _) = resolve_all(&c.flags, &otel, &env);
    s.signal(Signal::Traces).unwrap().clone()
}

#[test]
fn endpoint_precedence_and_v1_rules() {
    const G: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";
    const S: &str = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
    const P: &str = "OTEL_EXPORTER_OTLP_PROTOCOL";
    let mut cases = vec![
        // Defaults: http/protobuf on 4318 with /v1/traces (the spec's default protocol).
        case(
            "",
            vec![],
            "http://localhost:4318/v1/traces",
            "default",
            "http/protobuf",
        ),
        case(
            "",
            vec![(P, "grpc")],
            "http://localhost:4317",
            "default",
            "grpc",
        ),
        // Generic env gets /v1/traces, with or without a trailing slash.
        case(
            "",
            vec![(G, "http://c:4318")],
            "http://c:4318/v1/traces",
            "env:OTEL_EXPORTER_OTLP_ENDPOINT",
            "http/protobuf",
        ),
        case(
            "",
            vec![(G, "http://c:4318/")],
            "http://c:4318/v1/traces",
            "env:OTEL_EXPORTER_OTLP_ENDPOINT",
            "http/protobuf",
        ),
        // Already ending in /v1/traces: appended anyway (the finding explains it).
        case(
            "",
            vec![(G, "http://c:4318/v1/traces")],
            "http://c:4318/v1/traces/v1/traces",
            "env:OTEL_EXPORTER_OTLP_ENDPOINT",
            "http/protobuf",
        ),
        // Signal-specific env is used as-is and beats the generic one.
        case(
            "",
            vec![(G, "http://g:4318"), (S, "http://s:4318/custom")],
            "http://s:4318/custom",
            "env:OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "http/protobuf",
        ),
        // Config generic beats both env variables and behaves like the generic one.
        case(
            "endpoint = \"http://cfg:4318\"",
            vec![(S, "http://s:4318/v1/traces")],
            "http://cfg:4318/v1/traces",
            "config:otel.endpoint",
            "http/protobuf",
        ),
        // Config signal-specific beats config generic, used as-is.
        case(
            "endpoint = \"http://cfg:4318\"\ntraces_endpoint = \"http://t:4318/v1/traces\"",
            vec![],
            "http://t:4318/v1/traces",
            "config:otel.traces_endpoint",
            "http/protobuf",
        ),
        // gRPC: endpoint used as-is for generic and specific; grpc/grpcs schemes.
        case(
            "",
            vec![(P, "grpc"), (G, "grpc://c:4317")],
            "grpc://c:4317",
            "env:OTEL_EXPORTER_OTLP_ENDPOINT",
            "grpc",
        ),
        case(
            "protocol = \"grpc\"",
            vec![(S, "grpcs://c:4317")],
            "grpcs://c:4317",
            "env:OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "grpc",
        ),
        // Config protocol beats the env protocol; signal env protocol beats generic.
        case(
            "protocol = \"grpc\"",
            vec![(P, "http/json")],
            "http://localhost:4317",
            "default",
            "grpc",
        ),
        case(
            "",
            vec![
                (P, "grpc"),
                ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"),
            ],
            "http://localhost:4318/v1/traces",
            "default",
            "http/json",
        ),
        // An invalid protocol takes no part: the next source wins.
        case(
            "protocol = \"grpcc\"",
            vec![(P, "grpc")],
            "http://localhost:4317",
            "default",
            "grpc",
        ),
    ];
    // The flag beats everything and behaves like the generic endpoint.
    let mut flag = case(
        "endpoint = \"http://cfg:4318\"",
        vec![(S, "http://s:4318/v1/traces")],
        "http://flag:4318/v1/traces",
        "flag",
        "http/protobuf",
    );
    flag.flags.endpoint = Some("http://flag:4318".into());
    cases.push(flag);
    let mut flag = case(
        "protocol = \"http/json\"",
        vec![],
        "http://localhost:4317",
        "default",
        "grpc",
    );
    flag.flags.protocol = Some(Protocol::Grpc);
    cases.push(flag);

    for c in &cases {
        let s = run(c);
        let ctx = format!(
            "otel={:?} env={:?} flags={:?}",
            c.otel, c.env, c.flags.endpoint
        );
        assert_eq!(s.url.as_deref(), Some(c.url), "{ctx}");
        assert_eq!(s.endpoint_raw.source.to_string(), c.source, "{ctx}");
        assert_eq!(s.protocol.value.as_str(), c.protocol, "{ctx}");
    }
}

#[test]
fn grpc_schemes_decide_tls() {
    for (ep, tls, port) in [
        ("grpc://c:4317", false, 4317),
        ("grpcs://c:4317", true, 4317),
        ("grpcs://c", true, 443),
        ("https://c:4317", true, 4317),
        ("http://c:4317", false, 4317),
    ] {
        let c = case(
            "protocol = \"grpc\"",
            vec![("OTEL_EXPORTER_OTLP_ENDPOINT", ep)],
            ep,
            "env:OTEL_EXPORTER_OTLP_ENDPOINT",
            "grpc",
        );
        let s = run(&c);
        let e = s.endpoint.unwrap();
        assert_eq!((e.tls, e.port), (tls, port), "{ep}");
    }
}

#[test]
fn headers_signal_specific_replace_generic_and_shadowed_is_recorded() {
    let c = case(
        "",
        vec![
            ("OTEL_EXPORTER_OTLP_HEADERS", "a=1,b=2"),
            ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "c=3"),
        ],
        "http://localhost:4318/v1/traces",
        "default",
        "http/protobuf",
    );
    let otel = OtelTable::default();
    let envr = Environment::from_pairs(c.env.clone());
    let (st, problems) = resolve_all(&c.flags, &otel, &envr);
    assert!(problems.is_empty(), "{problems:?}");
    let t = st.signal(Signal::Traces).unwrap();
    let names: Vec<&str> = t.headers.value.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, ["c"]);
    let sh = st.shadowed.iter().find(|s| s.setting == "headers").unwrap();
    assert!(sh.value.starts_with("[a=<redacted len=1 "), "{}", sh.value);
    assert!(sh.value.contains(", b=<redacted len=1 "), "{}", sh.value);
    assert_eq!(sh.source.to_string(), "env:OTEL_EXPORTER_OTLP_HEADERS");
}

#[test]
fn signals_enabled_by_their_own_endpoint() {
    let envr =
        Environment::from_pairs([("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "http://l:4318/v1/logs")]);
    let (st, _) = resolve_all(&Overrides::default(), &OtelTable::default(), &envr);
    let s: Vec<Signal> = st.signals.iter().map(|s| s.signal).collect();
    assert_eq!(s, [Signal::Traces, Signal::Logs]);
}

#[test]
fn timeout_env_is_milliseconds() {
    let envr = Environment::from_pairs([("OTEL_EXPORTER_OTLP_TIMEOUT", "2500")]);
    let (st, _) = resolve_all(&Overrides::default(), &OtelTable::default(), &envr);
    assert_eq!(
        st.signals[0].timeout.value,
        std::time::Duration::from_millis(2500)
    );
    let otel: OtelTable = toml::from_str("timeout = \"3s\"").unwrap();
    let (st, _) = resolve_all(&Overrides::default(), &otel, &envr);
    assert_eq!(
        st.signals[0].timeout.value,
        std::time::Duration::from_secs(3)
    );
}
