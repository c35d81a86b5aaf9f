#!/usr/bin/env bash
# Loads /docs (Swagger UI) of the built service in Debian's headless Chromium and checks that the rendered page
# lists every path of openapi/openapi.json. Installs chromium from Debian's packages when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
# The project's Node 24 (the `node` devDependency), as npm scripts and .ci/run use, not the system's node.
export PATH="$PWD/node_modules/.bin:$PATH"
if ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium (Debian package)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
npm run build --silent  # incremental: nothing to do when dist is up to date

DIR=$(mktemp -d)
PORT=${DOCS_PORT:-3927}
# skipped past while anything listens there, so a service left running on this machine cannot answer in its place
while (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do PORT=$((PORT + 1)); done
DATA_DIR="$DIR/data" PORT=$PORT LOG_LEVEL=warn ADMIN_TOKEN=docs-check-token-0123456789 node dist/main.js >"$DIR/service.log" 2>&1 &
svc=$!
trap 'kill -9 $svc 2>/dev/null || true; rm -rf "$DIR"' EXIT
for _ in $(seq 1 200); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.05; done

chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$DIR/chrome" --virtual-time-budget=15000 \
  --dump-dom "http://127.0.0.1:$PORT/docs" >"$DIR/dom.html" 2>"$DIR/chrome.log" || { cat "$DIR/chrome.log" >&2; exit 1; }

missing=0
total=0
for path in $(node -e 'for (const p of Object.keys(require("./openapi/openapi.json").paths)) console.log(p)'); do
  total=$((total + 1))
  if ! grep -qF "data-path=\"$path\"" "$DIR/dom.html"; then echo "missing in /docs: $path" >&2; missing=$((missing + 1)); fi
done
[ "$missing" -eq 0 ] || { echo "Swagger UI at /docs does not list $missing of $total paths" >&2; exit 1; }
echo "Swagger UI at /docs lists all $total paths of openapi/openapi.json (headless Chromium)"
