// Exports one span with the OTel JS OTLP exporter (grpc or proto) and prints what the SDK's
// diag logger and the export result say, one `ERR: ` line per message.
const { diag, DiagLogLevel } = require('@opentelemetry/api');
const fs = require('fs');
const [kind, url, ca] = process.argv.slice(2);
const util = require('util');
// As the SDK's DiagConsoleLogger prints (console.error formats with util.format), minus stack frames.
const say = (...a) => {
  for (const l of util.format(...a).split('\n')) if (l.trim() && !/^\s+at /.test(l)) console.log('ERR: ' + l.trim());
};
diag.setLogger({ error: say, warn: say, info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);
const { BasicTracerProvider, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
let exporter;
if (kind === 'grpc') {
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc');
  const grpc = require('@grpc/grpc-js');
  const opts = { url, timeoutMillis: 3000 };
  if (url.startsWith('https')) opts.credentials = grpc.credentials.createSsl(ca ? fs.readFileSync(ca) : null);
  exporter = new OTLPTraceExporter(opts);
} else {
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
  if (ca) process.env.NODE_EXTRA_CA_CERTS = ca;
  exporter = new OTLPTraceExporter({ url, timeoutMillis: 3000 });
}
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const span = provider.getTracer('corpus').startSpan('probe');
span.end();
setTimeout(() => provider.shutdown().catch(say).finally(() => process.exit(0)), 4500);
