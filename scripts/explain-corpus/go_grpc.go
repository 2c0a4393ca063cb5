// A gRPC unary call (the OTLP trace Export method) with a raw-bytes codec, so no generated
// protobuf code is needed: prints the call's error as grpc-go formats it.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io/ioutil"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

type rawCodec struct{}

func (rawCodec) Marshal(v interface{}) ([]byte, error)      { return *(v.(*[]byte)), nil }
func (rawCodec) Unmarshal(data []byte, v interface{}) error { *(v.(*[]byte)) = data; return nil }
func (rawCodec) Name() string                               { return "proto" }
func (rawCodec) String() string                             { return "proto" }

func main() {
	target := flag.String("target", "127.0.0.1:4317", "host:port")
	useTLS := flag.Bool("tls", false, "use TLS")
	ca := flag.String("ca", "", "CA file")
	cert := flag.String("cert", "", "client certificate")
	key := flag.String("key", "", "client key")
	flag.Parse()
	opts := []grpc.DialOption{}
	if *useTLS {
		cfg := &tls.Config{}
		if *ca != "" {
			pem, err := ioutil.ReadFile(*ca)
			if err != nil {
				fmt.Println("ERR: " + err.Error())
				os.Exit(1)
			}
			pool := x509.NewCertPool()
			pool.AppendCertsFromPEM(pem)
			cfg.RootCAs = pool
		}
		if *cert != "" {
			c, err := tls.LoadX509KeyPair(*cert, *key)
			if err == nil {
				cfg.Certificates = []tls.Certificate{c}
			}
		}
		opts = append(opts, grpc.WithTransportCredentials(credentials.NewTLS(cfg)))
	} else {
		opts = append(opts, grpc.WithInsecure())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	conn, err := grpc.DialContext(ctx, *target, opts...)
	if err != nil {
		fmt.Println("ERR: " + err.Error())
		return
	}
	defer conn.Close()
	// As the OTel Go exporter: no WithBlock, so the call reports the transport error.
	req := []byte{}
	var resp []byte
	err = conn.Invoke(ctx, "/opentelemetry.proto.collector.trace.v1.TraceService/Export", &req, &resp, grpc.ForceCodec(rawCodec{}))
	if err != nil {
		fmt.Println("ERR: " + err.Error())
	}
}
