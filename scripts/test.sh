#!/usr/bin/env bash
# The whole test run, from a fresh machine: installs what the tests need, then the quality
# gates (format, lints) and every test, including those against real components.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-deps.sh
cargo fmt --check
cargo clippy --all-targets -- -D warnings
# Library, binary and integration tests (benches are run by scripts/bench, not here).
cargo test
