# syntax=docker/dockerfile:1
# aquaops API server (and CLI, for the training job) as one image.
#   docker build -t aquaops:local .
#   docker run --rm -p 8000:8000 -v aquaops-data:/data aquaops:local
# The workspace runs its TypeScript sources through tsx (a runtime dependency), so the only build
# step is the web app. Stage 1 installs everything (better-sqlite3 compiles its native addon here,
# hence python3/make/g++), builds apps/web/dist and prunes dev dependencies; stage 2 copies the
# result into a slim image that runs as an unprivileged user and keeps its state under /data.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Manifests first, so the dependency layer is reused until a package.json or the lock file changes.
# Every workspace must be listed: npm ci refuses a lock file whose workspaces are missing.
COPY package.json package-lock.json ./
COPY packages/contracts/package.json packages/contracts/
COPY packages/data/package.json packages/data/
COPY packages/ml/package.json packages/ml/
COPY packages/monitor/package.json packages/monitor/
COPY packages/registry/package.json packages/registry/
COPY packages/training/package.json packages/training/
COPY apps/cli/package.json apps/cli/
COPY apps/server/package.json apps/server/
COPY apps/web/package.json apps/web/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build -w @aquaops/web \
  && test -f apps/web/dist/index.html
# tsx, fastify, better-sqlite3, pg, … are dependencies of the workspaces that run, so the runtime
# keeps working without vite, typescript, vitest and the other dev tools.
RUN npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
  PATH=/app/node_modules/.bin:$PATH \
  AQUAOPS_HOST=0.0.0.0 \
  AQUAOPS_PORT=8000 \
  AQUAOPS_STORE_URL=sqlite:/data/registry.db \
  AQUAOPS_ARTIFACT_DIR=/data/artifacts \
  AQUAOPS_MODEL_NAME=water-potability
RUN groupadd --system --gid 10001 aquaops \
  && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin aquaops \
  && mkdir -p /data/artifacts \
  && chown -R 10001:10001 /data
WORKDIR /app
# Code stays owned by root (read-only for the service user); only /data (and /tmp, where tsx keeps
# its compile cache) are written at run time.
COPY --from=build /src/package.json /src/package-lock.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/packages ./packages
COPY --from=build /src/apps/server ./apps/server
COPY --from=build /src/apps/cli ./apps/cli
COPY --from=build /src/apps/web/package.json ./apps/web/package.json
COPY --from=build /src/apps/web/dist ./apps/web/dist
COPY --from=build /src/deploy/scripts ./deploy/scripts
USER 10001:10001
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.AQUAOPS_PORT||8000)+'/livez').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# CMD, not ENTRYPOINT: the training job runs the same image with
# `sh deploy/scripts/train-if-no-champion.sh` (or any `aquaops …` command) instead.
CMD ["node", "apps/server/bin/aquaops-server.mjs"]
