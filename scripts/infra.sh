#!/usr/bin/env bash
# Local infrastructure for development, tests and CI: PostgreSQL, NATS (JetStream), Redis, Mosquitto.
#
#   bash scripts/infra.sh up       use what already answers on the ports, start what is missing
#   bash scripts/infra.sh status   show each service, up/down, and who runs it (ours/external)
#   bash scripts/infra.sh down     stop only the instances this script started
#
# Ports: INFRA_PG_PORT (5432), INFRA_NATS_PORT (4222), INFRA_REDIS_PORT (6379), INFRA_MQTT_PORT (1883);
# INFRA_WAIT_SECONDS (30) bounds the wait for a started server to answer.
# Everything runs on 127.0.0.1. Our instances keep data, logs and pid files under .infra/<service>/.
# PostgreSQL uses trust auth: postgres://postgres@127.0.0.1:PORT/postgres connects without a password.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
INFRA="$ROOT/.infra"
PG_PORT="${INFRA_PG_PORT:-5432}"
NATS_PORT="${INFRA_NATS_PORT:-4222}"
REDIS_PORT="${INFRA_REDIS_PORT:-6379}"
MQTT_PORT="${INFRA_MQTT_PORT:-1883}"
WAIT_SECONDS="${INFRA_WAIT_SECONDS:-30}"
SERVICES=(postgres nats redis mosquitto)
# If the repo is not traversable by the `postgres` system user, PostgreSQL's data lives here instead.
PG_ALT="/var/tmp/cpo-infra-$(printf '%s' "$ROOT" | sha1sum | cut -c1-12)/postgres"

log() { printf '[infra] %s\n' "$*"; }
die() { printf '[infra] ERROR: %s\n' "$*" >&2; exit 1; }
is_root() { [[ "$(id -u)" == 0 ]]; }

port_of() { case $1 in postgres) echo "$PG_PORT" ;; nats) echo "$NATS_PORT" ;; redis) echo "$REDIS_PORT" ;; mosquitto) echo "$MQTT_PORT" ;; esac; }
pkg_of() { case $1 in postgres) echo postgresql ;; nats) echo nats-server ;; redis) echo redis-server ;; mosquitto) echo mosquitto ;; esac; }
comm_of() { case $1 in nats) echo nats-server ;; redis) echo redis-server ;; *) echo "$1" ;; esac; }

# Is anything listening on the port? On Linux read the kernel's socket table instead of connecting:
# probing a free port in the ephemeral range by connect() can self-connect (127.0.0.1:P -> 127.0.0.1:P),
# which both lies "open" and steals the port from the server we are about to start.
listening() {
  local files=() f
  for f in /proc/net/tcp /proc/net/tcp6; do [[ -r $f ]] && files+=("$f"); done
  if ((${#files[@]} == 0)); then timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; return; fi
  awk -v p="$(printf ':%04X' "$1")" '$4 == "0A" && substr($2, length($2) - 4) == p { found = 1 } END { exit !found }' "${files[@]}"
}

# --- PostgreSQL binaries and data location ----------------------------------------------------
pg_bin() {
  local d
  d="$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n1)" # Debian keeps them off PATH
  if [[ -n "$d" && -x "$d/initdb" && -x "$d/pg_ctl" ]]; then echo "$d"; return; fi
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then dirname "$(command -v pg_ctl)"; fi
}
pg_base() { # where an existing data dir lives (repo first, then the /var/tmp fallback)
  if [[ -f "$INFRA/postgres/data/PG_VERSION" ]]; then echo "$INFRA/postgres"
  elif [[ -f "$PG_ALT/data/PG_VERSION" ]]; then echo "$PG_ALT"
  else echo "$INFRA/postgres"; fi
}
as_pg() { # initdb/postgres refuse to run as root: then use the data dir's owner (normally `postgres`)
  local user=postgres
  if [[ -d "$(pg_base)/data" ]]; then user="$(stat -c %U "$(pg_base)/data")"; fi
  [[ $user != root ]] || user=postgres
  if is_root; then (cd / && runuser -u "$user" -- "$@"); else "$@"; fi
}

# --- who runs what ----------------------------------------------------------------------------
pidfile_of() {
  case $1 in
    postgres) echo "$(pg_base)/data/postmaster.pid" ;;
    nats) echo "$INFRA/nats/nats.pid" ;;
    redis) echo "$INFRA/redis/redis.pid" ;;
    mosquitto) echo "$INFRA/mosquitto/mosquitto.pid" ;;
  esac
}
our_pid() { # prints the pid of our running instance, if any (checks the process name too)
  local f pid comm
  f="$(pidfile_of "$1")"
  [[ -r "$f" ]] || return 1
  pid="$(head -n1 "$f" | tr -dc 0-9)"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  if [[ -r "/proc/$pid/comm" ]]; then comm="$(cat "/proc/$pid/comm")"; else comm="$(ps -p "$pid" -o comm= 2>/dev/null || true)"; fi
  [[ "$comm" == *"$(comm_of "$1")"* ]] || return 1
  echo "$pid"
}
our_port() { # the port our instance was started on
  if [[ $1 == postgres ]]; then sed -n 4p "$(pidfile_of postgres)" 2>/dev/null; else cat "$INFRA/$1/port" 2>/dev/null; fi
}

# --- protocol-level readiness -----------------------------------------------------------------
ready() {
  local port; port="$(port_of "$1")"
  listening "$port" || return 1
  case $1 in
    postgres) if command -v pg_isready >/dev/null; then pg_isready -q -h 127.0.0.1 -p "$port" -t 2; fi ;;
    redis) if command -v redis-cli >/dev/null; then [[ "$(timeout 3 redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" == PONG ]]; fi ;;
  esac
}
wait_ready() {
  local deadline=$((SECONDS + $2))
  until ready "$1"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

check_jetstream() {
  local url="nats://127.0.0.1:$NATS_PORT" out
  if command -v node >/dev/null && [[ -d "$ROOT/node_modules/@nats-io/transport-node" && -d "$ROOT/node_modules/@nats-io/jetstream" ]]; then
    # shellcheck disable=SC2016 # the ${...} below is JavaScript
    out="$(cd "$ROOT" && NATS_CHECK_URL="$url" timeout 20 node --input-type=module -e '
      import { connect } from "@nats-io/transport-node";
      import { jetstreamManager } from "@nats-io/jetstream";
      const nc = await connect({ servers: process.env.NATS_CHECK_URL, timeout: 5000,
        user: process.env.NATS_USER || undefined, pass: process.env.NATS_PASSWORD || undefined });
      try { const jsm = await jetstreamManager(nc); const info = await jsm.getAccountInfo(); console.log(`streams=${info.streams}`); }
      catch (err) { console.error(err?.message ?? String(err)); process.exitCode = 2; }
      finally { await nc.close(); }' 2>&1)" ||
      die "NATS on 127.0.0.1:$NATS_PORT does not offer JetStream ($out). Run nats-server with -js, or set INFRA_NATS_PORT to a free port so this script starts its own."
    log "nats: JetStream available ($out)"
  else # no client installed yet: the server's INFO line advertises JetStream
    out="$(timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$NATS_PORT; IFS= read -r -t 2 line <&3; printf %s \"\$line\"" 2>/dev/null || true)"
    [[ "$out" == *'"jetstream":true'* ]] ||
      die "NATS on 127.0.0.1:$NATS_PORT does not advertise JetStream. Run nats-server with -js, or set INFRA_NATS_PORT to a free port."
    log "nats: JetStream advertised by the server"
  fi
}

check_pg_trust() { # an external server may require a password, which our default URLs do not carry
  command -v psql >/dev/null || return 0
  PGCONNECT_TIMEOUT=5 psql -w -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1 ||
    log "WARNING: postgres on 127.0.0.1:$PG_PORT refused postgres://postgres@127.0.0.1:$PG_PORT/postgres without a password; set DATABASE_URL with credentials or allow trust for 127.0.0.1"
}

# --- installing missing binaries ----------------------------------------------------------------
have_bin() {
  case $1 in
    postgres) [[ -n "$(pg_bin)" ]] ;;
    *) command -v "$(comm_of "$1")" >/dev/null || [[ -x "/usr/sbin/$(comm_of "$1")" ]] ;;
  esac
}
bin_path() { command -v "$1" 2>/dev/null || echo "/usr/sbin/$1"; }

install_pkgs() {
  local policy=/usr/sbin/policy-rc.d
  if ! is_root || ! command -v apt-get >/dev/null; then
    die "not installed: $*. Install them, e.g.: sudo apt-get install $* (or run this script as root)"
  fi
  # Keep the packages' postinst from starting system services on our ports (101 = action forbidden).
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  log "installing $* with apt-get"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" || die "apt-get install $* failed"
}

# --- starting our own instances -----------------------------------------------------------------
start_postgres() {
  local bin base data sock
  bin="$(pg_bin)"; base="$(pg_base)"
  if [[ ! -f "$base/data/PG_VERSION" ]] && is_root; then
    getent passwd postgres >/dev/null || die "no 'postgres' system user to run PostgreSQL as (install the postgresql package)"
    mkdir -p "$base"
    if ! { chown postgres: "$base" 2>/dev/null && runuser -u postgres -- test -w "$base" -a -x "$base"; }; then
      base="$PG_ALT"
      mkdir -p "$base" && chown postgres: "$base" && chmod 700 "$base"
      log "postgres: $ROOT is not reachable by the postgres user; data dir is $base/data"
    fi
  fi
  data="$base/data"; sock="$base/run"
  mkdir -p "$base"
  if [[ ! -f "$data/PG_VERSION" ]]; then
    log "postgres: initdb $data"
    as_pg "$bin/initdb" -D "$data" -A trust -U postgres -E UTF8 --no-locale >"$base/initdb.log" 2>&1 ||
      die "initdb failed, see $base/initdb.log"
  fi
  [[ "$base" == "$INFRA/postgres" ]] || log "postgres: data dir is $data (outside the repo)"
  as_pg mkdir -p "$sock"
  log "postgres: starting on 127.0.0.1:$PG_PORT (log $base/postgres.log)"
  as_pg "$bin/pg_ctl" -D "$data" -l "$base/postgres.log" -w -t "$WAIT_SECONDS" \
    -o "-p $PG_PORT -k '$sock' -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null ||
    die "pg_ctl start failed, see $base/postgres.log"
}
start_nats() {
  local dir="$INFRA/nats" detach=(nohup)
  mkdir -p "$dir"
  # own session, so a later Ctrl-C in this terminal (e.g. during `npm start`) does not reach it
  if command -v setsid >/dev/null; then detach=(setsid nohup); fi
  log "nats: starting with JetStream on 127.0.0.1:$NATS_PORT (log $dir/nats.log)"
  "${detach[@]}" "$(bin_path nats-server)" -js -sd "$dir" -a 127.0.0.1 -p "$NATS_PORT" -P "$dir/nats.pid" -l "$dir/nats.log" \
    >"$dir/stdout.log" 2>&1 </dev/null &
  echo "$NATS_PORT" >"$dir/port"
}
start_redis() {
  local dir="$INFRA/redis"
  mkdir -p "$dir"
  log "redis: starting on 127.0.0.1:$REDIS_PORT (log $dir/redis.log)"
  "$(bin_path redis-server)" --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$dir" --save "" --appendonly no \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" || die "redis-server failed, see $dir/redis.log"
  echo "$REDIS_PORT" >"$dir/port"
}
start_mosquitto() {
  local dir="$INFRA/mosquitto"
  mkdir -p "$dir"
  {
    echo "# generated by scripts/infra.sh"
    echo "listener $MQTT_PORT 127.0.0.1"
    echo "allow_anonymous true"
    echo "persistence true"
    echo "persistence_location $dir/"
    echo "pid_file $dir/mosquitto.pid"
    echo "log_dest file $dir/mosquitto.log"
    # as root, mosquitto would switch to the `mosquitto` user, which may not reach the repo
    if is_root; then echo "user root"; fi
  } >"$dir/mosquitto.conf"
  log "mosquitto: starting on 127.0.0.1:$MQTT_PORT (log $dir/mosquitto.log)"
  # (its "should not be run as root" warning goes to stderr.log)
  "$(bin_path mosquitto)" -c "$dir/mosquitto.conf" -d 2>"$dir/stderr.log" ||
    die "mosquitto failed: $(cat "$dir/stderr.log"); see $dir/mosquitto.log"
  echo "$MQTT_PORT" >"$dir/port"
}

# --- subcommands ------------------------------------------------------------------------------
cmd_up() {
  local svc port pid missing=()
  for svc in "${SERVICES[@]}"; do
    listening "$(port_of "$svc")" || have_bin "$svc" || missing+=("$(pkg_of "$svc")")
  done
  ((${#missing[@]} == 0)) || install_pkgs "${missing[@]}"
  for svc in "${SERVICES[@]}"; do
    port="$(port_of "$svc")"
    if listening "$port"; then
      wait_ready "$svc" 10 || die "something listens on 127.0.0.1:$port but does not answer as $svc"
      if pid="$(our_pid "$svc")" && [[ "$(our_port "$svc")" == "$port" ]]; then
        log "$svc: ours already up on 127.0.0.1:$port (pid $pid)"
      else
        log "$svc: using the existing server on 127.0.0.1:$port"
      fi
    else
      if pid="$(our_pid "$svc")"; then
        die "$svc: our instance (pid $pid) runs on port $(our_port "$svc"), not $port; run 'bash scripts/infra.sh down' first"
      fi
      "start_$svc"
      wait_ready "$svc" "$WAIT_SECONDS" || die "$svc did not answer on 127.0.0.1:$port within ${WAIT_SECONDS}s; see $INFRA/$svc/ or $(pg_base)"
      log "$svc: started on 127.0.0.1:$port (pid $(our_pid "$svc" || echo '?'))"
    fi
    if [[ $svc == nats ]]; then check_jetstream; fi
    if [[ $svc == postgres ]]; then check_pg_trust; fi
  done
  log "ready: postgres://postgres@127.0.0.1:$PG_PORT/postgres nats://127.0.0.1:$NATS_PORT redis://127.0.0.1:$REDIS_PORT mqtt://127.0.0.1:$MQTT_PORT"
}

cmd_down() {
  local svc pid i stopped=0
  for svc in "${SERVICES[@]}"; do
    if ! pid="$(our_pid "$svc")"; then
      log "$svc: none of ours running"
      continue
    fi
    log "$svc: stopping ours (pid $pid)"
    if [[ $svc == postgres ]]; then
      as_pg "$(pg_bin)/pg_ctl" -D "$(pg_base)/data" -m fast -w -t "$WAIT_SECONDS" stop >/dev/null || log "$svc: pg_ctl stop failed"
    else
      kill -TERM "$pid" 2>/dev/null || true
      for ((i = 0; i < WAIT_SECONDS * 2; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      if kill -0 "$pid" 2>/dev/null; then log "$svc: still running, sending SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; fi
      rm -f "$(pidfile_of "$svc")" "$INFRA/$svc/port"
    fi
    stopped=$((stopped + 1))
  done
  log "stopped $stopped service(s); servers not started by this script were left alone"
}

cmd_status() {
  local svc port pid state who rc=0
  for svc in "${SERVICES[@]}"; do
    port="$(port_of "$svc")"; pid=""
    if ready "$svc"; then state=up; else state=down; rc=3; fi
    who=""
    if pid="$(our_pid "$svc")" && [[ "$(our_port "$svc")" == "$port" ]]; then who="ours, pid $pid"
    elif [[ $state == up ]]; then who=external; fi
    if [[ -n "$pid" && "$(our_port "$svc")" != "$port" ]]; then who="${who:+$who; }ours runs on port $(our_port "$svc"), pid $pid"; fi
    printf '[infra] %-10s 127.0.0.1:%-6s %-5s %s\n' "$svc" "$port" "$state" "${who:+($who)}"
  done
  return "$rc"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) echo "usage: bash scripts/infra.sh up|down|status" >&2; exit 2 ;;
esac
