"""Python SDK throughput to a collector, the same workload as benches/pipeline.rs.

Usage: py_throughput.py grpc|http ENDPOINT SPANS BURST
BatchSpanProcessor (defaults: queue 2048, batch 512) + the OTLP exporter; spans are emitted
in bursts of BURST (below the queue size, so none are dropped), each burst followed by
force_flush, the way the Rust bench does it. Prints one JSON line.
"""
import json
import resource
import sys
import time

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExportResult

proto, endpoint, total, burst = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
if proto == "grpc":
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

    inner = OTLPSpanExporter(endpoint=endpoint, insecure=True)
else:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    inner = OTLPSpanExporter(endpoint=endpoint.rstrip("/") + "/v1/traces")

counts = {"ok": 0, "failed": 0}


class Counting:
    def export(self, spans):
        r = inner.export(spans)
        counts["ok" if r == SpanExportResult.SUCCESS else "failed"] += len(spans)
        return r

    def shutdown(self):
        inner.shutdown()

    def force_flush(self, timeout_millis=30000):
        return True


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


provider = TracerProvider()
provider.add_span_processor(BatchSpanProcessor(Counting()))
tracer = provider.get_tracer("bench")
attrs = {
    "cicd.pipeline.task.name": "build",
    "cicd.pipeline.task.run.id": "123456",
    "runner.executor": "shell",
    "vcs.ref.head.revision": "0123456789abcdef0123456789abcdef01234567",
    "step.index": 3,
}
c0, t0 = cpu(), time.monotonic()
emitted = 0
while emitted < total:
    n = min(burst, total - emitted)
    for i in range(n):
        with tracer.start_as_current_span(f"step {i % 16}", attributes=attrs):
            pass
    emitted += n
    provider.force_flush()
provider.shutdown()
wall, used = time.monotonic() - t0, cpu() - c0
print(json.dumps({
    "impl": "python", "protocol": proto, "spans": total, "exported": counts["ok"],
    "failed": counts["failed"], "dropped": total - counts["ok"] - counts["failed"],
    "wall_s": round(wall, 4), "spans_per_s": round(counts["ok"] / wall),
    "cpu_s": round(used, 4), "cpu_ms_per_1000": round(used * 1000 / (total / 1000), 3),
}))
