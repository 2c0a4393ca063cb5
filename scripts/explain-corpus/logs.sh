#!/usr/bin/env bash
# Regenerates tests/data/explain-logs/: whole logs written by real tools on loopback, for the
# `runner doctor explain --file` tests. rotel (a collector) exporting to a dead port (text log)
# and over TLS to a plaintext port (JSON log); Node's SDK with its console diag logger (stack
# traces) against a refused port; Python's SDK and grpcio with stdlib logging (tracebacks)
# against a plaintext port spoken to with TLS. Run after run.sh (reuses its clients). Not in CI.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=${EXPLAIN_CORPUS_WORK:-$repo/target/explain-corpus}
out=$repo/tests/data/explain-logs
mkdir -p "$out"
py="$work/py/venv/bin/python"
# shellcheck disable=SC1091
. "$repo/target/test-deps.env"
base=$((20000 + RANDOM % 30000))
DEAD=$((base + 9)) pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done' EXIT
rotel() { # log file, rotel args
  local log=$1
  shift
  LD_LIBRARY_PATH="$ROTEL_LD_LIBRARY_PATH" timeout -k 1 40 "$ROTEL_AGENT" start "$@" >"$log" 2>&1 &
  pids+=($!)
}
# A plain collector as the TLS-to-plaintext target, and two forwarding collectors.
rotel "$work/rotel-target.log" --otlp-grpc-endpoint 127.0.0.1:$base --otlp-http-endpoint 127.0.0.1:$((base + 1)) --exporter blackhole
rotel "$work/rotel-dead.log" --otlp-grpc-endpoint 127.0.0.1:$((base + 2)) --otlp-http-endpoint 127.0.0.1:$((base + 3)) --exporter otlp \
  --otlp-exporter-endpoint http://127.0.0.1:$DEAD --otlp-exporter-retry-max-elapsed-time 4s
rotel "$work/rotel-tls.log" --otlp-grpc-endpoint 127.0.0.1:$((base + 4)) --otlp-http-endpoint 127.0.0.1:$((base + 5)) --exporter otlp \
  --otlp-exporter-endpoint https://127.0.0.1:$base --otlp-exporter-retry-max-elapsed-time 4s --log-format json
sleep 2
for p in $((base + 3)) $((base + 5)); do
  for i in 1 2 3; do
    "$py" - "$p" <<'PY'
import sys
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
tp = TracerProvider(); tp.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=f"http://127.0.0.1:{sys.argv[1]}/v1/traces")))
tp.get_tracer("logs").start_span("job").end(); tp.shutdown()
PY
    sleep 1
  done
done
# Node: the SDK's own console diag logger at INFO, exporting through a batch processor.
cat >"$work/node/diag_log.js" <<'JS'
const { diag, DiagConsoleLogger, DiagLogLevel } = require('@opentelemetry/api');
diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.INFO);
const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
const url = process.argv[2];
const p = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url, timeoutMillis: 2000 }), { scheduledDelayMillis: 500 })] });
const t = p.getTracer('logs');
console.log(new Date().toISOString(), 'info', 'job 1 started');
for (let i = 0; i < 3; i++) t.startSpan('step ' + i).end();
// An application's own error log of a failed request: console.error prints the stack over lines.
require('http').request(url, { method: 'POST' }, () => {}).on('error', (e) => console.error(new Date().toISOString(), 'error', 'export request failed:', e)).end();
setTimeout(() => { console.log(new Date().toISOString(), 'info', 'job 1 finished'); p.shutdown().finally(() => process.exit(0)); }, 4000);
JS
(cd "$work/node" && timeout -k 1 20 node diag_log.js "http://127.0.0.1:$DEAD/v1/traces") >"$out/node-sdk.log" 2>&1

# Python: stdlib logging with time stamps; the OTLP gRPC exporter over TLS to a plaintext port,
# then a grpcio call whose error is logged with its traceback.
timeout -k 1 30 "$py" - "$base" >"$out/python-sdk.log" 2>&1 <<'PY'
import logging, sys
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
log = logging.getLogger("app")
port = sys.argv[1]
log.info("job 7 started")
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
tp = TracerProvider(); tp.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=f"https://localhost:{port}", timeout=3)))
tp.get_tracer("logs").start_span("job").end(); tp.shutdown()
import grpc
try:
    grpc.secure_channel(f"localhost:{port}", grpc.ssl_channel_credentials()).unary_unary(
        "/opentelemetry.proto.collector.trace.v1.TraceService/Export")(b"", timeout=3)
except grpc.RpcError:
    log.exception("export call failed")
log.info("job 7 finished")
PY
sleep 6
for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
sleep 1
cp "$work/rotel-dead.log" "$out/rotel-collector.log"
cp "$work/rotel-tls.log" "$out/rotel-collector.jsonl"
wc -c "$out"/*
