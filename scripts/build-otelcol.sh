#!/usr/bin/env bash
# Builds the test suite's OpenTelemetry Collector (tests/otelcol: the current release's otlp
# receiver, otlp/otlphttp/debug exporters, batch and memory_limiter processors, bearer-token auth
# and health-check extensions) once per machine, and prints the binary's path. Beside it goes
# `otlpclient` (tests/otelcol/otlpclient: the OpenTelemetry Go SDK's OTLP trace exporters).
#
# Cached under ~/.cache/runner-otelcol/<version>/ with a stamp of the sources: a second run on the
# same machine (CI after a session) prints the path at once; a fresh machine downloads the modules
# from the Go module proxy and builds (minutes). Quiet unless it fails; bounded in time.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
src="$here/tests/otelcol"

go=$(command -v go 2>/dev/null || true)
[ -n "$go" ] || go=/usr/local/go/bin/go
if [ ! -x "$go" ]; then
  echo "build-otelcol: no Go toolchain (looked on PATH and at /usr/local/go/bin/go)" >&2
  exit 1
fi

# The release the collector modules come from (all at one release; see tests/otelcol/README.md).
version=$(sed -n 's|^\s*go.opentelemetry.io/collector/otelcol v\([0-9.]*\).*|\1|p' "$src/go.mod")
[ -n "$version" ] || { echo "build-otelcol: no otelcol version in $src/go.mod" >&2; exit 1; }
stamp=$(cat "$src/go.mod" "$src/go.sum" "$src"/*.go "$src"/otlpclient/*.go | sha256sum | cut -c1-16)

cache="${RUNNER_OTELCOL_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/runner-otelcol}/$version"
bin="$cache/otelcol"
if [ -x "$bin" ] && [ -x "$cache/otlpclient" ] && [ "$(cat "$cache/stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "$bin"
  exit 0
fi

mkdir -p "$cache"
log="$cache/build.log"
# One builder at a time on this machine; a second caller waits, then finds the binary.
exec 9>"$cache/lock"
flock -w 1800 9 || { echo "build-otelcol: another build holds $cache/lock" >&2; exit 1; }
if [ -x "$bin" ] && [ -x "$cache/otlpclient" ] && [ "$(cat "$cache/stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "$bin"
  exit 0
fi

export GOFLAGS=-mod=readonly   # go.sum is committed: the build is the one reviewed
export CGO_ENABLED=0
cd "$src"
fail() {
  echo "build-otelcol: $1 failed; last lines of $log:" >&2
  tail -n 20 "$log" >&2
  exit 1
}
# Module download (only the modules these two programs import): two tries (a registry hiccup),
# each bounded.
: >"$log"
ok=
for _ in 1 2; do
  if timeout 600 "$go" list -deps . ./otlpclient >/dev/null 2>>"$log"; then ok=1; break; fi
  sleep 5
done
[ -n "$ok" ] || fail "module download (go list -deps)"
tmp="$cache/otelcol.tmp.$$"
timeout 1500 "$go" build -trimpath -ldflags="-s -w -X main.version=$version" -o "$tmp" . \
  >>"$log" 2>&1 || { rm -f "$tmp"; fail "go build"; }
"$tmp" --version >>"$log" 2>&1 || { rm -f "$tmp"; fail "the built collector's --version"; }
timeout 900 "$go" build -trimpath -ldflags="-s -w" -o "$tmp.client" ./otlpclient \
  >>"$log" 2>&1 || { rm -f "$tmp" "$tmp.client"; fail "go build ./otlpclient"; }
mv -f "$tmp.client" "$cache/otlpclient"
mv -f "$tmp" "$bin"
echo "$stamp" >"$cache/stamp"
echo "$bin"
