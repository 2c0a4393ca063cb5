//! The runner's real OpenTelemetry pipeline, built from `Settings` in one place.
