#!/usr/bin/env bash
# Starts a real OpenTelemetry collector (rotel, from PyPI, as the tests use) on loopback, so the
# README's tour can be followed as written: OTLP/gRPC on 127.0.0.1:14317, OTLP/HTTP on
# 127.0.0.1:14318, received spans printed to the terminal. Ctrl-C stops it.
# Usage: bash scripts/try-collector.sh [GRPC_PORT HTTP_PORT]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
grpc_port=${1:-14317}
http_port=${2:-14318}
cd "$root"
# Installs rotel (and libpython, which it links against) when missing; quick when present.
bash scripts/test-deps.sh >/dev/null
# shellcheck disable=SC1091
. "$root/target/test-deps.env"
echo "try-collector: rotel on 127.0.0.1:$grpc_port (OTLP/gRPC) and 127.0.0.1:$http_port (OTLP/HTTP); Ctrl-C stops it"
echo "try-collector: in another terminal:"
echo "  OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$grpc_port OTEL_EXPORTER_OTLP_PROTOCOL=grpc runner doctor otel"
exec env LD_LIBRARY_PATH="${ROTEL_LD_LIBRARY_PATH:-}" "$ROTEL_AGENT" start \
  --otlp-grpc-endpoint "127.0.0.1:$grpc_port" \
  --otlp-http-endpoint "127.0.0.1:$http_port" \
  --exporter blackhole \
  --debug-log traces --debug-log-verbosity basic
