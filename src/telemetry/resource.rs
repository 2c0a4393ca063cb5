//! The resource (who is exporting) and the sampler, built only from `Settings`: the SDK's own
//! environment detectors are never used, so nothing appears that the doctor did not show.

use super::Identity;
use crate::config::{Sampler as SamplerSetting, Settings};
use opentelemetry::KeyValue;
use opentelemetry_sdk::trace::Sampler;
use opentelemetry_sdk::Resource;

/// The service name when neither `OTEL_SERVICE_NAME` nor `service.name` is configured.
pub const DEFAULT_SERVICE_NAME: &str = "runner";

/// Defaults first, then `OTEL_RESOURCE_ATTRIBUTES`, then `OTEL_SERVICE_NAME` (which the
/// specification says wins over a `service.name` in the attributes).
pub fn attributes(settings: &Settings, identity: &Identity) -> Vec<(String, String)> {
    let mut attrs: Vec<(String, String)> = vec![
        ("service.name".into(), DEFAULT_SERVICE_NAME.into()),
        ("service.version".into(), crate::VERSION.into()),
        ("telemetry.sdk.name".into(), "opentelemetry".into()),
        ("telemetry.sdk.language".into(), "rust".into()),
    ];
    if let Some(host) = host_name() {
        attrs.push(("host.name".into(), host));
    }
    if let Some(name) = &identity.runner_name {
        attrs.push(("runner.name".into(), name.clone()));
    }
    let mut set = |k: &str, v: &str| match attrs.iter_mut().find(|(key, _)| key == k) {
        Some(slot) => slot.1 = v.to_owned(),
        None => attrs.push((k.to_owned(), v.to_owned())),
    };
    for (k, v) in &settings.resource_attributes.value {
        set(k, v);
    }
    if let Some(name) = &settings.service_name {
        if !name.value.trim().is_empty() {
            set("service.name", &name.value);
        }
    }
    attrs
}

pub fn resource(settings: &Settings, identity: &Identity) -> Resource {
    Resource::builder_empty()
        .with_attributes(
            attributes(settings, identity)
                .into_iter()
                .map(|(k, v)| KeyValue::new(k, v)),
        )
        .build()
}

pub fn sampler(setting: &SamplerSetting) -> Sampler {
    match *setting {
        SamplerSetting::AlwaysOn => Sampler::AlwaysOn,
        SamplerSetting::AlwaysOff => Sampler::AlwaysOff,
        SamplerSetting::TraceIdRatio(r) => Sampler::TraceIdRatioBased(r),
        SamplerSetting::ParentBasedAlwaysOn => Sampler::ParentBased(Box::new(Sampler::AlwaysOn)),
        SamplerSetting::ParentBasedAlwaysOff => Sampler::ParentBased(Box::new(Sampler::AlwaysOff)),
        SamplerSetting::ParentBasedTraceIdRatio(r) => {
            Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(r)))
        }
    }
}

/// The kernel's host name (no extra crate, no subprocess).
fn host_name() -> Option<String> {
    let from_file = |p: &str| {
        std::fs::read_to_string(p)
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    from_file("/proc/sys/kernel/hostname")
        .or_else(|| from_file("/etc/hostname"))
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|s| !s.is_empty()))
}
