//! Collects the secret values of this run from every place they can live (environment, config
//! file, resolved settings, client key files), for the `Scrubber` and the egress scrubber.

use crate::config::{Environment, Loaded};
use crate::redact::{is_header_list_name, is_secret_name, is_secret_param, Scrubber};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Key files are read up to this many bytes to learn their contents.
const MAX_KEY_FILE: u64 = 64 * 1024;

/// Variables a bundle or report may show (redacted): OTEL_*, RUNNER_*, SSL_CERT_* and proxies.
pub fn env_allowed(name: &str) -> bool {
    let up = name.to_ascii_uppercase();
    ["OTEL_", "RUNNER_", "SSL_CERT_"]
        .iter()
        .any(|p| name.starts_with(p))
        || matches!(
            up.as_str(),
            "HTTP_PROXY" | "HTTPS_PROXY" | "NO_PROXY" | "ALL_PROXY"
        )
}

/// Collects every secret of this run and adds it to the set every egress point scrubs with.
pub fn install(env: &Environment, raw_config: Option<&toml::Table>, loaded: Option<&Loaded>) {
    crate::redact::egress::install(scrubber(env, raw_config, loaded).secrets());
}

/// Everything secret that output could otherwise pick up.
pub fn scrubber(
    env: &Environment,
    raw_config: Option<&toml::Table>,
    loaded: Option<&Loaded>,
) -> Scrubber {
    let mut s = Scrubber::new();
    let mut key_files: Vec<PathBuf> = Vec::new();
    for (name, value) in env.iter() {
        if is_header_list_name(name) {
            add_header_list(&mut s, value);
        } else if is_secret_name(name) && (env_allowed(name) || value.len() >= 12) {
            // Outside the allow-list only long values: a short one (`AUTH_HOST=localhost`)
            // would blank an ordinary word all over the bundle, and nothing here prints it.
            s.add(value);
        }
        add_url_secrets(&mut s, value);
        if name.to_ascii_uppercase().ends_with("CLIENT_KEY") && !value.trim().is_empty() {
            key_files.push(PathBuf::from(value));
        }
    }
    if let Some(t) = raw_config {
        add_toml(&mut s, t, false, &mut key_files);
    }
    if let Some(l) = loaded {
        for sig in &l.settings.signals {
            for h in &sig.headers.value {
                s.add_header(&h.name, h.value.expose());
            }
            if let Some(p) = sig.endpoint.as_ref().and_then(|e| e.password.as_ref()) {
                s.add(p.expose());
            }
            add_url_secrets(&mut s, &sig.endpoint_raw.value);
            // The shown endpoint is already redacted: the real one holds the values.
            if let Some(ep) = &sig.endpoint {
                add_url_secrets(&mut s, ep.real.expose());
            }
            if let Some(k) = &sig.client_key {
                key_files.push(k.value.clone());
            }
        }
        for r in l.file.iter().flat_map(|f| f.runners.iter()) {
            s.add(r.token.expose());
            add_url_secrets(&mut s, &r.url);
        }
    }
    key_files.dedup();
    for path in key_files {
        add_key_file(&mut s, &path);
    }
    s
}

fn add_header_list(s: &mut Scrubber, list: &str) {
    for item in list.split(',') {
        match item.split_once('=') {
            Some((k, v)) => s.add_header(k, v),
            None => s.add(item.trim()),
        }
    }
}

/// URL passwords and key-like query parameters anywhere in a value.
fn add_url_secrets(s: &mut Scrubber, value: &str) {
    for (i, _) in value.match_indices("://") {
        let rest = &value[i + 3..];
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let url = &rest[..end];
        let auth_end = url.find(['/', '?', '#']).unwrap_or(url.len());
        if let Some((userinfo, _)) = url[..auth_end].rsplit_once('@') {
            if let Some((_, pw)) = userinfo.split_once(':') {
                s.add(pw);
            }
        }
        if let Some((_, query)) = url.split_once('?') {
            for (k, v) in query.split(['&', '#']).filter_map(|p| p.split_once('=')) {
                if is_secret_param(k) {
                    s.add(v);
                }
            }
        }
    }
}

fn add_toml(s: &mut Scrubber, t: &toml::Table, secret: bool, key_files: &mut Vec<PathBuf>) {
    for (k, v) in t {
        let secret = secret || is_secret_name(k);
        match v {
            toml::Value::String(x) => {
                if secret {
                    s.add(x);
                }
                add_url_secrets(s, x);
                if k.eq_ignore_ascii_case("client_key") {
                    key_files.push(PathBuf::from(x));
                }
            }
            toml::Value::Table(inner) => add_toml(
                s,
                inner,
                secret || k.eq_ignore_ascii_case("headers"),
                key_files,
            ),
            toml::Value::Array(a) => {
                for item in a {
                    match item {
                        toml::Value::Table(inner) => add_toml(s, inner, secret, key_files),
                        toml::Value::String(x) if secret => s.add(x),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
}

/// The body lines of a private key file, so a copy of its contents is recognised anywhere.
fn add_key_file(s: &mut Scrubber, path: &Path) {
    let mut buf = Vec::new();
    let read = std::fs::File::open(path).and_then(|f| f.take(MAX_KEY_FILE).read_to_end(&mut buf));
    if read.is_err() {
        return;
    }
    let text = String::from_utf8_lossy(&buf);
    let body: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("-----"))
        .collect();
    // The whole body too (with and without its line breaks): a server may echo it back in one
    // piece. The `-----BEGIN ...-----` lines are no secret and stay, so a reader still sees
    // that a key was there.
    s.add_exact(&body.join("\n"));
    s.add_exact(&body.concat());
    for line in body {
        if line.len() >= 16 {
            s.add(line);
        }
    }
}
