//! The matcher, the line reader and the log scanner never panic, whatever the text or bytes.

use proptest::prelude::*;
use runner::explain::{explain, extract, logscan};

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn matcher_and_extraction_never_panic(s in "\\PC{0,400}") {
        let m = explain(&s);
        let ctx = extract::context(&s);
        let _ = extract::settle_command(&ctx, m.first().map(|m| m.cause));
        let _ = runner::explain::render_text(&s, &m);
        let _ = runner::explain::render_json(&s, &m);
    }

    #[test]
    fn error_like_strings_never_panic(
        parts in proptest::collection::vec(prop_oneof![
            Just("http://".to_string()), Just("https://[".to_string()), Just(":".to_string()),
            Just("port ".to_string()), Just("host='".to_string()), Just("status code ".to_string()),
            Just("larger than max (".to_string()), Just("lookup ".to_string()), Just("no such host".to_string()),
            Just("é".to_string()), Just("\u{1b}[".to_string()), Just("404".to_string()),
            "[0-9]{1,8}".prop_map(|s| s), "\\PC{0,12}".prop_map(|s| s),
        ], 0..24)
    ) {
        let s = parts.concat();
        let m = explain(&s);
        let _ = extract::settle_command(&extract::context(&s), m.first().map(|m| m.cause));
    }

    #[test]
    fn log_scanner_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let s = logscan::scan(&bytes[..]).unwrap();
        prop_assert!(s.groups.len() <= 64);
    }

    #[test]
    fn line_reader_caps_every_line(bytes in proptest::collection::vec(prop_oneof![Just(b'\n'), any::<u8>()], 0..2048), cap in 1usize..64) {
        let mut r = std::io::BufReader::with_capacity(7, &bytes[..]);
        let mut buf = Vec::new();
        let mut lines = 0;
        while let Some(_long) = logscan::read_capped(&mut r, &mut buf, cap).unwrap() {
            prop_assert!(buf.len() <= cap);
            lines += 1;
            prop_assert!(lines <= bytes.len() + 1);
        }
    }
}

/// No control character of the input reaches what `explain` prints (C0 but the line feeds it
/// writes itself, C1, DEL): `explain`'s text and JSON, and `--file`'s text and JSON.
fn no_raw_control(out: &str) -> bool {
    !out.chars().any(|c| c != '\n' && c.is_control())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn explain_output_has_no_raw_control_character(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let raw = String::from_utf8_lossy(&bytes);
        if let Ok(text) = runner::explain::input::prepare(&raw) {
            let m = explain(&text);
            prop_assert!(no_raw_control(&runner::explain::render_text(&text, &m)));
            prop_assert!(no_raw_control(&runner::explain::render_json(&text, &m)));
        }
        let s = logscan::scan(&bytes[..]).unwrap();
        prop_assert!(no_raw_control(&runner::explain::render::log_text(&s)));
        prop_assert!(no_raw_control(&runner::explain::render::log_json(&s)));
    }

    #[test]
    fn error_lines_with_controls_are_explained_and_escaped(
        junk in proptest::collection::vec(prop_oneof![Just('\u{18}'), Just('\u{7f}'), Just('\u{9b}'), Just('\u{1b}'), Just('\u{7}')], 1..4),
    ) {
        let line = format!("dial tcp 127.0.0.1:4317: connect: connection refused{}", junk.iter().collect::<String>());
        let text = runner::explain::input::prepare(&line).unwrap();
        let m = explain(&text);
        prop_assert_eq!(m[0].cause, runner::cause::Cause::TcpRefused);
        prop_assert!(no_raw_control(&runner::explain::render_text(&text, &m)));
    }
}
