#!/usr/bin/env bash
# Regenerates tests/data/explain-corpus.tsv: starts the failure cases of the real-component
# suite on loopback (rotel, nginx, haproxy, a silent server, a dead port, a `.invalid` name),
# runs real clients against each (Go grpc-go and net/http, Node's OTLP exporters, Python's OTLP
# exporters and grpcio, curl, openssl s_client) and records the error lines they print, labelled
# with the case's cause. Java and .NET lines come from static-lines.tsv (quoted from their
# sources). Not run in CI: CI reads the committed data file. Loopback only; every client run is
# bounded by `timeout`. Needs: golang-go golang-google-grpc-dev nodejs npm python3-venv nginx
# libnginx-mod-stream haproxy curl openssl, and rotel (scripts/test-deps.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=${EXPLAIN_CORPUS_WORK:-$repo/target/explain-corpus}
out=${EXPLAIN_CORPUS_OUT:-$repo/tests/data/explain-corpus.tsv}
mkdir -p "$work"/{certs,nginx/tmp,haproxy,go,node,py}

# --- clients -------------------------------------------------------------------------------
if [ ! -x "$work/py/venv/bin/python" ]; then
  python3 -m venv "$work/py/venv"
  "$work/py/venv/bin/pip" install -q opentelemetry-sdk opentelemetry-exporter-otlp-proto-grpc \
    opentelemetry-exporter-otlp-proto-http grpcio requests cryptography
fi
py="$work/py/venv/bin/python"
if [ ! -d "$work/node/node_modules/@opentelemetry/exporter-trace-otlp-grpc" ]; then
  (cd "$work/node" && npm init -y >/dev/null && npm install -q --no-audit --no-fund \
    @opentelemetry/api @opentelemetry/sdk-trace-base @opentelemetry/exporter-trace-otlp-grpc \
    @opentelemetry/exporter-trace-otlp-proto >/dev/null)
fi
cp "$here/node_client.js" "$work/node/"
for prog in go_grpc go_http; do
  GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$work/go/cache" \
    go build -o "$work/go/$prog" "$here/$prog.go"
done
"$py" "$here/certs.py" "$work/certs"
c="$work/certs"

# --- versions ------------------------------------------------------------------------------
v_go="go$(go env GOVERSION | sed 's/^go//')/grpc-go-$(dpkg-query -W -f '${Version}' golang-google-grpc-dev 2>/dev/null | cut -d- -f1)"
v_gohttp="go$(go env GOVERSION | sed 's/^go//')/net-http"
nodever() { node -p "require('$work/node/node_modules/$1/package.json').version"; }
v_node_grpc="node$(node -v | tr -d v)/exporter-trace-otlp-grpc-$(nodever @opentelemetry/exporter-trace-otlp-grpc)"
v_node_proto="node$(node -v | tr -d v)/exporter-trace-otlp-proto-$(nodever @opentelemetry/exporter-trace-otlp-proto)"
pyver() { "$py" -c "import importlib.metadata as m;print(m.version('$1'))"; }
v_py_grpc="python$("$py" -c 'import platform;print(platform.python_version())')/opentelemetry-exporter-otlp-proto-grpc-$(pyver opentelemetry-exporter-otlp-proto-grpc)"
v_py_http="python/opentelemetry-exporter-otlp-proto-http-$(pyver opentelemetry-exporter-otlp-proto-http)"
v_grpcio="python/grpcio-$(pyver grpcio)"
v_curl="curl-$(curl -V | head -1 | cut -d' ' -f2)"
v_openssl="openssl-$(openssl version | cut -d' ' -f2)"

# --- servers -------------------------------------------------------------------------------
base=$((20000 + RANDOM % 30000))
P_GRPC=$base P_HTTP=$((base + 1)) P_DEAD=$((base + 2)) P_TLS=$((base + 3)) P_SELF=$((base + 4))
P_WRONG=$((base + 5)) P_EXPIRED=$((base + 6)) P_MTLS_HA=$((base + 7)) P_MTLS_NG=$((base + 8))
P_LB=$((base + 9)) P_502=$((base + 10)) P_502G=$((base + 11)) P_401=$((base + 12))
P_401G=$((base + 13)) P_REDIR=$((base + 14)) P_SILENT=$((base + 15))
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# shellcheck disable=SC1091
. "$repo/target/test-deps.env"
LD_LIBRARY_PATH="$ROTEL_LD_LIBRARY_PATH" "$ROTEL_AGENT" start --otlp-grpc-endpoint 127.0.0.1:$P_GRPC \
  --otlp-http-endpoint 127.0.0.1:$P_HTTP --exporter blackhole >"$work/rotel.log" 2>&1 &
pids+=($!)

# One TLS server per certificate: gRPC paths go to rotel's gRPC port, the rest to its HTTP port.
tls_server() { # port pem extra
  cat <<NG
server { listen 127.0.0.1:$1 ssl http2; ssl_certificate $c/$2.crt; ssl_certificate_key $c/$2.key; $3
  location /opentelemetry. { grpc_pass grpc://127.0.0.1:$P_GRPC; }
  location / { proxy_pass http://127.0.0.1:$P_HTTP; } }
NG
}
n="$work/nginx"
cat >"$n/nginx.conf" <<NG
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
user root; worker_processes 1; pid $n/nginx.pid; error_log $n/error.log info;
events { worker_connections 128; }
http { access_log $n/access.log; client_body_temp_path $n/tmp; proxy_temp_path $n/tmp;
  fastcgi_temp_path $n/tmp; uwsgi_temp_path $n/tmp; scgi_temp_path $n/tmp;
  proxy_connect_timeout 1s; grpc_connect_timeout 1s;
$(tls_server $P_TLS server "")
$(tls_server $P_SELF self-signed "")
$(tls_server $P_WRONG wrong-name "")
$(tls_server $P_EXPIRED expired "")
$(tls_server $P_MTLS_NG server "ssl_client_certificate $c/ca.crt; ssl_verify_client on;")
server { listen 127.0.0.1:$P_502; location / { proxy_pass http://127.0.0.1:$P_DEAD; } }
server { listen 127.0.0.1:$P_502G http2; location / { grpc_pass grpc://127.0.0.1:$P_DEAD; } }
server { listen 127.0.0.1:$P_401; location / { return 401; } }
server { listen 127.0.0.1:$P_401G http2; location / { return 401; } }
server { listen 127.0.0.1:$P_REDIR; location / { return 301 http://127.0.0.1:$P_HTTP\$request_uri; } }
}
stream { proxy_connect_timeout 1s; server { listen 127.0.0.1:$P_LB; proxy_pass 127.0.0.1:$P_DEAD; } }
NG
nginx -p "$n" -c "$n/nginx.conf" -e "$n/error.log" -g 'daemon off;' &
pids+=($!)

cat >"$work/haproxy/haproxy.cfg" <<HA
defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s
frontend otlp
  bind 127.0.0.1:$P_MTLS_HA ssl crt $c/server.pem ca-file $c/ca.crt verify required alpn h2,http/1.1
  default_backend collector
backend collector
  server rotel 127.0.0.1:$P_GRPC proto h2
HA
haproxy -f "$work/haproxy/haproxy.cfg" -db >"$work/haproxy/log" 2>&1 &
pids+=($!)

# A silent server: accepts and never answers.
"$py" -c "
import socket,time
s=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)
s.bind(('127.0.0.1',$P_SILENT));s.listen(64);k=[]
while True: k.append(s.accept()[0])
" &
pids+=($!)

for p in $P_GRPC $P_HTTP $P_TLS $P_MTLS_HA $P_LB $P_SILENT; do
  for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && break; sleep 0.1; done
done

set +e  # a client that fails is the point; its exit status is not
# --- cases ---------------------------------------------------------------------------------
raw="$work/raw.tsv"
: >"$raw"
T="timeout -k 1 12"
record() { # client version cause  (reads the client's output on stdin)
  local line
  while IFS= read -r line; do
    line=${line%$'\r'}
    case "$line" in ERR:\ *) line=${line#ERR: } ;; *) continue ;; esac
    [ -n "$line" ] && printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${line//$'\t'/ }" >>"$raw"
  done
  return 0
}
curl_err() { sed -n 's/^\(curl: (.*\)$/ERR: \1/p'; }
ssl_err() { grep -E ':error:|verify error|errno=|Verify return code: [1-9]|alert' | sed 's/^/ERR: /'; }

# grpc_case CAUSE URL [CA] [ENV...] — every gRPC client against URL (http:// or https://)
grpc_case() {
  local cause=$1 url=$2 ca=${3:-}
  shift 3 || shift $#
  local hp=${url#*://} tls=false
  [ "${url%%://*}" = https ] && tls=true
  env "$@" $T "$work/go/go_grpc" -target "$hp" -tls=$tls ${ca:+-ca "$ca"} 2>&1 | record go-grpc "$v_go" "$cause"
  (cd "$work/node" && env "$@" $T node node_client.js grpc "$url" "$ca" 2>&1) | record node-grpc "$v_node_grpc" "$cause"
  env "$@" $T "$py" "$here/py_client.py" grpc "$url" "$ca" 2>&1 | record python-grpc "$v_py_grpc" "$cause"
  local t=$hp
  $tls && t="tls:$hp"
  env "$@" $T "$py" "$here/py_client.py" grpcio "$t" "$ca" 2>&1 | record python-grpcio "$v_grpcio" "$cause"
  if $tls; then
    local host=${hp%:*}
    env "$@" $T openssl s_client -connect "$hp" -servername "$host" -verify_return_error \
      -verify_hostname "$host" ${ca:+-CAfile "$ca"} </dev/null 2>&1 | ssl_err | record openssl "$v_openssl" "$cause"
  fi
}
# http_case CAUSE URL [CA] [ENV...] — every HTTP client against URL
http_case() {
  local cause=$1 url=$2 ca=${3:-}
  shift 3 || shift $#
  env "$@" $T "$work/go/go_http" -url "$url" ${ca:+-ca "$ca"} 2>&1 | record go-http "$v_gohttp" "$cause"
  (cd "$work/node" && env ${ca:+NODE_EXTRA_CA_CERTS="$ca"} "$@" $T node node_client.js proto "$url" "$ca" 2>&1) | record node-proto "$v_node_proto" "$cause"
  env ${ca:+REQUESTS_CA_BUNDLE="$ca" OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE="$ca"} "$@" $T "$py" "$here/py_client.py" http "$url" "$ca" 2>&1 | record python-http "$v_py_http" "$cause"
  env "$@" $T curl -sS --fail -X POST --max-time 3 -H 'content-type: application/x-protobuf' \
    --data-binary '' ${ca:+--cacert "$ca"} "$url" 2>&1 | curl_err | record curl "$v_curl" "$cause"
}
# Cases run six at a time (clients mostly wait on their 3 s timeouts).
cases=()
bg() {
  "$@" &
  cases+=($!)
  while [ "$(jobs -rp | wc -l)" -ge $((${#pids[@]} + 6)) ]; do sleep 0.2; done
}
L=127.0.0.1
echo "corpus: running cases (ports $base..$((base + 15)))" >&2
bg grpc_case tls_to_plaintext "https://localhost:$P_GRPC" "$c/ca.crt"
bg http_case tls_to_plaintext "https://localhost:$P_HTTP/v1/traces" "$c/ca.crt"
bg grpc_case plaintext_to_tls "http://$L:$P_TLS" ""
bg http_case plaintext_to_tls "http://$L:$P_TLS/v1/traces" ""
bg grpc_case tls_unknown_ca "https://localhost:$P_SELF" ""
bg http_case tls_unknown_ca "https://localhost:$P_SELF/v1/traces" ""
bg grpc_case tls_unknown_ca "https://localhost:$P_TLS" ""
bg grpc_case tls_hostname_mismatch "https://$L:$P_WRONG" "$c/ca.crt"
bg http_case tls_hostname_mismatch "https://$L:$P_WRONG/v1/traces" "$c/ca.crt"
bg grpc_case tls_hostname_mismatch "https://localhost:$P_WRONG" "$c/ca.crt"
bg http_case tls_hostname_mismatch "https://localhost:$P_WRONG/v1/traces" "$c/ca.crt"
bg grpc_case tls_cert_expired "https://localhost:$P_EXPIRED" "$c/ca.crt"
bg http_case tls_cert_expired "https://localhost:$P_EXPIRED/v1/traces" "$c/ca.crt"
bg grpc_case tls_client_cert_required "https://localhost:$P_MTLS_HA" "$c/ca.crt"
bg http_case tls_client_cert_required "https://localhost:$P_MTLS_HA/v1/traces" "$c/ca.crt"
bg grpc_case tls_client_cert_required "https://localhost:$P_MTLS_NG" "$c/ca.crt"
bg http_case tls_client_cert_required "https://localhost:$P_MTLS_NG/v1/traces" "$c/ca.crt"
bg grpc_case accept_then_close "http://$L:$P_LB" ""
bg grpc_case accept_then_close "https://localhost:$P_LB" "$c/ca.crt"
bg http_case accept_then_close "http://$L:$P_LB/v1/traces" ""
bg grpc_case tcp_refused "http://$L:$P_DEAD" ""
bg http_case tcp_refused "http://$L:$P_DEAD/v1/traces" ""
bg http_case http_to_grpc_port "http://$L:$P_GRPC/v1/traces" ""
bg grpc_case grpc_to_http_port "http://$L:$P_HTTP" ""
bg http_case signal_path_missing "http://$L:$P_HTTP/" ""
bg http_case http_upstream_unavailable "http://$L:$P_502/v1/traces" ""
bg grpc_case grpc_unavailable "http://$L:$P_502G" ""
bg http_case http_auth_rejected "http://$L:$P_401/v1/traces" ""
bg grpc_case grpc_unauthenticated "http://$L:$P_401G" ""
bg http_case http_redirect "http://$L:$P_REDIR/v1/traces" ""
bg grpc_case response_timeout "http://$L:$P_SILENT" ""
bg http_case response_timeout "http://$L:$P_SILENT/v1/traces" ""
proxy=(HTTPS_PROXY=http://$L:$P_DEAD HTTP_PROXY=http://$L:$P_DEAD https_proxy=http://$L:$P_DEAD
  http_proxy=http://$L:$P_DEAD grpc_proxy=http://$L:$P_DEAD NO_PROXY= no_proxy=)
bg grpc_case proxy_failure "http://collector.invalid:4317" "" "${proxy[@]}"
bg http_case proxy_failure "http://collector.invalid:4318/v1/traces" "" "${proxy[@]}"
bg grpc_case dns_nxdomain "http://collector.invalid:4317" ""
bg http_case dns_nxdomain "http://collector.invalid:4318/v1/traces" ""

wait "${cases[@]}"

# --- label and write -----------------------------------------------------------------------
# Ports and times vary per run: kept as printed. Lines that do not name their cause (same text
# from several failures) are labelled `vague:<case cause>` by vague-lines.txt.
"$py" "$here/label.py" "$raw" "$here/vague-lines.txt" "$here/static-lines.tsv" "$out"
echo "corpus: wrote $(grep -vc '^#' "$out") lines to $out" >&2
