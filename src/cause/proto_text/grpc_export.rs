//! Wording of gRPC export answers (grpc-status, non-gRPC responses).

