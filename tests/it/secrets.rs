//! No secret survives: secrets are planted in every place one can live, every command runs,
//! and every byte of every output and of the unpacked bundle is searched.
//!
//! The doctor commands may exit 2 while parts of the program are missing; whatever they print
//! is still searched.

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The planted values (and the distinctive slice of the client key found at run time).
const PLANTED: &[&str] = &[
    "PLANTEDHDRENV1",
    "PLANTEDHDRENV2",
    "PLANTEDHDRCFG1",
    "PLANTEDHDRCFG2",
    "PLANTEDRUNNERTOKEN",
    "PLANTEDPW",
    "PLANTEDENVPW",
    "PLANTEDPROXYPW",
    "PLANTEDQUERYKEY",
    "PLANTEDMYAPIKEY",
    "PLANTEDLOGTOKEN",
    "PLANTEDPREFLIGHT",
    "PLANTEDEXPLAIN",
];

struct Setup {
    dir: tempfile::TempDir,
    key_slices: Vec<String>,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    // A real client key and certificate.
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["client.test".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let key_pem = key.serialize_pem();
    std::fs::write(p.join("client.key"), &key_pem).unwrap();
    std::fs::write(p.join("client.crt"), cert.pem()).unwrap();
    // Distinctive slices of the key's base64 body: every body line, and the whole body.
    let body: Vec<&str> = key_pem
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() >= 24)
        .collect();
    assert!(!body.is_empty(), "{key_pem}");
    let mut key_slices: Vec<String> = body.iter().map(|l| l[4..24].to_string()).collect();
    key_slices.push(body.concat()[8..40].to_string());

    std::fs::write(
        p.join("config.toml"),
        format!(
            r#"log_file = "runner.log"

[[runners]]
name = "planted"
url = "https://gitlab.example.com/"
token = "glrt-PLANTEDRUNNERTOKEN"
executor = "shell"

[otel]
endpoint = "http://user:PLANTEDPW@127.0.0.1:9/?api_key=PLANTEDQUERYKEY"
protocol = "http/protobuf"
client_certificate = "{crt}"
client_key = "{key}"

[otel.headers]
Authorization = "Bearer PLANTEDHDRCFG1"
x-api-key = "PLANTEDHDRCFG2"
"#,
            crt = p.join("client.crt").display(),
            key = p.join("client.key").display(),
        ),
    )
    .unwrap();
    // A log that (wrongly) holds secrets, as a careless line might.
    std::fs::write(
        p.join("runner.log"),
        format!(
            "starting\nrequest headers: Authorization: Bearer PLANTEDLOGTOKEN\n\
             registered with token glrt-PLANTEDRUNNERTOKEN\nloaded key:\n{key_pem}done\n"
        ),
    )
    .unwrap();
    // A pre-flight report from an older, careless version.
    std::fs::create_dir_all(p.join("state")).unwrap();
    std::fs::write(
        p.join("state/preflight.json"),
        r#"{"schema":"runner.doctor.otel/v1","verdict":"broken",
            "findings":[{"evidence":{"request":"POST /v1/traces\nAuthorization: Bearer PLANTEDPREFLIGHT"},
                         "authorization":"PLANTEDPREFLIGHT"}]}"#,
    )
    .unwrap();
    Setup { dir, key_slices }
}

fn run(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_runner"));
    cmd.args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("RUNNER_STATE_DIR", dir.join("state"))
        .env(
            "OTEL_EXPORTER_OTLP_HEADERS",
            "Authorization=Bearer%20PLANTEDHDRENV1,x-api-key=PLANTEDHDRENV2",
        )
        .env(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "http://envuser:PLANTEDENVPW@127.0.0.1:9",
        )
        .env("OTEL_EXPORTER_OTLP_CLIENT_KEY", dir.join("client.key"))
        .env(
            "HTTPS_PROXY",
            "http://proxyuser:PLANTEDPROXYPW@127.0.0.1:3128",
        )
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("MY_API_KEY", "PLANTEDMYAPIKEY")
        .env("OTEL_SERVICE_NAME", "secrets-test")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    {
        use std::io::Write;
        let mut pipe = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            let _ = pipe.write_all(s);
        }
    }
    child.wait_with_output().unwrap()
}

/// Every planted value (and key slice) that occurs in `bytes`.
fn survivors(bytes: &[u8], key_slices: &[String]) -> Vec<String> {
    let hay = String::from_utf8_lossy(bytes);
    PLANTED
        .iter()
        .map(|s| s.to_string())
        .chain(key_slices.iter().cloned())
        .filter(|s| hay.contains(s.as_str()))
        .collect()
}

#[test]
fn no_secret_survives_in_any_output() {
    let s = setup();
    let dir = s.dir.path();
    let mut leaks = Vec::new();
    let mut check = |what: &str, bytes: &[u8]| {
        for found in survivors(bytes, &s.key_slices) {
            leaks.push(format!("{what}: {found}"));
        }
    };

    let pasted = [
        std::fs::read(dir.join("config.toml")).unwrap(),
        std::fs::read(dir.join("client.key")).unwrap(),
        b"401 Unauthorized: Authorization: Bearer PLANTEDEXPLAIN\n".to_vec(),
    ]
    .concat();
    // The search can see what it looks for: the raw sources hold the planted values and key.
    let raw = survivors(&pasted, &s.key_slices);
    for must in [
        "PLANTEDRUNNERTOKEN",
        "PLANTEDHDRCFG1",
        "PLANTEDPW",
        "PLANTEDEXPLAIN",
    ] {
        assert!(
            raw.iter().any(|r| r == must),
            "{must} not found in the raw sources: {raw:?}"
        );
    }
    for slice in &s.key_slices {
        assert!(
            raw.contains(slice),
            "key slice {slice} not found in the key file"
        );
    }
    let commands: Vec<(Vec<&str>, Option<&[u8]>)> = vec![
        (
            vec!["doctor", "otel", "--no-canary", "--timeout", "300ms"],
            None,
        ),
        (
            vec!["doctor", "otel", "--no-canary", "--timeout", "300ms", "-v"],
            None,
        ),
        (
            vec![
                "doctor",
                "otel",
                "--no-canary",
                "--timeout",
                "300ms",
                "--json",
            ],
            None,
        ),
        (
            vec![
                "doctor",
                "explain",
                "401 Unauthorized: Authorization: Bearer PLANTEDEXPLAIN",
            ],
            None,
        ),
        (
            vec![
                "doctor",
                "explain",
                "--json",
                "GET http://u:PLANTEDPW@h/?token=PLANTEDQUERYKEY 404",
            ],
            None,
        ),
        (vec!["doctor", "explain"], Some(pasted.as_slice())),
        (vec!["doctor", "explain", "--json"], Some(pasted.as_slice())),
        (
            vec![
                "doctor",
                "bundle",
                "-o",
                "bundle.tar.gz",
                "--timeout",
                "300ms",
            ],
            None,
        ),
    ];
    for (args, stdin) in &commands {
        let o = run(dir, args, *stdin);
        let name = args.join(" ");
        check(&format!("stdout of `{name}`"), &o.stdout);
        check(&format!("stderr of `{name}`"), &o.stderr);
        if args[1] == "bundle" {
            assert_eq!(
                o.status.code(),
                Some(0),
                "bundle failed: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
    }

    let x = dir.join("unpacked");
    std::fs::create_dir(&x).unwrap();
    let st = Command::new("tar")
        .arg("-xzf")
        .arg(dir.join("bundle.tar.gz"))
        .arg("-C")
        .arg(&x)
        .status()
        .unwrap();
    assert!(st.success());
    let mut files = 0;
    for e in std::fs::read_dir(&x).unwrap() {
        let path = e.unwrap().path();
        check(
            &format!("bundle file {}", path.display()),
            &std::fs::read(&path).unwrap(),
        );
        files += 1;
    }
    assert!(leaks.is_empty(), "secrets survived:\n{}", leaks.join("\n"));

    // The search was meaningful: the bundle holds the redacted sources, keys kept.
    assert!(files >= 6, "only {files} files in the bundle");
    let config = std::fs::read_to_string(x.join("config.toml")).unwrap();
    for kept in [
        "token = \"<redacted",
        "Authorization = \"<redacted",
        "http://user:<redacted",
        "[otel.headers]",
    ] {
        assert!(config.contains(kept), "{kept} missing from:\n{config}");
    }
    let env = std::fs::read_to_string(x.join("env.txt")).unwrap();
    assert!(
        env.contains("OTEL_EXPORTER_OTLP_HEADERS=Authorization=<redacted len="),
        "{env}"
    );
    assert!(
        env.contains("HTTPS_PROXY=http://proxyuser:<redacted"),
        "{env}"
    );
    assert!(!env.contains("MY_API_KEY"), "not allow-listed: {env}");
    let log = std::fs::read_to_string(x.join("runner.log")).unwrap();
    assert!(
        log.contains("-----BEGIN PRIVATE KEY-----") && log.contains("done"),
        "{log}"
    );
    assert!(x.join("preflight.json").exists());
}
