# syntax=docker/dockerfile:1
# Multi-stage build: compile with dev dependencies, ship only production dependencies, run as a non-root user.
# Node 24 LTS, the same major as everywhere else (package.json `engines` and the `node` devDependency that npm
# scripts run); scripts/check-dockerfile.sh fails when they disagree.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY prisma ./prisma
COPY scripts/prisma-generate.mjs ./scripts/prisma-generate.mjs
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim AS runtime
# MALLOC_ARENA_MAX=2: glibc's malloc would give each thread (V8's compiler and GC helpers, libuv's pool) its own arena
# and keep what they freed (~40 MB more RSS over the bench; README "Memory")
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    PORT=3000 \
    HOST=0.0.0.0 \
    DATA_DIR=/data \
    LOG_LEVEL=info
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json ./package.json
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --from=build --chown=root:root /app/prisma ./prisma
# The aks-proxy-config command-line tool (dist/cli, built above): `docker run --rm -v "$PWD:/work" -w /work <image>
# aks-proxy-config validate config.json`.
COPY --chown=root:root bin ./bin
RUN ln -s /app/bin/aks-proxy-config.cjs /usr/local/bin/aks-proxy-config && mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Migrations run at start (MIGRATE_ON_START=true). To migrate separately: set MIGRATE_ON_START=false and run
#   docker compose run --rm app node dist/database/migrate-cli.js deploy
STOPSIGNAL SIGTERM
# --max-semi-space-size=8: a young generation of 8 MB semi-spaces instead of V8's default; under load the default let the
# heap reach ~250 MB where this keeps it under ~120 MB (4 MB cost a write ~5 % more CPU in scavenges).
# --heap-growing-percent=50: the old generation grows by half of what survived a full collection before the next one,
# not up to 4x (no limit: the heap still grows when a request needs it); the heap stays under ~100 MB where it reached
# ~240 MB (README "Memory")
CMD ["node", "--max-semi-space-size=8", "--heap-growing-percent=50", "dist/main.js"]
