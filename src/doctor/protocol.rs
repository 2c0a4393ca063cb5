//! The protocol stage: does the peer speak gRPC (h2) or HTTP as configured.
