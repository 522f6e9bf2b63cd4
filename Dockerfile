# syntax=docker/dockerfile:1
# One image per app, built from the same file:
#
#   docker build --build-arg APP=ocpp --build-arg HTTP_PORT=3002 -t cpo-platform/ocpp:dev .
#
#   APP        ocpp | oscp | planner | rems-ingest | ocpi-hub
#   HTTP_PORT  the port the app listens on in the container (its usual default: oscp 3001, ocpp 3002,
#              ocpi-hub 3003, rems-ingest 3004, planner 3005); sets EXPOSE and the HTTP_PORT default.
#
# The deps and build stages do not depend on APP, so building all five images compiles once.
# Configuration comes only from environment variables at run time (see docker-compose.yml).

ARG NODE_IMAGE=node:20-bookworm-slim

# --- deps: every dependency, for the build ----------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc* ./
# `npm install`, not `npm ci`: the lockfile is made on one platform and npm ci rejects it when other
# platforms' optional binaries (e.g. @swc/core-*) are missing from it. With the lockfile it installs
# exactly the locked versions.
RUN --mount=type=cache,target=/root/.npm npm install --no-audit --no-fund

# --- build: compile apps and libs to dist/ (swc, ESM) -------------------------------------------------
FROM deps AS build
COPY . .
RUN npm run build

# --- runtime: production dependencies + this app's compiled output -----------------------------------
FROM ${NODE_IMAGE} AS runtime
ARG APP
ARG HTTP_PORT
RUN case "${APP}" in ocpp|oscp|planner|rems-ingest|ocpi-hub) ;; \
      *) echo "build with --build-arg APP=<ocpp|oscp|planner|rems-ingest|ocpi-hub> (got '${APP}')" >&2; exit 1 ;; \
    esac; \
    case "${HTTP_PORT}" in ''|*[!0-9]*) echo "build with --build-arg HTTP_PORT=<port> (got '${HTTP_PORT}')" >&2; exit 1 ;; esac

ENV NODE_ENV=production \
    APP=${APP} \
    APP_MAIN=dist/apps/${APP}/src/main.js \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=${HTTP_PORT}
WORKDIR /app

# package.json is needed at run time too: its "type": "module" makes dist/*.js load as ESM.
COPY package.json package-lock.json .npmrc* ./
RUN --mount=type=cache,target=/root/.npm npm install --omit=dev --no-audit --no-fund

# Shared libraries plus this app only. Files stay owned by root: the app cannot modify its own code.
COPY --from=build /app/dist/libs ./dist/libs
COPY --from=build /app/dist/apps/${APP} ./dist/apps/${APP}

USER node
EXPOSE ${HTTP_PORT}
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.HTTP_PORT + '/health', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# CMD cannot expand variables in exec form, so a shell resolves APP_MAIN and then `exec`s node:
# node becomes PID 1 and receives SIGTERM itself (the app shuts down gracefully on it).
CMD ["/bin/sh", "-c", "exec node --enable-source-maps \"$APP_MAIN\""]
