#!/usr/bin/env bash
# Starts the built service the way a new user does (npm start on the embedded default) in a fresh DATA_DIR and
# checks: /healthz and /readyz answer 200; a second process on the same DATA_DIR exits non-zero with a message; a
# busy PORT or a bad HOST exits 2 naming the variable;
# SIGTERM stops it cleanly (exit 0); a restart keeps the data. Prints cold and warm start-up times.
set -euo pipefail
cd "$(dirname "$0")/.."
# The project's Node 24 (the `node` devDependency), as npm scripts and .ci/run use, not the system's node.
export PATH="$PWD/node_modules/.bin:$PATH"
npm run build --silent >/dev/null

DIR=$(mktemp -d)
# Three ports from PORT on (this process, the second one, the bad-HOST one); skipped past while anything listens on
# one of them, so a service left running on this machine cannot answer in the new one's place.
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PORT=${SMOKE_PORT:-3917}
while listening "$PORT" || listening $((PORT + 1)) || listening $((PORT + 2)); do PORT=$((PORT + 3)); done
export DATA_DIR="$DIR/data" PORT LOG_LEVEL=warn
unset DATABASE_URL ADMIN_TOKEN
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$DIR"; }
trap cleanup EXIT

now_ms() { date +%s%3N; }
wait_ready() {
  for _ in $(seq 1 300); do
    if curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; then return 0; fi
    sleep 0.05
  done
  echo "service did not become ready" >&2; return 1
}

t0=$(now_ms)
node dist/main.js >"$DIR/first.log" 2>"$DIR/first.err" &
first=$!; pids+=("$first")
wait_ready
echo "cold start (new data dir, migrations): $(( $(now_ms) - t0 )) ms"
curl -fs "http://127.0.0.1:$PORT/healthz" | grep -q '"ok"'
[ -f "$DATA_DIR/admin.token" ] || { echo "no admin.token written" >&2; exit 1; }
[ "$(stat -c %a "$DATA_DIR/admin.token")" = 600 ] || { echo "admin.token is not mode 0600" >&2; exit 1; }
TOKEN=$(cat "$DATA_DIR/admin.token")
# The generated token: once on stderr as its own marked line; never on stdout, where every line is JSON.
[ "$(grep -c '^\*\*\* ADMIN TOKEN \*\*\* .*'"$TOKEN"'$' "$DIR/first.err")" = 1 ] || { echo "no single marked admin token line on stderr:" >&2; cat "$DIR/first.err" >&2; exit 1; }
! grep -qF "$TOKEN" "$DIR/first.log" || { echo "the admin token is in the JSON log stream" >&2; exit 1; }
node -e 'for (const l of require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean)) JSON.parse(l)' "$DIR/first.log" \
  || { echo "stdout holds a line that is not JSON" >&2; exit 1; }
echo "admin token: one marked line on stderr, not in the JSON logs on stdout"
curl -fs -X POST "http://127.0.0.1:$PORT/v1/clusters" -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
  -d '{"name":"smoke","resourceGroup":"rg-smoke"}' >/dev/null

set +e
PORT=$((PORT + 1)) timeout 30 node dist/main.js >"$DIR/second.log" 2>&1
second=$?
set -e
if [ "$second" -eq 0 ]; then echo "a second process on the same DATA_DIR started" >&2; exit 1; fi
grep -q "in use by another process" "$DIR/second.log" || { echo "second process gave no clear message:" >&2; cat "$DIR/second.log" >&2; exit 1; }
echo "second process on the same DATA_DIR: exit $second, message: $(grep -o 'DATA_DIR .* in use by another process' "$DIR/second.log" | head -1)"

# The port is taken (by the first process) or HOST is no address here: exit 2 naming the variable, lock released.
set +e
DATA_DIR="$DIR/data-port" timeout 60 node dist/main.js >"$DIR/port.log" 2>&1; port_exit=$?
DATA_DIR="$DIR/data-host" HOST=no.such.host.invalid PORT=$((PORT + 2)) timeout 60 node dist/main.js >"$DIR/host.log" 2>&1; host_exit=$?
set -e
[ "$port_exit" -eq 2 ] && grep -q "PORT $PORT is already in use" "$DIR/port.log" || { echo "busy PORT: exit $port_exit" >&2; cat "$DIR/port.log" >&2; exit 1; }
[ "$host_exit" -eq 2 ] && grep -q "HOST no.such.host.invalid is not an address" "$DIR/host.log" || { echo "bad HOST: exit $host_exit" >&2; cat "$DIR/host.log" >&2; exit 1; }
[ ! -f "$DIR/data-port/service.lock" ] && [ ! -f "$DIR/data-host/service.lock" ] || { echo "a failed start left its lock" >&2; exit 1; }
echo "busy PORT and bad HOST: exit 2 with a message naming the variable, lock released"

# SIGTERM while requests are in flight: every request the service accepted must get its full answer.
BODY='{"httpProxy":"http://proxy.corp.example:3128","noProxy":['"$(seq -s, -f '"host%g.corp.example"' 1 400)"']}'
for i in $(seq 1 30); do
  ( curl -s -o /dev/null -w '%{http_code}\n' -X POST "http://127.0.0.1:$PORT/v1/validate" -H "authorization: Bearer $TOKEN" \
      -H 'content-type: application/json' -d "$BODY" >>"$DIR/inflight.txt"; echo "curl-exit $?" >>"$DIR/inflight.txt" ) &
done
sleep 0.05
kill -TERM "$first"
set +e; wait "$first"; code=$?; set -e
wait
[ "$code" -eq 0 ] || { echo "SIGTERM exit code $code" >&2; cat "$DIR/first.log" >&2; exit 1; }
[ ! -f "$DATA_DIR/service.lock" ] || { echo "lock not released at shutdown" >&2; exit 1; }
answered=$(grep -c '^200$' "$DIR/inflight.txt" || true)
# curl exit 52 (empty reply) or 56 (connection reset) would mean an accepted request was cut off.
cut=$(grep -cE '^curl-exit (52|56)$' "$DIR/inflight.txt" || true)
[ "$cut" -eq 0 ] || { echo "$cut in-flight requests were cut off by SIGTERM" >&2; exit 1; }
[ "$answered" -gt 0 ] || { echo "no in-flight request was answered" >&2; cat "$DIR/inflight.txt" >&2; exit 1; }
echo "SIGTERM: clean exit 0, lock released, $answered in-flight requests answered 200, none cut off"

t0=$(now_ms)
node dist/main.js >"$DIR/third.log" 2>"$DIR/third.err" &
third=$!; pids+=("$third")
wait_ready
echo "warm start (existing data dir): $(( $(now_ms) - t0 )) ms"
curl -fs "http://127.0.0.1:$PORT/v1/clusters/smoke" -H "authorization: Bearer $TOKEN" | grep -q '"rg-smoke"' || { echo "data lost on restart" >&2; exit 1; }
grep -q "ADMIN TOKEN" "$DIR/third.err" && { echo "a second admin key was created on restart" >&2; exit 1; }
kill -TERM "$third"; wait "$third" || true
echo "restart kept the data: ok"
