# One image per app, built from the same file (docker compose builds all of them):
#
#   docker build --build-arg APP=ocpp --build-arg HTTP_PORT=3002 -t cpo-platform/ocpp:dev .
#
#   APP        ocpp | oscp | planner | rems-ingest | ocpi-hub     the five services
#              elmo-testbed | cp-simulator                        demo tools (docker compose --profile demo)
#   HTTP_PORT  the port the app listens on in the container (its usual default: oscp 3001, ocpp 3002,
#              ocpi-hub 3003, rems-ingest 3004, planner 3005, elmo-testbed 3010); sets the healthcheck and
#              the HTTP_PORT default. Empty for cp-simulator, which is a client and serves nothing.
#
# Stages: deps (all dependencies) → build (swc to dist/) → prod-deps (runtime dependencies only) →
# runtime. deps, build and prod-deps do not depend on APP, so building all images compiles once and
# every image shares the same node_modules layer.
# Configuration comes only from environment variables at run time (see docker-compose.yml and
# deploy/k8s); nothing secret is baked into an image.
#
# No `# syntax=` directive on purpose: the Dockerfile frontend built into BuildKit (Docker >= 20.10)
# supports every instruction used here (RUN --mount cache/secret), and a directive would make each
# build fetch docker/dockerfile from Docker Hub, which fails on build machines without Hub access.
#
# Behind a TLS-inspecting proxy, hand npm the proxy's CA as a build secret (never stored in a layer):
#   docker build --secret id=npm_ca,src=/etc/ssl/certs/ca-certificates.crt ...
# Without Docker Hub, point NODE_IMAGE at a local Node 20 bookworm image
# (deploy/scripts/node-base-standin.sh builds one; deploy/scripts/verify-images.sh does it all).

ARG NODE_IMAGE=node:20-bookworm-slim

# --- deps: every dependency, for the build ----------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc* ./
# `npm install`, not `npm ci`: the lockfile is made on one platform and npm ci rejects it when other
# platforms' optional binaries (e.g. @swc/core-*) are missing from it. With the lockfile it installs
# exactly the locked versions.
RUN --mount=type=cache,target=/root/.npm --mount=type=secret,id=npm_ca \
    if [ -s /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi; \
    npm install --no-audit --no-fund

# --- build: compile apps and libs to dist/ (swc, ESM) -------------------------------------------------
FROM deps AS build
COPY . .
RUN npm run build

# --- prod-deps: runtime dependencies only, installed once for every app ------------------------------
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json .npmrc* ./
RUN --mount=type=cache,target=/root/.npm --mount=type=secret,id=npm_ca \
    if [ -s /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi; \
    npm install --omit=dev --no-audit --no-fund --ignore-scripts \
 && rm -rf /tmp/*

# --- runtime: node + production dependencies + this app's compiled output ----------------------------
FROM ${NODE_IMAGE} AS runtime
ARG APP
ARG HTTP_PORT
# Fail the build early with a readable message rather than producing an image that cannot start.
RUN case "${APP}" in ocpp|oscp|planner|rems-ingest|ocpi-hub|elmo-testbed|cp-simulator) ;; \
      *) echo "build with --build-arg APP=<ocpp|oscp|planner|rems-ingest|ocpi-hub|elmo-testbed|cp-simulator> (got '${APP}')" >&2; exit 1 ;; \
    esac; \
    if [ "${APP}" != cp-simulator ]; then case "${HTTP_PORT}" in \
      ''|*[!0-9]*) echo "build with --build-arg HTTP_PORT=<port> (got '${HTTP_PORT}')" >&2; exit 1 ;; \
    esac; fi

LABEL org.opencontainers.image.title="cpo-platform/${APP}" \
      org.opencontainers.image.source="https://github.com/cpo-platform/cpo-platform" \
      org.opencontainers.image.licenses="Apache-2.0"

ENV NODE_ENV=production \
    APP=${APP} \
    APP_MAIN=dist/apps/${APP}/src/main.js \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=${HTTP_PORT}
WORKDIR /app

# package.json is needed at run time too: its "type": "module" makes dist/*.js load as ESM.
# Files stay owned by root: the app (user node) cannot modify its own code or dependencies.
COPY package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist/libs ./dist/libs
COPY --from=build /app/dist/apps/${APP} ./dist/apps/${APP}

# The official node image's unprivileged user (uid 1000); Kubernetes runs it with runAsNonRoot.
USER node
# No EXPOSE: it cannot be conditional and cp-simulator listens on nothing. The port is HTTP_PORT,
# published by compose `ports:` and declared as containerPort in Kubernetes.

# GET /health is the liveness endpoint of every service (libs/platform). Kubernetes uses its own
# probes and ignores this; docker and compose use it for `depends_on: service_healthy`. An image
# without HTTP_PORT (cp-simulator) reports healthy while its process runs.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "if (!process.env.HTTP_PORT) process.exit(0); fetch('http://127.0.0.1:' + process.env.HTTP_PORT + '/health', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# Exec form cannot expand variables, so a shell resolves APP_MAIN and then `exec`s node: node becomes
# PID 1 and receives SIGTERM itself (the services drain and exit within SHUTDOWN_TIMEOUT_MS).
# Arguments given after the image name (compose `command:`) reach the app, e.g. the simulator's flags.
ENTRYPOINT ["/bin/sh", "-c", "exec node --enable-source-maps \"$APP_MAIN\" \"$@\"", "--"]
CMD []
