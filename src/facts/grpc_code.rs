//! gRPC status codes by name (`UNIMPLEMENTED`), as the gRPC specification names them: what a
//! report or a log shows instead of tonic's `Debug` form (`Unimplemented`).

/// The names of codes 0 to 16, by number.
const NAMES: [&str; 17] = [
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
];

/// The name of a code; `None` for a number the specification does not define.
pub fn name(code: u64) -> Option<&'static str> {
    usize::try_from(code)
        .ok()
        .and_then(|c| NAMES.get(c))
        .copied()
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_follow_tonic_numbers() {
        assert_eq!(
            super::name(tonic::Code::Unimplemented as u64),
            Some("UNIMPLEMENTED")
        );
        assert_eq!(
            super::name(tonic::Code::Unauthenticated as u64),
            Some("UNAUTHENTICATED")
        );
        assert_eq!(super::name(17), None);
    }
}
