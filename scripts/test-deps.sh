#!/usr/bin/env bash
# Installs what the test suite needs on a fresh machine: Debian packages for the real load
# balancers and name server, and the rotel collector from PyPI. Idempotent and quick when done.
set -euo pipefail

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
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "test-deps: installing Debian packages: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if ! python3 -c 'import rotel' >/dev/null 2>&1; then
  echo "test-deps: installing the rotel collector from PyPI"
  python3 -m pip install -q --disable-pip-version-check rotel
fi

# Tests find rotel-agent through this file (it lives inside the Python package).
rotel_dir=$(python3 -c 'import rotel,os;print(os.path.dirname(rotel.__file__))')
libdir=$(python3 -c 'import sysconfig;print(sysconfig.get_config_var("LIBDIR"))')
mkdir -p target
cat > target/test-deps.env <<ENV
ROTEL_AGENT=$rotel_dir/rotel-agent
ROTEL_LD_LIBRARY_PATH=$libdir
ENV
echo "test-deps: ready (rotel at $rotel_dir/rotel-agent)"
