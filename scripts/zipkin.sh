#!/usr/bin/env bash
# Zipkin, the trace store and UI (http://127.0.0.1:9411/zipkin/), in memory, loopback only.
# Its server jar (io.zipkin:zipkin-server:exec) comes from Maven Central once, into the ignored .cache/zipkin.
# Started by scripts/stack when tracing is asked for (OTEL_TRACES_EXPORTER=zipkin_json), by `make observe`,
# and by the tracing test.
# Usage: scripts/zipkin.sh up|down|status|fetch
set -euo pipefail
STACK_SERVICE=zipkin
source "$(dirname "$0")/lib.sh"

VERSION=3.6.1
PORT=${ZIPKIN_PORT:-9411}
HOME_DIR="$CACHE/zipkin"
JAR="$HOME_DIR/zipkin-server-$VERSION-exec.jar"
PIDFILE="$HOME_DIR/zipkin.pid"
LOG="$LOGS/zipkin.log"

ready() { curl -fsS "http://127.0.0.1:$PORT/health" 2>/dev/null | tr -d ' \n' | grep -q '"status":"UP"'; }

fetch() {
  [ -f "$JAR" ] && return 0
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  command -v mvn >/dev/null || apt_install maven
  say "fetching zipkin-server $VERSION from Maven Central (once)"
  mkdir -p "$HOME_DIR"
  mvn -q -B dependency:copy -Dartifact="io.zipkin:zipkin-server:$VERSION:jar:exec" \
    -DoutputDirectory="$HOME_DIR" >"$LOGS/zipkin-fetch.log" 2>&1 \
    || die "fetching Zipkin failed; see $LOGS/zipkin-fetch.log"
  [ -f "$JAR" ] || die "no $JAR after the fetch; see $LOGS/zipkin-fetch.log"
}

up() {
  if ready; then
    say "up on http://127.0.0.1:$PORT/zipkin/; logs: $LOG"
    return 0
  fi
  fetch
  : >"$LOG"
  # A small heap: spans live in memory (at most MEM_MAX_SPANS), which is what a developer machine needs.
  STORAGE_TYPE=mem MEM_MAX_SPANS=${ZIPKIN_MAX_SPANS:-100000} nohup java -Xms64m -Xmx512m -XX:+UseSerialGC \
    -XX:MaxDirectMemorySize=64m -XX:TieredStopAtLevel=1 -Xss512k -jar "$JAR" \
    "--armeria.ports[0].port=$PORT" "--armeria.ports[0].ip=127.0.0.1" "--armeria.ports[0].protocols=http" \
    >>"$LOG" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  if ! wait_until 90 "Zipkin" ready; then
    kill -0 "$(cat "$PIDFILE")" 2>/dev/null || die "Zipkin exited while starting; see $LOG"
    die "Zipkin did not start within 90 s; see $LOG"
  fi
  say "up on http://127.0.0.1:$PORT/zipkin/; logs: $LOG"
}

down() {
  local pid
  if [ -f "$PIDFILE" ] && pid=$(cat "$PIDFILE") && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    wait_until 30 "Zipkin to stop" bash -c "! kill -0 $pid 2>/dev/null" || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PIDFILE"
  say "down"
}

status() {
  if ready; then say "up on http://127.0.0.1:$PORT/zipkin/"; else say "down"; return 1; fi
}

"${1:-status}"
