#!/usr/bin/env bash
# Times whole `proj` processes on generated files of growing size, beside the sqlite3 shell
# answering the same questions (the floor) and /bin/true (process start).
#
#   benches/cli.sh [SIZE...]        default sizes: 1000 10000 100000
#
# Needs hyperfine and sqlite3 (apt-get install hyperfine sqlite3). Writes the raw hyperfine
# JSON and a Markdown table to target/bench/. Not run by CI: numbers need a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in hyperfine sqlite3 python3; do
  command -v "$tool" >/dev/null || { echo "benches/cli.sh: $tool is missing (apt-get install $tool)" >&2; exit 2; }
done

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000 100000)
cargo build --release --quiet --bin proj --example generate
bin=$PWD/target/release/proj
gen=$PWD/target/release/examples/generate
out=$PWD/target/bench
mkdir -p "$out"
rm -f "$out/rss.jsonl"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Every question is asked as the owner every generated organization has.
export PROJ_AS=user1@example.com NO_COLOR=1
unset PROJ_DB PROJ_ORG PROJ_PROJECT PROJ_OUTPUT

env_list_sql="SELECT e.slug, e.display_name, e.kind, e.protected, e.archived_at, e.created_at
  FROM environments e JOIN projects p ON p.id = e.project_id JOIN orgs o ON o.id = p.org_id
  WHERE o.slug = 'org-1' AND p.slug = 'project-1' AND e.archived_at IS NULL
  ORDER BY CASE e.kind WHEN 'development' THEN 0 WHEN 'staging' THEN 1 WHEN 'custom' THEN 2 ELSE 3 END, e.id"
project_list_sql="SELECT p.slug, o.slug, p.display_name, group_concat(e.slug, ', '), p.created_at
  FROM projects p JOIN orgs o ON o.id = p.org_id LEFT JOIN environments e ON e.project_id = p.id
  WHERE o.slug = 'org-1' GROUP BY p.id ORDER BY p.slug"
env_show_sql="SELECT e.* FROM environments e JOIN projects p ON p.id = e.project_id JOIN orgs o ON o.id = p.org_id
  WHERE o.slug = 'org-1' AND p.slug = 'project-1' AND e.slug = 'staging'"
tree_sql="SELECT e.slug, e.kind, e.protected, r.slug, r.type FROM environments e
  JOIN projects p ON p.id = e.project_id JOIN orgs o ON o.id = p.org_id
  LEFT JOIN resources r ON r.environment_id = e.id
  WHERE o.slug = 'org-1' AND p.slug = 'project-1' ORDER BY e.id, r.slug"
access_sql="SELECT m.role, g.role FROM members m JOIN orgs o ON o.id = m.org_id
  LEFT JOIN grants g ON g.member_id = m.id AND g.project_id = (SELECT p.id FROM projects p WHERE p.org_id = o.id AND p.slug = 'project-1')
  WHERE o.slug = 'org-1' AND m.email = 'user4@example.com'"
insert_sql="PRAGMA synchronous = FULL; INSERT INTO environments (project_id, slug, display_name, kind, protected, created_at)
  VALUES ((SELECT p.id FROM projects p JOIN orgs o ON o.id = p.org_id WHERE o.slug = 'org-1' AND p.slug = 'project-1'),
  'bench-sql', 'Bench Sql', 'custom', 0, '2026-11-27T00:00:00Z')"

for n in "${sizes[@]}"; do
  db=$work/$n.db
  "$gen" "$n" "$db" 1 >"$out/summary-$n.json"
  p="$bin --db $db -p org-1/project-1"
  hyperfine --shell=none --warmup 10 --runs 100 --export-json "$out/read-$n.json" \
    -n "process start (/bin/true)" "/bin/true" \
    -n "proj env list --json" "$p env list --json" \
    -n "sqlite3 env list" "sqlite3 -json $db \"$env_list_sql\"" \
    -n "proj project list" "$p project list" \
    -n "sqlite3 project list" "sqlite3 -box $db \"$project_list_sql\"" \
    -n "proj env show" "$p env show staging" \
    -n "sqlite3 env show" "sqlite3 $db \"$env_show_sql\"" \
    -n "proj tree --project" "$p tree" \
    -n "sqlite3 tree" "sqlite3 $db \"$tree_sql\"" \
    -n "proj access check" "$bin --db $db access check user4@example.com env.update org-1/project-1/production" \
    -n "sqlite3 access check" "sqlite3 $db \"$access_sql\""
  hyperfine --warmup 5 --runs 60 --export-json "$out/write-$n.json" \
    -n "proj env add" --prepare "$p env rm bench-x --yes --quiet || true" "$p env add bench-x --quiet" \
    -n "sqlite3 insert" --prepare "sqlite3 $db \"DELETE FROM environments WHERE slug = 'bench-sql'\"" \
      "sqlite3 $db \"$insert_sql\""
  # Peak resident memory of the largest read and of a write.
  for cmd in "env list --json" "project list" "tree"; do
    /usr/bin/time -f "%M" -o "$work/rss" $p $cmd >/dev/null
    echo "{\"size\": $n, \"command\": \"proj $cmd\", \"max_rss_kb\": $(cat "$work/rss")}" >>"$out/rss.jsonl"
  done
done
stat -c '{"binary_bytes": %s}' "$bin" >"$out/binary.json"
python3 benches/summarize.py "$out" "${sizes[@]}" | tee "$out/table.md"
