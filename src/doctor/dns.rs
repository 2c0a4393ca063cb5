//! The dns stage: every A and AAAA answer for the endpoint host, with timing.
