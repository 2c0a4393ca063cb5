//! The export stage: an empty OTLP export request, its answer classified.
