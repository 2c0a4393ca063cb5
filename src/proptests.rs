//! Property tests: arbitrary bytes and strings fed to every parser and classifier of outside
//! input (redaction, config, URLs, headers, the explain matcher, the wire classifiers) must
//! never panic. Bounded case counts keep them fast enough for CI.

use proptest::prelude::*;

/// Strings mixing multi-byte characters, separators and secret-looking keys, where the
/// boundary bugs live (`エクスポート失敗:api_key=...`).
fn tricky() -> impl Strategy<Value = String> {
    let atoms = prop_oneof![
        Just("api_key".to_string()),
        Just("Authorization".to_string()),
        Just("Bearer ".to_string()),
        Just("://".to_string()),
        Just("@".to_string()),
        Just("?token=".to_string()),
        Just("=".to_string()),
        Just(":".to_string()),
        Just("-----BEGIN PRIVATE KEY-----".to_string()),
        Just("-----END PRIVATE KEY-----".to_string()),
        Just("OTEL_EXPORTER_OTLP_HEADERS=".to_string()),
        Just("glrt-".to_string()),
        Just("eyJ".to_string()),
        Just("エクスポート失敗".to_string()),
        Just("\u{1b}[2J".to_string()),
        Just("\"".to_string()),
        "\\PC{0,6}",
        ".{0,6}",
    ];
    proptest::collection::vec(atoms, 0..12).prop_map(|v| v.concat())
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        tricky(),
        ".{0,80}",
        any::<Vec<u8>>().prop_map(|b| String::from_utf8_lossy(&b).into_owned())
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn redaction_never_panics(t in any_text()) {
        let once = crate::redact::redact_text(&t);
        let _ = crate::redact::redact_url(&t);
        let _ = crate::redact::redact_header_list(&t);
        let _ = crate::redact::redact_env("OTEL_EXPORTER_OTLP_HEADERS", &t);
        let _ = crate::redact::redact_env("OTEL_SERVICE_NAME", &t);
        let mut s = crate::redact::Scrubber::new();
        s.add(&t);
        let _ = s.text(&once);
        let _ = crate::redact::egress::Secrets::default().scrub(&t);
    }

    #[test]
    fn config_loader_never_panics(t in any_text(), n in 0usize..80) {
        let path = std::path::Path::new("config.toml");
        let _ = crate::config::file::parse(path, &t);
        let _ = crate::config::file::parse(path, &format!("[otel]\nendpoint = {t:?}\n"));
        let _ = crate::config::file::parse(path, &format!("[otel.headers]\n{}\n", t.replace('\n', " ")));
        let deep = format!("a = {}{}", "[".repeat(n), "]".repeat(n));
        let _ = crate::config::file::parse(path, &deep);
        let _ = crate::config::file::line_col(&t, n);
    }

    #[test]
    fn endpoint_and_header_parsers_never_panic(t in any_text()) {
        use crate::config::{endpoint, kv, Protocol};
        for p in [Protocol::Grpc, Protocol::HttpProtobuf, Protocol::HttpJson] {
            let _ = endpoint::parse(&t, p, false);
            let _ = endpoint::parse(&format!("http://{t}"), p, true);
        }
        let _ = endpoint::redact_userinfo(&t);
        let (items, _) = kv::parse_list(&t);
        for (name, value) in &items {
            let _ = kv::check_header(name, value);
        }
        let _ = crate::config::duration::parse(&t);
    }

    #[test]
    fn explain_never_panics(t in any_text()) {
        let m = crate::explain::explain(&t);
        let _ = crate::explain::render_text(&t, &m);
        let _ = crate::explain::render_json(&t, &m);
        let _ = crate::explain::matcher::normalize(&t);
    }

    #[test]
    fn wire_classifiers_never_panic(b in proptest::collection::vec(any::<u8>(), 0..300)) {
        use crate::doctor::net::{printable, PeerGreeting};
        let _ = PeerGreeting::classify(&b);
        let _ = printable(&b);
        let _ = crate::doctor::protocol::wire::grpc_message(&b);
        let _ = crate::doctor::protocol::wire::quote(&b, false);
        let _ = crate::doctor::export::decode_response_protobuf(&b);
        let _ = crate::doctor::export::decode_response_json(&b, crate::config::Signal::Traces);
        for media in ["application/x-protobuf", "application/json", "text/plain"] {
            let _ = crate::doctor::export::decode_status(&b, Some(media));
        }
        let _ = crate::facts::peer_text::PeerText::from_bytes(&b);
    }

    #[test]
    fn dns_host_helpers_never_panic(t in any_text()) {
        let _ = crate::doctor::dns::bare_host(&t);
        let _ = crate::doctor::dns::looks_cluster_local(&t);
    }
}
