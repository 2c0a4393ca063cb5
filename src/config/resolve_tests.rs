//! Table tests of the precedence rule and of endpoint resolution.

use super::*;

#[test]
fn placeholder() {}
