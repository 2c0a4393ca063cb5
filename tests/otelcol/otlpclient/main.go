// Command otlpclient exports one span with the OpenTelemetry Go SDK's own OTLP trace exporters
// (otlptracegrpc or otlptracehttp), configured by the standard OTEL_EXPORTER_OTLP_* variables
// like any Go program, and prints "ok" or the exporter's error line: what a Go service or
// runner logs when its traces do not arrive. Built beside the collector by
// scripts/build-otelcol.sh; used by runner's tests to see a real Go client's answer.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

func main() {
	pad := flag.Int("pad", 0, "bytes of padding in one span attribute (to cross size limits)")
	retry := flag.Bool("retry", false, "keep the exporter's default retries (up to a minute)")
	flag.Parse()

	proto := os.Getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if proto == "" {
		proto = os.Getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	var client otlptrace.Client
	switch proto {
	case "", "grpc":
		opts := []otlptracegrpc.Option{}
		if !*retry {
			opts = append(opts, otlptracegrpc.WithRetry(otlptracegrpc.RetryConfig{Enabled: false}))
		}
		client = otlptracegrpc.NewClient(opts...)
	case "http/protobuf":
		opts := []otlptracehttp.Option{}
		if !*retry {
			opts = append(opts, otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: false}))
		}
		client = otlptracehttp.NewClient(opts...)
	default:
		fmt.Fprintf(os.Stderr, "otlpclient: protocol %q: want grpc or http/protobuf\n", proto)
		os.Exit(2)
	}
	exp, err := otlptrace.New(ctx, client)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	defer func() { _ = exp.Shutdown(context.Background()) }()

	tid, _ := trace.TraceIDFromHex("5b8efff798038103d269b633813fc60d")
	sid, _ := trace.SpanIDFromHex("eee19b7ec3c1b175")
	now := time.Now()
	stub := tracetest.SpanStub{
		Name:        "otlpclient",
		SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled}),
		StartTime:   now,
		EndTime:     now.Add(time.Millisecond),
	}
	if *pad > 0 {
		stub.Attributes = []attribute.KeyValue{attribute.String("pad", strings.Repeat("x", *pad))}
	}
	if err := exp.ExportSpans(ctx, []sdktrace.ReadOnlySpan{stub.Snapshot()}); err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("ok", tid.String())
}
