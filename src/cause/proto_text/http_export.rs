//! Wording of HTTP export answers (status codes, bodies).

