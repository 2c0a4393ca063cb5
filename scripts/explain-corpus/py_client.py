"""Exports one span with the official Python OTLP exporters (grpc, http) or makes a raw grpcio
call, printing every log record and error as one `ERR: ` line."""
import logging
import sys

kind, target = sys.argv[1], sys.argv[2]
ca = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] else None


class Say(logging.Handler):
    def emit(self, record):
        msg = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            msg += " " + repr(record.exc_info[1])
        for line in msg.splitlines():
            if line.strip():
                print("ERR: " + line, flush=True)


logging.basicConfig(level=logging.WARNING, handlers=[Say()])

if kind == "grpcio":
    import grpc

    if ca is not None or target.startswith("tls:"):
        host = target.removeprefix("tls:")
        roots = open(ca, "rb").read() if ca else None
        ch = grpc.secure_channel(host, grpc.ssl_channel_credentials(roots))
    else:
        ch = grpc.insecure_channel(target)
    call = ch.unary_unary("/opentelemetry.proto.collector.trace.v1.TraceService/Export")
    try:
        call(b"", timeout=3)
    except grpc.RpcError as e:
        print("ERR: " + str(e.code()) + " " + str(e.details()), flush=True)
        for line in str(e).splitlines():
            print("ERR: " + line.strip(), flush=True)
    sys.exit(0)

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

if kind == "grpc":
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

    insecure = target.startswith("http://")
    exp = OTLPSpanExporter(endpoint=target, insecure=insecure, timeout=3)
    if ca:
        import grpc

        exp = OTLPSpanExporter(endpoint=target, credentials=grpc.ssl_channel_credentials(open(ca, "rb").read()), timeout=3)
else:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    exp = OTLPSpanExporter(endpoint=target, timeout=3, certificate_file=ca or None)
tp = TracerProvider()
tp.add_span_processor(SimpleSpanProcessor(exp))
tp.get_tracer("corpus").start_span("probe").end()
tp.shutdown()
