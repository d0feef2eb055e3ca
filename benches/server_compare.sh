#!/usr/bin/env bash
# Two proj binaries side by side on one throwaway PostgreSQL server, each on a database of its
# own schema, with the same layout, timed as a plain login (a member held by the database to
# the access model, not the schema's owner):
#
#   benches/server_compare.sh OLD_BIN NEW_BIN [ENVS]      default ENVS: 200
#
# The layout: organization acme (owner ana) with project shop holding ENVS environments, a
# member bo with developer on shop. Timed as bo: `env list`, `env show`, `access check`, and
# `env add` + `env remove` (a write pair, so the layout stays the same). Writes hyperfine's
# Markdown tables to target/bench-compare/. Needs hyperfine, psql and the PostgreSQL server
# binaries (.ci/pg.sh finds them). Not run by CI: numbers need a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
old=$(realpath "$1")
new=$(realpath "$2")
envs=${3:-200}
out=$PWD/target/bench-compare
mkdir -p "$out"
pgdir=$(mktemp -d)
trap '.ci/pg.sh stop "$pgdir"' EXIT
sock=$(.ci/pg.sh start "$pgdir")
psql -h "$sock" -U postgres -d postgres -qc "CREATE ROLE proj_owner LOGIN" \
  -c 'CREATE ROLE "ana@acme.dev" LOGIN' -c 'CREATE ROLE "bo@acme.dev" LOGIN'
unset PROJ_DB PROJ_ORG PROJ_PROJECT PROJ_OUTPUT PROJ_AS PGHOST PGPORT PGDATABASE PGPASSWORD
export NO_COLOR=1

for side in old new; do
  bin=${!side}
  psql -h "$sock" -U postgres -d postgres -qc "CREATE DATABASE $side OWNER proj_owner"
  db="postgresql:///$side?host=$sock"
  PGUSER=proj_owner "$bin" --db "$db" doctor --upgrade >/dev/null || true
  PGUSER=ana@acme.dev "$bin" --db "$db" init --yes --user ana@acme.dev --org acme --project shop >/dev/null
  for i in $(seq 1 "$envs"); do
    PGUSER=ana@acme.dev "$bin" --db "$db" env add "e$i" -p acme/shop -q
  done
  PGUSER=ana@acme.dev "$bin" --db "$db" member add bo@acme.dev --login bo@acme.dev --role member -q
  PGUSER=ana@acme.dev "$bin" --db "$db" member grant bo@acme.dev -p acme/shop --role developer -q
done

bo() { echo "env PGUSER=bo@acme.dev $1 --db postgresql:///$2?host=$sock"; }
run() {
  local name=$1
  shift
  hyperfine -N --warmup 5 --runs 40 --export-markdown "$out/$name.md" \
    -n old "$(bo "$old" old) $*" -n new "$(bo "$new" new) $*"
}
run env-list env list -p acme/shop
run env-show env show acme/shop/e1
run access-check access check bo@acme.dev env.update acme/shop/e1
hyperfine -N --warmup 3 --runs 30 --export-markdown "$out/env-add-remove.md" \
  -n old "sh -c '$(bo "$old" old) env add bench -p acme/shop -q && $(bo "$old" old) env remove acme/shop/bench --yes -q'" \
  -n new "sh -c '$(bo "$new" new) env add bench -p acme/shop -q && $(bo "$new" new) env remove acme/shop/bench --yes -q'"
cat "$out"/*.md
