"""The reference Python OTLP exporter, as users run it: one span, default settings.

Settings come from the standard OTEL_EXPORTER_OTLP_* variables (endpoint, protocol,
certificate, client certificate and key), exactly as the SDK reads them; nothing else is set,
so the exporter keeps its default timeout (10 s) and its retry-with-backoff policy.
A SimpleSpanProcessor exports on span end, synchronously: the process exits once the exporter
has its verdict. Prints `RESULT <SUCCESS|FAILURE> <seconds>` and, with -v, every warning or
error the SDK logged (the text a user would see).
"""
import logging
import os
import sys
import time

verbose = "-v" in sys.argv
lines = []


class Keep(logging.Handler):
    def emit(self, record):
        lines.append(record.getMessage())


logging.getLogger().addHandler(Keep(level=logging.WARNING))
logging.getLogger().setLevel(logging.WARNING)

start = time.monotonic()
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult  # noqa: E402

proto = os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
if proto == "grpc":
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
else:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

exporter = OTLPSpanExporter()
result = {}


class Recording:
    """Wraps the exporter to keep its verdict (SimpleSpanProcessor drops it)."""

    def export(self, spans):
        r = exporter.export(spans)
        result["r"] = r
        return r

    def shutdown(self):
        exporter.shutdown()

    def force_flush(self, timeout_millis=30000):
        return True


provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(Recording()))
t0 = time.monotonic()
with provider.get_tracer("bench").start_as_current_span("bench span"):
    pass
took = time.monotonic() - t0
provider.shutdown()
ok = result.get("r") == SpanExportResult.SUCCESS
print(f"RESULT {'SUCCESS' if ok else 'FAILURE'} {took:.3f}")
if verbose:
    for line in lines:
        print("LOG " + " ".join(line.split()))
sys.exit(0 if ok else 1)
