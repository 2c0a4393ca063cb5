//! Context-free wording per cause (summary and fix), used by `runner doctor explain`.
