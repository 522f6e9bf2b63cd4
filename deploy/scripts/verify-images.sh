#!/usr/bin/env bash
# Builds every image of ./Dockerfile and proves the service images start: each container in RUN_APPS
# runs against real PostgreSQL/NATS/Redis(/MQTT) with host networking until its image HEALTHCHECK
# reports `healthy`; it must run as a non-root user with node as PID 1, and stop cleanly on SIGTERM.
# Prints build times, image sizes and time-to-healthy. Exit status 0 only when everything passed.
#
#   deploy/scripts/verify-images.sh                            from the repository root
#   RUN_APPS="ocpp oscp planner rems-ingest ocpi-hub" deploy/scripts/verify-images.sh
#
# Environment (defaults in brackets):
#   APPS           images to build [ocpp oscp planner rems-ingest ocpi-hub elmo-testbed cp-simulator]
#   RUN_APPS       images to run until healthy [ocpp planner]; any of the five services or elmo-testbed
#   TAG            image tag [verify] -> cpo-platform/<app>:<TAG>
#   NODE_IMAGE     base image [node:20-bookworm-slim]
#   STANDIN        auto | always | never [auto]: build a local stand-in for the base image
#                  (deploy/scripts/node-base-standin.sh) when NODE_IMAGE is neither present nor pullable
#   NPM_CA         CA bundle for npm behind a TLS-inspecting proxy, passed as build secret npm_ca
#                  [$NODE_EXTRA_CA_CERTS when set]
#   PG_URL         PostgreSQL superuser URL without database [postgres://postgres@127.0.0.1:5432]; each app
#                  gets (and creates) its own database <db>_imgverify
#   NATS_URL       [nats://127.0.0.1:4222]   REDIS_URL [redis://127.0.0.1:6379]   MQTT_URL [mqtt://127.0.0.1:1883]
#   PORT_OFFSET    the containers listen on their usual port + this, so they do not clash with
#                  services already running on the host [10000]
#   HEALTH_TIMEOUT seconds to wait for `healthy` [150]
#   KEEP=1         leave the containers running
#   DOCKER         docker CLI [docker]. Builds need BuildKit: the buildx plugin, or a CLI older than 23
#                  with DOCKER_BUILDKIT=1 (e.g. Debian's docker.io); the script picks one that works.
#
# The builds use `--network host` (the RUN steps reach the npm registry through the host's network,
# also when the engine runs without a bridge: `dockerd --bridge=none --iptables=false` is enough). A
# buildx builder of the docker-container driver needs `--allow network.host` and `--load`: use the
# engine's own builder (`docker buildx use default`).
set -euo pipefail

cd "$(dirname "$0")/../.."
APPS="${APPS:-ocpp oscp planner rems-ingest ocpi-hub elmo-testbed cp-simulator}"
RUN_APPS="${RUN_APPS:-ocpp planner}"
TAG="${TAG:-verify}"
NODE_IMAGE="${NODE_IMAGE:-node:20-bookworm-slim}"
STANDIN="${STANDIN:-auto}"
STANDIN_TAG="cpo-platform/node-standin:20-bookworm-slim"
NPM_CA="${NPM_CA:-${NODE_EXTRA_CA_CERTS:-}}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
NATS_URL="${NATS_URL:-nats://127.0.0.1:4222}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
MQTT_URL="${MQTT_URL:-mqtt://127.0.0.1:1883}"
PORT_OFFSET="${PORT_OFFSET:-10000}"
HEALTH_TIMEOUT="${HEALTH_TIMEOUT:-150}"
DOCKER="${DOCKER:-docker}"

log() { printf '[verify-images %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
die() { printf '[verify-images] FAILED: %s\n' "$*" >&2; exit 1; }
mb() { awk -v b="$1" 'BEGIN { printf "%.0f MB", b / 1000 / 1000 }'; }

# The usual HTTP port of each app (the Dockerfile's HTTP_PORT build argument; docker-compose.yml).
port_of() {
  case "$1" in
    oscp) echo 3001 ;; ocpp) echo 3002 ;; ocpi-hub) echo 3003 ;; rems-ingest) echo 3004 ;; planner) echo 3005 ;;
    elmo-testbed) echo 3010 ;; cp-simulator) echo "" ;; *) die "unknown app $1" ;;
  esac
}
db_of() { case "$1" in ocpi-hub) echo ocpi ;; rems-ingest) echo rems ;; *) echo "$1" ;; esac; }

# --- the engine and a BuildKit-capable CLI ---------------------------------------------------------
"$DOCKER" info >/dev/null 2>&1 || die "no docker engine reachable with '$DOCKER' ($("$DOCKER" info 2>&1 | grep -i -m1 'cannot\|error' || true))"
BUILD=()
if "$DOCKER" buildx version >/dev/null 2>&1; then
  BUILD=("$DOCKER" build)
else
  for cli in "$DOCKER" /usr/bin/docker /usr/local/bin/docker; do
    command -v "$cli" >/dev/null 2>&1 || continue
    major="$("$cli" version --format '{{.Client.Version}}' 2>/dev/null | cut -d. -f1 || true)"
    if [ -n "$major" ] && [ "$major" -lt 23 ] 2>/dev/null; then BUILD=(env DOCKER_BUILDKIT=1 "$cli" build); break; fi
  done
fi
[ ${#BUILD[@]} -gt 0 ] || die "no BuildKit builder: install the buildx plugin (docker-buildx-plugin) or use a docker CLI < 23 with DOCKER_BUILDKIT=1"
log "engine $("$DOCKER" version --format '{{.Server.Version}}'), builder: ${BUILD[*]}"

# --- the base image ----------------------------------------------------------------------------------
base_ok() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }
if [ "$STANDIN" = always ]; then
  NODE_IMAGE="$STANDIN_TAG"
elif ! base_ok "$NODE_IMAGE"; then
  log "pulling $NODE_IMAGE"
  if ! "$DOCKER" pull -q "$NODE_IMAGE" >/dev/null 2>&1; then
    [ "$STANDIN" = auto ] || die "$NODE_IMAGE is not present and cannot be pulled (STANDIN=never)"
    log "$NODE_IMAGE cannot be pulled: using a local stand-in ($STANDIN_TAG)"
    NODE_IMAGE="$STANDIN_TAG"
  fi
fi
if [ "$NODE_IMAGE" = "$STANDIN_TAG" ] && ! base_ok "$STANDIN_TAG"; then
  DOCKER="$DOCKER" deploy/scripts/node-base-standin.sh "$STANDIN_TAG"
fi
log "base image: $NODE_IMAGE ($(mb "$("$DOCKER" image inspect -f '{{.Size}}' "$NODE_IMAGE")"))"

# --- build -------------------------------------------------------------------------------------------
SECRET=()
if [ -n "$NPM_CA" ]; then [ -s "$NPM_CA" ] || die "NPM_CA=$NPM_CA is not a file"; SECRET=(--secret "id=npm_ca,src=$NPM_CA"); fi
declare -A BUILD_S SIZE
for app in $APPS; do
  log "building cpo-platform/$app:$TAG"
  started=$(date +%s)
  if ! "${BUILD[@]}" --network host "${SECRET[@]}" --build-arg "NODE_IMAGE=$NODE_IMAGE" \
      --build-arg "APP=$app" --build-arg "HTTP_PORT=$(port_of "$app")" -t "cpo-platform/$app:$TAG" . \
      >"/tmp/verify-images-build-$app.log" 2>&1; then
    tail -30 "/tmp/verify-images-build-$app.log" >&2
    die "build of $app (log: /tmp/verify-images-build-$app.log)"
  fi
  BUILD_S[$app]=$(( $(date +%s) - started ))
  SIZE[$app]=$("$DOCKER" image inspect -f '{{.Size}}' "cpo-platform/$app:$TAG")
  [ "$("$DOCKER" image inspect -f '{{.Config.User}}' "cpo-platform/$app:$TAG")" = node ] || die "$app: image USER is not node"
done

# --- run ---------------------------------------------------------------------------------------------
CONTAINERS=()
cleanup() {
  [ "${KEEP:-0}" = 1 ] && return 0
  for c in "${CONTAINERS[@]}"; do "$DOCKER" rm -f "$c" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT

app_env() { # settings a production start requires, as in docker-compose.yml (development values)
  case "$1" in
    oscp) echo "OSCP_PUBLIC_BASE_URL=http://127.0.0.1:$2/oscp/fp/2.0" "OSCP_TOKEN_ENCRYPTION_KEY=verify-images-oscp-token-key" ;;
    ocpp) echo "OCPP_UNKNOWN_STATION_POLICY=reject" ;;
    ocpi-hub) echo "OCPI_PUBLIC_URL=http://127.0.0.1:$2" "OCPI_TOKEN_SECRET=verify-images-ocpi-token-secret-0123456789" ;;
    rems-ingest) echo "MQTT_URL=$MQTT_URL" \
      "REMS_JWT_ACCESS_SECRET=verify-images-access-secret-0123456789abcdef0123456789abcdef0123456789" \
      "REMS_JWT_REFRESH_SECRET=verify-images-refresh-secret-0123456789abcdef0123456789abcdef012345678" ;;
    elmo-testbed) echo "NODE_ENV=development" "ELMO_TESTBED_ALLOW_HTTP=true" ;;
  esac
}

declare -A HEALTHY_S STOP_S UP_S
for app in $RUN_APPS; do
  base_port=$(port_of "$app"); [ -n "$base_port" ] || die "$app serves nothing to health-check"
  port=$(( base_port + PORT_OFFSET ))
  name="cpo-verify-$app"
  "$DOCKER" rm -f "$name" >/dev/null 2>&1 || true
  envs=(-e "HTTP_PORT=$port" -e "DATABASE_URL=$PG_URL/$(db_of "$app" | tr - _)_imgverify" -e DATABASE_CREATE_IF_MISSING=true
        -e "NATS_URL=$NATS_URL" -e "REDIS_URL=$REDIS_URL" -e OPERATOR_API_KEY=verify-images-operator-key -e LOG_LEVEL=warn)
  for kv in $(app_env "$app" "$port"); do envs+=(-e "$kv"); done
  log "starting $name on 127.0.0.1:$port"
  started=$(date +%s)
  "$DOCKER" run -d --name "$name" --network host "${envs[@]}" "cpo-platform/$app:$TAG" >/dev/null
  CONTAINERS+=("$name")
  status=starting
  while [ -z "${UP_S[$app]:-}" ] || [ "$status" != healthy ]; do
    # start-up time: GET /health answers 200 (the HEALTHCHECK itself first runs after its 15 s interval)
    if [ -z "${UP_S[$app]:-}" ] && curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$port/health"; then
      UP_S[$app]=$(( $(date +%s) - started ))
    fi
    status=$("$DOCKER" inspect -f '{{if .State.Running}}{{.State.Health.Status}}{{else}}exited {{.State.ExitCode}}{{end}}' "$name")
    case "$status" in
      healthy) ;;
      exited*|unhealthy) "$DOCKER" logs --tail 40 "$name" >&2; die "$app: $status" ;;
      *) [ $(( $(date +%s) - started )) -lt "$HEALTH_TIMEOUT" ] || { "$DOCKER" logs --tail 40 "$name" >&2; die "$app: not healthy after ${HEALTH_TIMEOUT}s"; }
         sleep 1 ;;
    esac
  done
  HEALTHY_S[$app]=$(( $(date +%s) - started ))
  uid=$("$DOCKER" exec "$name" id -u)
  [ "$uid" != 0 ] || die "$app runs as root"
  pid1=$("$DOCKER" exec "$name" sh -c 'tr "\0" " " </proc/1/cmdline')
  case "$pid1" in node\ *) ;; *) die "$app: PID 1 is '$pid1', not node" ;; esac
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/ready" || true)
  log "$app answered /health after ${UP_S[$app]}s, docker health 'healthy' after ${HEALTHY_S[$app]}s, uid $uid, PID 1: $pid1, GET /health/ready -> $code"
done

for app in $RUN_APPS; do # SIGTERM reaches node (PID 1), which drains and exits before docker's 30 s kill
  name="cpo-verify-$app"; started=$(date +%s)
  [ "${KEEP:-0}" = 1 ] && break
  "$DOCKER" stop -t 30 "$name" >/dev/null
  STOP_S[$app]=$(( $(date +%s) - started ))
  code=$("$DOCKER" inspect -f '{{.State.ExitCode}}' "$name")
  [ "${STOP_S[$app]}" -lt 30 ] || die "$app did not stop on SIGTERM within 30 s (killed)"
  log "$app stopped on SIGTERM in ${STOP_S[$app]}s, exit code $code"
done

# --- report ------------------------------------------------------------------------------------------
base_size=$("$DOCKER" image inspect -f '{{.Size}}' "$NODE_IMAGE")
printf '\n%-14s %8s %10s %10s %8s %12s %9s\n' image size "over base" "build (s)" "up (s)" "healthy (s)" "stop (s)"
for app in $APPS; do
  printf '%-14s %8s %10s %10s %8s %12s %9s\n' "$app" "$(mb "${SIZE[$app]}")" "$(mb $(( SIZE[$app] - base_size )))" \
    "${BUILD_S[$app]}" "${UP_S[$app]:--}" "${HEALTHY_S[$app]:--}" "${STOP_S[$app]:--}"
done
log "all images built; ${RUN_APPS// /, } healthy as non-root"
