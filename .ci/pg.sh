#!/usr/bin/env bash
# A throwaway PostgreSQL for the team-mode tests: initdb into a temp dir as a non-root user,
# listening only on a Unix socket in that dir (no TCP), trust authentication for local
# connections, durability off (it is thrown away).
#
#   .ci/pg.sh start DIR   initdb DIR/data, start the server, print the socket directory
#   .ci/pg.sh stop DIR    stop it (immediately) and remove DIR
#
# PostgreSQL refuses to run as root, and CI runs as root: then the cluster is owned by and
# runs as `nobody`, and DIR is made traversable for it. The database superuser is `postgres`
# whoever runs the server; tests connect with PGHOST=DIR/sock PGUSER=postgres.
# Needs the server binaries (Debian: postgresql-15; any 13 or newer): PG_BIN overrides where.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

find_bin() {
  if [ -n "${PG_BIN:-}" ]; then echo "$PG_BIN"; return; fi
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/initdb" ] && { echo "$d"; return; }
  done
  command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return; }
  echo "$0: no PostgreSQL server binaries (apt-get install postgresql)" >&2
  exit 2
}

# Runs a command as the cluster's owner: ourselves, or `nobody` when we are root.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    if command -v runuser >/dev/null 2>&1; then
      runuser -u nobody -- "$@"
    else
      setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
    fi
  else
    "$@"
  fi
}

case "$cmd" in
start)
  bin=$(find_bin)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  mkdir -p "$dir/data" "$dir/sock"
  if [ "$(id -u)" -eq 0 ]; then
    # The parents of DIR must be traversable by `nobody` (mktemp -d makes 0700 dirs).
    chmod 755 "$dir"
    chown nobody "$dir/data" "$dir/sock"
  fi
  as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync \
    --encoding=UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  # listen_addresses='' is "no TCP at all". The settings after it trade durability for
  # speed: the cluster lives for one test run.
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/data/server.log" -w -t 60 start -o \
    "-c listen_addresses='' -c unix_socket_directories='$dir/sock' -c fsync=off \
     -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 \
     -c shared_buffers=64MB" >/dev/null ||
    { cat "$dir/data/server.log" >&2; exit 1; }
  echo "$dir/sock"
  ;;
stop)
  [ -d "$dir/data" ] || exit 0
  bin=$(find_bin)
  as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start|stop DIR" >&2
  exit 2
  ;;
esac
