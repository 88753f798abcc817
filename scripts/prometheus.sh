#!/usr/bin/env bash
# Prometheus from Debian's package, scraping every process of `make run` (ops/prometheus/prometheus.yml,
# with the alert rules of ops/prometheus/alerts.yml), on 127.0.0.1:9090, its data under .cache/prometheus.
# `install` only installs the package: the tests need its promtool.
# Usage: scripts/prometheus.sh up|down|status|install
set -euo pipefail
STACK_SERVICE=prometheus
source "$(dirname "$0")/lib.sh"

PROMETHEUS_PORT=${PROMETHEUS_PORT:-9090}
DIR="$CACHE/prometheus"
PIDFILE="$DIR/prometheus.pid"
LOG="$LOGS/prometheus.log"
CONFIG="$ROOT/ops/prometheus/prometheus.yml"
URL="http://127.0.0.1:$PROMETHEUS_PORT/"

ours() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }
ready() { ours && port_open 127.0.0.1 "$PROMETHEUS_PORT"; }

install() {
  if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
    say "installing prometheus (with promtool) from Debian's packages"
    # Without the recommended exporters (node, ipmi, smartmontools...): only the server and promtool.
    apt_install --no-install-recommends prometheus
    # Under systemd the package starts a service of its own (its config, every interface, port 9090):
    # this script runs the binary itself, so that service is stopped and disabled.
    if [ -d /run/systemd/system ]; then
      local sudo=""
      [ "$(id -u)" = 0 ] || sudo="sudo"
      $sudo systemctl disable --now prometheus >/dev/null 2>&1 || true
    fi
  fi
}

up() {
  install
  if ! ready; then
    if port_open 127.0.0.1 "$PROMETHEUS_PORT"; then
      die "127.0.0.1:$PROMETHEUS_PORT is taken by another process (the package's own service? systemctl disable --now prometheus)"
    fi
    mkdir -p "$DIR/data"
    nohup prometheus --config.file="$CONFIG" --storage.tsdb.path="$DIR/data" \
      --storage.tsdb.retention.time=7d --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" \
      >>"$LOG" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
    if ! wait_until 30 "Prometheus" ready; then
      ours || die "Prometheus exited while starting; see $LOG"
      die "Prometheus did not answer on 127.0.0.1:$PROMETHEUS_PORT within 30 s; see $LOG"
    fi
  fi
  say "up on $URL (targets: ${URL}targets, alerts: ${URL}alerts); logs: $LOG"
}

down() {
  if ours; then
    kill -TERM "$(cat "$PIDFILE")"
    wait_until 30 "Prometheus to stop" bash -c "! kill -0 $(cat "$PIDFILE") 2>/dev/null" || die "Prometheus did not stop"
  fi
  rm -f "$PIDFILE"
  say "down"
}

status() {
  if ready; then say "up on $URL"; else say "down"; return 1; fi
}

"${1:-status}"
