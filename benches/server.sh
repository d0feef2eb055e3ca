#!/usr/bin/env bash
# Times whole `proj` processes on a PostgreSQL server (team mode), beside the floor: a minimal
# release program on the same client crate (`examples/pg_floor.rs`, crate `postgres`) that
# connects over the same Unix socket and asks the same question in one statement, and
# `psql -Atc` doing the same.
#
#   benches/server.sh [SIZE...]        default sizes: 1000 10000
#
# Starts a throwaway server as .ci/pg.sh does (a Unix socket in a temp dir, no TCP, durability
# off) and stops it at the end. Each size is a file from examples/generate.rs moved to the
# server the way a team would: `proj export --all | proj --db postgres://… apply --yes -`.
# Needs hyperfine, psql and the PostgreSQL server binaries. Writes the raw hyperfine JSON and
# a Markdown table to target/bench-server/. Not run by CI: numbers need a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in hyperfine psql python3; do
  command -v "$tool" >/dev/null || { echo "benches/server.sh: $tool is missing (apt-get install $tool)" >&2; exit 2; }
done

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000)
cargo build --release --quiet --bin proj --example generate --example pg_floor
bin=$PWD/target/release/proj
gen=$PWD/target/release/examples/generate
floor=$PWD/target/release/examples/pg_floor
out=$PWD/target/bench-server
mkdir -p "$out"
work=$(mktemp -d)
pgdir=$(mktemp -d)
trap '.ci/pg.sh stop "$pgdir"; rm -rf "$work"' EXIT
sock=$(.ci/pg.sh start "$pgdir")
login=bench
psql -h "$sock" -U postgres -d postgres -qc "CREATE ROLE $login LOGIN"

unset PROJ_DB PROJ_ORG PROJ_PROJECT PROJ_OUTPUT PROJ_AS PGHOST PGPORT PGDATABASE PGPASSWORD
export NO_COLOR=1 PGUSER=$login

env_list_sql="SELECT e.slug, e.display_name, e.kind, e.protected, e.archived_at, e.created_at
  FROM proj.environments e JOIN proj.projects p ON p.id = e.project_id JOIN proj.orgs o ON o.id = p.org_id
  WHERE o.slug = 'org-1' AND p.slug = 'project-1' AND e.archived_at IS NULL
  ORDER BY CASE e.kind WHEN 'development' THEN 0 WHEN 'staging' THEN 1 WHEN 'custom' THEN 2 ELSE 3 END, e.id"
project_list_sql="SELECT p.slug, o.slug, p.display_name, string_agg(e.slug, ', '), p.created_at
  FROM proj.projects p JOIN proj.orgs o ON o.id = p.org_id LEFT JOIN proj.environments e ON e.project_id = p.id
  WHERE o.slug = 'org-1' GROUP BY p.id, o.slug ORDER BY p.slug"
env_show_sql="SELECT e.* FROM proj.environments e JOIN proj.projects p ON p.id = e.project_id JOIN proj.orgs o ON o.id = p.org_id
  WHERE o.slug = 'org-1' AND p.slug = 'project-1' AND e.slug = 'staging'"
tree_sql="SELECT e.slug, e.kind, e.protected, r.slug, r.type FROM proj.environments e
  JOIN proj.projects p ON p.id = e.project_id JOIN proj.orgs o ON o.id = p.org_id
  LEFT JOIN proj.resources r ON r.environment_id = e.id
  WHERE o.slug = 'org-1' AND p.slug = 'project-1' ORDER BY e.id, r.slug"
access_sql="SELECT m.role, g.role FROM proj.members m JOIN proj.orgs o ON o.id = m.org_id
  LEFT JOIN proj.grants g ON g.member_id = m.id AND g.project_id = (SELECT p.id FROM proj.projects p WHERE p.org_id = o.id AND p.slug = 'project-1')
  WHERE o.slug = 'org-1' AND m.email = 'user4@example.com'"
insert_sql="INSERT INTO proj.environments (project_id, slug, display_name, kind, protected, created_at)
  VALUES ((SELECT p.id FROM proj.projects p JOIN proj.orgs o ON o.id = p.org_id WHERE o.slug = 'org-1' AND p.slug = 'project-1'),
  'bench-sql', 'Bench Sql', 'custom', false, '2026-11-27T00:00:00Z')"

for n in "${sizes[@]}"; do
  file=$work/$n.db
  dbname=bench_$n
  "$gen" "$n" "$file" 1 >"$out/summary-$n.json"
  psql -h "$sock" -U postgres -d postgres -qc "CREATE DATABASE $dbname OWNER $login"
  url="postgresql:///$dbname?host=$sock"
  # The whole layout, as the owner every generated organization has, onto the server; the
  # login running apply becomes the first owner it creates (user1@example.com of org-1).
  started=$(date +%s%N)
  "$bin" --db "$file" --as user1@example.com export --all |
    "$bin" --db "$url" apply --yes --quiet -
  echo "{\"size\": $n, \"load_ms\": $(( ($(date +%s%N) - started) / 1000000 ))}" >"$out/load-$n.json"
  p="$bin --db $url -p org-1/project-1"
  f="$floor $sock $login $dbname"
  q="psql -h $sock -U $login -d $dbname -Atc"
  hyperfine --shell=none --warmup 10 --runs 100 --export-json "$out/read-$n.json" \
    -n "floor connect (select 1)" "$f \"SELECT 1\"" \
    -n "psql connect (select 1)" "$q \"SELECT 1\"" \
    -n "proj env list --json" "$p env list --json" \
    -n "floor env list" "$f \"$env_list_sql\"" \
    -n "psql env list" "$q \"$env_list_sql\"" \
    -n "proj project list" "$p project list" \
    -n "floor project list" "$f \"$project_list_sql\"" \
    -n "psql project list" "$q \"$project_list_sql\"" \
    -n "proj env show" "$p env show staging" \
    -n "floor env show" "$f \"$env_show_sql\"" \
    -n "psql env show" "$q \"$env_show_sql\"" \
    -n "proj tree --project" "$p tree" \
    -n "floor tree" "$f \"$tree_sql\"" \
    -n "psql tree" "$q \"$tree_sql\"" \
    -n "proj access check" "$bin --db $url access check user4@example.com env.update org-1/project-1/production" \
    -n "floor access check" "$f \"$access_sql\"" \
    -n "psql access check" "$q \"$access_sql\""
  hyperfine --warmup 5 --runs 60 --export-json "$out/write-$n.json" \
    -n "proj env add" --prepare "$p env rm bench-x --yes --quiet || true" "$p env add bench-x --quiet" \
    -n "floor insert" --prepare "$q \"DELETE FROM proj.environments WHERE slug = 'bench-sql'\"" \
      "$f \"$insert_sql\"" \
    -n "psql insert" --prepare "$q \"DELETE FROM proj.environments WHERE slug = 'bench-sql'\"" \
      "$q \"$insert_sql\""
  # What each command sends: statements (PROJ_TRACE_SQL writes one line each).
  for cmd in "env list --json" "project list" "env show staging" "tree" "env add bench-y --quiet"; do
    rm -f "$work/trace"
    PROJ_TRACE_SQL=$work/trace $p $cmd >/dev/null
    echo "{\"size\": $n, \"command\": \"proj $cmd\", \"statements\": $(wc -l <"$work/trace")}"
  done >"$out/statements-$n.jsonl"
done
uptime >"$out/uptime.txt"
python3 - "$out" "${sizes[@]}" <<'EOF' | tee "$out/table.md"
import json, sys
out, sizes = sys.argv[1], sys.argv[2:]
def medians(path):
    with open(path) as f:
        return {r["command"]: r["median"] * 1000 for r in json.load(f)["results"]}
names = [("env list --json", "env list"), ("project list", "project list"),
         ("env show", "env show"), ("tree --project", "tree"), ("access check", "access check")]
print("| environments | command | proj | floor | psql -Atc | proj / floor | target |")
print("|---:|---|---:|---:|---:|---:|---:|")
for n in sizes:
    r = {**medians(f"{out}/read-{n}.json"), **medians(f"{out}/write-{n}.json")}
    print(f"| {int(n):,} | connect and `SELECT 1` | | {r['floor connect (select 1)']:.2f} | "
          f"{r['psql connect (select 1)']:.2f} | | |")
    for proj, q in names:
        a, b, c = r[f"proj {proj}"], r[f"floor {q}"], r[f"psql {q}"]
        print(f"| {int(n):,} | `{proj}` | {a:.2f} | {b:.2f} | {c:.2f} | {a / b:.2f}× | ≤ 1.3× |")
    a, b, c = r["proj env add"], r["floor insert"], r["psql insert"]
    print(f"| {int(n):,} | `env add` (one INSERT for the floor) | {a:.2f} | {b:.2f} | {c:.2f} | "
          f"{a / b:.2f}× | ≤ 1.5× |")
print()
for n in sizes:
    with open(f"{out}/load-{n}.json") as f:
        load = json.load(f)["load_ms"] / 1000
    with open(f"{out}/statements-{n}.jsonl") as f:
        counts = ", ".join(f"`{s['command']}` {s['statements']}" for s in map(json.loads, f))
    print(f"- {int(n):,} environments: loaded with `export | apply` in {load:.1f} s; statements sent: {counts}")
with open(f"{out}/uptime.txt") as f:
    print(f"- load after the run: {f.read().strip()}")
EOF
