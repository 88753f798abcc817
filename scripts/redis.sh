#!/usr/bin/env bash
# Local Redis (the Celery broker) from Debian's packages, on 127.0.0.1:6379 without persistence.
# Usage: scripts/redis.sh up|down|status
set -euo pipefail
STACK_SERVICE=redis
source "$(dirname "$0")/lib.sh"

REDIS_PORT=${REDIS_PORT:-6379}
DIR="$CACHE/redis"
LOG="$LOGS/redis.log"

ready() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

up() {
  if ! command -v redis-server >/dev/null; then
    say "installing redis-server from Debian's packages"
    apt_install redis-server
  fi
  if ! ready; then
    mkdir -p "$DIR"
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
      --daemonize yes --dir "$DIR" --pidfile "$DIR/redis.pid" --logfile "$LOG"
    wait_until 30 "Redis" ready || die "Redis did not answer on 127.0.0.1:$REDIS_PORT; see $LOG"
  fi
  say "up on 127.0.0.1:$REDIS_PORT; logs: $LOG"
}

down() {
  if ready; then
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    wait_until 30 "Redis to stop" bash -c "! redis-cli -h 127.0.0.1 -p $REDIS_PORT ping >/dev/null 2>&1" || die "Redis did not stop"
  fi
  say "down"
}

status() {
  if ready; then say "up on 127.0.0.1:$REDIS_PORT"; else say "down"; return 1; fi
}

"${1:-status}"
