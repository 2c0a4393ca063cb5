//! The tcp stage: connect to every address of both families.
