// An OTLP/HTTP POST with net/http: prints the transport error, or the status as the Go OTLP
// exporter words it (`failed to send to URL: STATUS`).
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io/ioutil"
	"net/http"
	"time"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:4318/v1/traces", "URL")
	ca := flag.String("ca", "", "CA file")
	flag.Parse()
	cfg := &tls.Config{}
	if *ca != "" {
		pem, _ := ioutil.ReadFile(*ca)
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		cfg.RootCAs = pool
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = cfg
	client := &http.Client{Transport: tr, Timeout: 3 * time.Second}
	ctx := context.Background()
	req, _ := http.NewRequestWithContext(ctx, "POST", *url, bytes.NewReader([]byte{}))
	req.Header.Set("Content-Type", "application/x-protobuf")
	resp, err := client.Do(req)
	if err != nil {
		fmt.Println("ERR: " + err.Error())
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		fmt.Printf("ERR: failed to send to %s: %s\n", *url, resp.Status)
	}
}
