//! Wording of pipeline findings (canary, backend).
