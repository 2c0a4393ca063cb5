//! The canary stage: a real span through the runner's own telemetry pipeline.
