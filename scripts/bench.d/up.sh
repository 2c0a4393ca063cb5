# Sourced by scripts/bench: starts the real components on loopback (rotel, nginx TLS/mTLS/L4/L7,
# a silent peer), makes certificates, sets P_* ports and $pki, stops everything at exit.
# Needs: $out, $here, $python, $ROTEL_AGENT, $ROTEL_LD_LIBRARY_PATH.
run=$out/run
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$run/nginx.pid" ] && kill "$(cat "$run/nginx.pid")" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

# ---- loopback ports: held together so they differ, then released --------------------------
read -r P_GRPC P_HTTP P_TLS_GRPC P_TLS_GRPC7 P_TLS_HTTP P_MTLS P_STREAM P_L7 P_SILENT P_DEAD < <("$python" -c '
import socket
s=[socket.socket() for _ in range(10)]
for x in s: x.bind(("127.0.0.1",0))
print(*[x.getsockname()[1] for x in s])')

# ---- certificates ------------------------------------------------------------------------
pki=$run/pki && mkdir -p "$pki"
ossl() { openssl "$@" >/dev/null 2>&1; }
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj /CN=bench-ca -keyout "$pki/ca.key" -out "$pki/ca.crt" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
leaf() { # name eku
  ossl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$1" \
    -keyout "$pki/$1.key" -out "$pki/$1.csr"
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=%s\nkeyUsage=critical,digitalSignature\nbasicConstraints=CA:FALSE\n' "$2" >"$pki/$1.ext"
  ossl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 2 -extfile "$pki/$1.ext" -out "$pki/$1.crt"
}
leaf server serverAuth
leaf client clientAuth

# ---- rotel (plaintext gRPC + HTTP), nginx (TLS, mTLS, L4 and L7 to a dead port), silent peer
LD_LIBRARY_PATH=$ROTEL_LD_LIBRARY_PATH NO_COLOR=1 "$ROTEL_AGENT" start \
  --otlp-grpc-endpoint "127.0.0.1:$P_GRPC" --otlp-http-endpoint "127.0.0.1:$P_HTTP" \
  --exporter blackhole >"$run/rotel.log" 2>&1 &
pids+=($!)
"$python" "$here/silent.py" "$P_SILENT" &
pids+=($!)
mkdir -p "$run/nginx/tmp"
cat >"$run/nginx/nginx.conf" <<NGINX
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes 1;
error_log $run/nginx/error.log warn;
pid $run/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $run/nginx/tmp/body; proxy_temp_path $run/nginx/tmp/proxy;
  fastcgi_temp_path $run/nginx/tmp/fcgi; uwsgi_temp_path $run/nginx/tmp/uwsgi;
  scgi_temp_path $run/nginx/tmp/scgi;
  ssl_certificate $pki/server.crt; ssl_certificate_key $pki/server.key;
  # TLS in front of rotel's HTTP receiver (L7), and an L7 gRPC proxy (grpc_pass) in front of
  # its gRPC receiver.
  server { listen 127.0.0.1:$P_TLS_HTTP ssl;
           location / { proxy_pass http://127.0.0.1:$P_HTTP; proxy_http_version 1.1; } }
  server { listen 127.0.0.1:$P_TLS_GRPC7 ssl http2;
           location / { grpc_pass grpc://127.0.0.1:$P_GRPC; } }
  # L7 proxy whose only upstream is a closed port: 502.
  server { listen 127.0.0.1:$P_L7; location / { proxy_pass http://127.0.0.1:$P_DEAD; } }
}
stream {
  ssl_certificate $pki/server.crt; ssl_certificate_key $pki/server.key;
  # TLS terminated at L4 (ALPN h2) in front of rotel's gRPC receiver, and the same with mTLS.
  server { listen 127.0.0.1:$P_TLS_GRPC ssl; ssl_alpn h2; proxy_pass 127.0.0.1:$P_GRPC; }
  server { listen 127.0.0.1:$P_MTLS ssl; ssl_alpn h2; proxy_pass 127.0.0.1:$P_GRPC;
           ssl_client_certificate $pki/ca.crt; ssl_verify_client on; }
  # L4 proxy whose only upstream is a closed port: accepts, then closes.
  server { listen 127.0.0.1:$P_STREAM; proxy_pass 127.0.0.1:$P_DEAD; }
}
NGINX
nginx -p "$run/nginx" -c "$run/nginx/nginx.conf" -g 'daemon off;' 2>>"$run/nginx/error.log" &
pids+=($!)

wait_port() {
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "bench: nothing listens on 127.0.0.1:$1 (see $run)" >&2
  exit 1
}
for p in $P_GRPC $P_HTTP $P_TLS_GRPC $P_TLS_GRPC7 $P_TLS_HTTP $P_MTLS $P_STREAM $P_L7 $P_SILENT; do wait_port "$p"; done
cat >"$run/endpoints.env" <<ENV
P_GRPC=$P_GRPC P_HTTP=$P_HTTP P_TLS_GRPC=$P_TLS_GRPC P_TLS_GRPC7=$P_TLS_GRPC7 P_TLS_HTTP=$P_TLS_HTTP P_MTLS=$P_MTLS
P_STREAM=$P_STREAM P_L7=$P_L7 P_SILENT=$P_SILENT P_DEAD=$P_DEAD PKI=$pki
ENV
echo "bench: components up (rotel $P_GRPC/$P_HTTP, nginx TLS $P_TLS_GRPC/$P_TLS_GRPC7/$P_TLS_HTTP mTLS $P_MTLS, L4 $P_STREAM, L7 $P_L7, silent $P_SILENT, dead $P_DEAD)"

