#!/usr/bin/env bash
# There is no Docker engine here, so this replays the Dockerfile's steps as closely as a shell can: the build
# stage (only the files the COPY lines name, npm ci, build, prune) in one temp dir, the runtime stage (only what
# the runtime COPY lines take) in another, then starts it as an unprivileged user with the image's environment
# and runs the HEALTHCHECK command. It also validates docker-compose.yml when docker-compose is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
# The project's Node 24 (the `node` devDependency), as npm scripts and .ci/run use, not the system's node: the
# image's base has the same major, checked next.
export PATH="$ROOT/node_modules/.bin:$PATH"

# One Node major everywhere: the Dockerfile's base images, package.json engines and the node devDependency.
want=$(node -p 'require("./node_modules/node/package.json").version.split(".")[0]')
engines=$(node -p 'require("./package.json").engines.node')
[ "$engines" = ">=$want" ] || { echo "package.json engines.node is $engines, expected >=$want (the node devDependency)" >&2; exit 1; }
bases=$(grep -E '^FROM ' Dockerfile | awk '{print $2}' | sort -u)
for base in $bases; do
  case "$base" in
    node:"$want"-*|node:"$want") ;;
    *) echo "Dockerfile base image $base is not Node $want (the node devDependency)" >&2; exit 1 ;;
  esac
done
[ "$(node -p 'process.versions.node.split(".")[0]')" = "$want" ] || { echo "node on PATH is not Node $want" >&2; exit 1; }
NODE=$(command -v node)  # runuser below may reset PATH
echo "Node $want everywhere: Dockerfile ($bases), engines ($engines), npm scripts ($(node --version))"
WORK=$(mktemp -d)
chmod 755 "$WORK"
trap 'kill -9 ${svc:-0} 2>/dev/null || true; rm -rf "$WORK"' EXIT

# build stage: COPY lines of the Dockerfile
mkdir -p "$WORK/build/scripts"
cp package.json package-lock.json tsconfig.json tsconfig.build.json "$WORK/build/"
cp -r prisma src "$WORK/build/"
rm -rf "$WORK/build/src/generated"
cp scripts/prisma-generate.mjs "$WORK/build/scripts/"
(cd "$WORK/build" && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent && npm prune --omit=dev --no-audit --no-fund --loglevel=error)

# runtime stage: only what the runtime COPY lines take
mkdir -p "$WORK/app" "$WORK/data"
for f in package.json node_modules dist prisma; do cp -r "$WORK/build/$f" "$WORK/app/"; done
cp -r bin "$WORK/app/"
chown -R nobody "$WORK/data"
cd "$WORK/app"
PORT=${DOCKERFILE_PORT:-3937}
# skipped past while anything listens there, so a service left running on this machine cannot answer in its place
while (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do PORT=$((PORT + 1)); done
runuser -u nobody -- env NODE_ENV=production PORT=$PORT HOST=0.0.0.0 DATA_DIR="$WORK/data" LOG_LEVEL=warn \
  ADMIN_TOKEN=dockerfile-check-token-0123 "$NODE" dist/main.js >"$WORK/service.log" 2>&1 &
svc=$!
ok=0
for _ in $(seq 1 200); do
  if PORT=$PORT node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"; then ok=1; break; fi
  sleep 0.1
done
[ "$ok" = 1 ] || { echo "the runtime stage did not become healthy:" >&2; cat "$WORK/service.log" >&2; exit 1; }
# The CLI in the runtime stage (as the image's /usr/local/bin/aks-proxy-config link runs it), on the Node.js the
# project uses (the image's is 22.12 or newer; the shell's may be older).
CLI_NODE=$(command -v "$ROOT/node_modules/.bin/node" || command -v node)
printf '{"httpProxy": "http://proxy.example:3128/", "noProxy": ["*.bad.example"]}' > "$WORK/proxy.json"
set +e
runuser -u nobody -- "$CLI_NODE" "$WORK/app/bin/aks-proxy-config.cjs" validate --json "$WORK/proxy.json" > "$WORK/cli.json"
cli_status=$?
set -e
[ "$cli_status" = 1 ] && grep -q NO_PROXY_WILDCARD "$WORK/cli.json" || { echo "the CLI in the runtime stage did not report the invalid config (exit $cli_status):" >&2; cat "$WORK/cli.json" >&2; exit 1; }
echo "Dockerfile stages replayed: production-only node_modules ($(du -sh node_modules | cut -f1)), runs as nobody, HEALTHCHECK passes"
kill -TERM "$svc"; wait "$svc" || true
cd "$ROOT"
if ! command -v docker-compose >/dev/null 2>&1; then
  echo "installing docker-compose (Debian package) to validate docker-compose.yml"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null) || true
fi
if command -v docker-compose >/dev/null 2>&1; then
  ADMIN_TOKEN=compose-check-token-0123 docker-compose -f docker-compose.yml config >/dev/null
  echo "docker-compose.yml is valid (docker-compose config)"
else
  echo "docker-compose could not be installed: docker-compose.yml not validated" >&2
fi
