//! The target of a probe as wording sees it: the signal's settings, its endpoint, the proxy.

use crate::config::{Endpoint, ProxySettings, SignalSettings};

/// What a sentence about one probed target may name: settings (with their sources), the parsed
/// endpoint and the proxy settings. Never how the doctor runs (timeouts, verbosity).
#[derive(Clone, Copy, Debug)]
pub struct Target<'a> {
    pub settings: &'a SignalSettings,
    pub endpoint: &'a Endpoint,
    pub proxy: &'a ProxySettings,
}
