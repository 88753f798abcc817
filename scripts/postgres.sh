#!/usr/bin/env bash
# Local PostgreSQL from Debian's packages: start the cluster, create the `todo` role and database.
# Usage: scripts/postgres.sh up|down|status
set -euo pipefail
STACK_SERVICE=postgres
source "$(dirname "$0")/lib.sh"

PGHOST=127.0.0.1
PGPORT=${PGPORT:-5432}
DB_NAME=${TODO_DB_NAME:-todo}
DB_USER=${TODO_DB_USER:-todo}
DB_PASSWORD=${TODO_DB_PASSWORD:-todo}

as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }

cluster() {
  # The newest installed cluster: "VERSION NAME".
  pg_lsclusters -h 2>/dev/null | awk '{print $1, $2}' | sort -V | tail -n 1
}

ensure_installed() {
  if ! command -v pg_lsclusters >/dev/null; then
    say "installing PostgreSQL from Debian's packages"
    apt_install postgresql
  fi
  if [ -z "$(cluster)" ]; then
    local version
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    say "creating cluster $version/main"
    pg_createcluster "$version" main >/dev/null
  fi
}

ready() { pg_isready -q -h "$PGHOST" -p "$PGPORT"; }

up() {
  ensure_installed
  read -r version name <<<"$(cluster)"
  if ! ready; then
    pg_ctlcluster "$version" "$name" start
    wait_until 60 "PostgreSQL" ready || die "PostgreSQL did not answer on $PGHOST:$PGPORT; see /var/log/postgresql/postgresql-$version-$name.log"
  fi
  as_postgres psql -q -p "$PGPORT" -v ON_ERROR_STOP=1 <<SQL
SELECT 'CREATE ROLE "$DB_USER" LOGIN CREATEDB PASSWORD ''$DB_PASSWORD'''
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER') \gexec
SELECT 'CREATE DATABASE "$DB_NAME" OWNER "$DB_USER"'
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$DB_NAME') \gexec
SQL
  say "up on $PGHOST:$PGPORT (database $DB_NAME, role $DB_USER); logs: /var/log/postgresql/postgresql-$version-$name.log"
}

down() {
  command -v pg_lsclusters >/dev/null || return 0
  read -r version name <<<"$(cluster)"
  [ -n "${version:-}" ] && pg_ctlcluster "$version" "$name" stop 2>/dev/null || true
  say "down"
}

status() {
  if ready; then say "up on $PGHOST:$PGPORT"; else say "down"; return 1; fi
}

"${1:-status}"
