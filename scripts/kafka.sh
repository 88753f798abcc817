#!/usr/bin/env bash
# The real Apache Kafka broker, single node in KRaft mode, on 127.0.0.1:9092.
# Its jars come from Maven Central once (scripts/kafka/pom.xml) into the ignored .cache/kafka/libs.
# Usage: scripts/kafka.sh up|down|status|fetch|reset
set -euo pipefail
STACK_SERVICE=kafka
source "$(dirname "$0")/lib.sh"

HERE="$ROOT/scripts/kafka"
HOME_DIR="$CACHE/kafka"
LIBS="$HOME_DIR/libs"
DATA="$HOME_DIR/data"
CONFIG="$HOME_DIR/server.properties"
PIDFILE="$HOME_DIR/kafka.pid"
LOG="$LOGS/kafka.log"
HEAP=${KAFKA_HEAP:-512m}

ready() { port_open 127.0.0.1 9092; }

fetch() {
  if [ -f "$LIBS/.complete" ] && [ "$LIBS/.complete" -nt "$HERE/pom.xml" ]; then
    return 0
  fi
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  command -v mvn >/dev/null || apt_install maven
  say "fetching the broker's jars from Maven Central (once)"
  rm -rf "$LIBS"
  mvn -q -B -f "$HERE/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$LIBS" -DincludeScope=runtime >"$LOGS/kafka-fetch.log" 2>&1 \
    || die "fetching Kafka failed; see $LOGS/kafka-fetch.log"
  touch "$LIBS/.complete"
}

kafka_java() { java -Xms"$HEAP" -Xmx"$HEAP" -Dlog4j2.configurationFile="$HERE/log4j2.properties" -cp "$LIBS/*" "$@"; }

format_storage() {
  { cat "$HERE/server.properties"; echo "log.dirs=$DATA"; } >"$CONFIG"
  if [ ! -f "$DATA/meta.properties" ]; then
    local cluster_id
    cluster_id=$(kafka_java kafka.tools.StorageTool random-uuid)
    kafka_java kafka.tools.StorageTool format -t "$cluster_id" -c "$CONFIG" >>"$LOG" 2>&1 \
      || die "formatting the storage failed; see $LOG"
  fi
}

running_pid() {
  if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    cat "$PIDFILE"
  else
    # A broker this checkout did not start (another clone's stack) still owns the port: it is ours to stop.
    pgrep -f '^java .* kafka\.Kafka ' | head -n 1
  fi
}

started() { grep -q "Kafka Server started" "$LOG" 2>/dev/null && ready; }

up() {
  if ready; then
    say "up on 127.0.0.1:9092; logs: $LOG"
    return 0
  fi
  fetch
  mkdir -p "$DATA"
  format_storage
  : >"$LOG"
  nohup java -Xms"$HEAP" -Xmx"$HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Dlog4j2.configurationFile="$HERE/log4j2.properties" \
    -cp "$LIBS/*" kafka.Kafka "$CONFIG" >>"$LOG" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  if ! wait_until 90 "Kafka" started; then
    kill -0 "$(cat "$PIDFILE")" 2>/dev/null || die "Kafka exited while starting; see $LOG"
    die "Kafka did not start within 90 s; see $LOG"
  fi
  say "up on 127.0.0.1:9092 (KRaft, single node); logs: $LOG"
}

down() {
  local pid
  if pid=$(running_pid); then
    kill -TERM "$pid"
    if ! wait_until 60 "Kafka to stop" bash -c "! kill -0 $pid 2>/dev/null"; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait_until 30 "the port to close" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/9092) 2>/dev/null" \
    || die "something still listens on 127.0.0.1:9092"
  rm -f "$PIDFILE"
  say "down"
}

status() {
  if ready; then say "up on 127.0.0.1:9092"; else say "down"; return 1; fi
}

# Drop all topics and offsets: stop, delete the data, start on a freshly formatted log.
reset() {
  down
  rm -rf "$DATA"
  up
}

"${1:-status}"
