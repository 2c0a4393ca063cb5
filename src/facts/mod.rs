//! Typed observations: what peers and the system did, as data (no wording).

pub mod peer_text;
