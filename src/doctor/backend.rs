//! The backend stage: proof that the canary arrived, from a trace-by-id API.
