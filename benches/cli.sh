#!/usr/bin/env bash
# Times whole `proj` processes on generated files of growing size, side by side in one
# hyperfine run with the floor (examples/floor.rs: the smallest program that opens the same
# file with the same pragmas and answers the same question with one query), the sqlite3 shell
# asked the same question, and /bin/true (process start). Then counts the instructions of
# `proj` and of the floor with callgrind, which repeat exactly even on a busy machine.
#
#   benches/cli.sh [SIZE...]        default sizes: 1000 10000 100000
#
# Needs hyperfine, sqlite3 and valgrind (apt-get install hyperfine sqlite3 valgrind). Writes
# the raw hyperfine JSON and a Markdown table to target/bench/. Not run by CI: timings need a
# quiet machine (the table says the load average during the run).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in hyperfine sqlite3 valgrind python3; do
  command -v "$tool" >/dev/null || { echo "benches/cli.sh: $tool is missing (apt-get install $tool)" >&2; exit 2; }
done

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000 100000)
cargo build --release --quiet --bin proj --example generate --example floor
bin=$PWD/target/release/proj
gen=$PWD/target/release/examples/generate
floor=$PWD/target/release/examples/floor
out=$PWD/target/bench
mkdir -p "$out"
rm -f "$out/rss.jsonl" "$out/instructions.jsonl" "$out/load.txt"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Every question is asked as the owner every generated organization has.
export PROJ_AS=user1@example.com NO_COLOR=1
unset PROJ_DB PROJ_ORG PROJ_PROJECT PROJ_OUTPUT COMPLETE

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
# The member's organization role and every grant they hold on the project, their own and
# their teams': what `proj access check` decides from (the floor asks the same).
access_sql="SELECT m.role, g.role, e.slug, t.slug FROM members m JOIN orgs o ON o.id = m.org_id
  LEFT JOIN grants g ON g.project_id = (SELECT p.id FROM projects p WHERE p.org_id = o.id AND p.slug = 'project-1')
    AND (g.member_id = m.id OR g.team_id IN (SELECT tm.team_id FROM team_members tm WHERE tm.member_id = m.id))
  LEFT JOIN environments e ON e.id = g.environment_id LEFT JOIN teams t ON t.id = g.team_id
  WHERE o.slug = 'org-1' AND m.email = 'user4@example.com'"
insert_sql="PRAGMA synchronous = FULL; INSERT INTO environments (project_id, slug, display_name, kind, protected, created_at)
  VALUES ((SELECT p.id FROM projects p JOIN orgs o ON o.id = p.org_id WHERE o.slug = 'org-1' AND p.slug = 'project-1'),
  'bench-sql', 'Bench Sql', 'custom', 0, '2026-11-27T00:00:00Z')"

# Instructions (callgrind) of one command, appended to instructions.jsonl as SIZE/NAME/WHO.
count() {
  local size=$1 name=$2 who=$3
  shift 3
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" >/dev/null 2>"$work/cg" || true
  local n
  n=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$work/cg")
  echo "{\"size\": $size, \"command\": \"$name\", \"who\": \"$who\", \"instructions\": $n}" >>"$out/instructions.jsonl"
}

for n in "${sizes[@]}"; do
  db=$work/$n.db
  "$gen" "$n" "$db" 1 >"$out/summary-$n.json"
  p="$bin --db $db -p org-1/project-1"
  uptime >>"$out/load.txt"
  hyperfine --shell=none --warmup 10 --runs 100 --export-json "$out/read-$n.json" \
    -n "process start (/bin/true)" "/bin/true" \
    -n "proj env list --json" "$p env list --json" \
    -n "floor env list" "$floor $db env-list" \
    -n "sqlite3 env list" "sqlite3 -json $db \"$env_list_sql\"" \
    -n "proj project list" "$p project list" \
    -n "floor project list" "$floor $db project-list" \
    -n "sqlite3 project list" "sqlite3 -box $db \"$project_list_sql\"" \
    -n "proj env show" "$p env show staging" \
    -n "floor env show" "$floor $db env-show" \
    -n "sqlite3 env show" "sqlite3 $db \"$env_show_sql\"" \
    -n "proj tree --project" "$p tree" \
    -n "floor tree" "$floor $db tree" \
    -n "sqlite3 tree" "sqlite3 $db \"$tree_sql\"" \
    -n "proj access check" "$bin --db $db access check user4@example.com env.update org-1/project-1/production" \
    -n "floor access check" "$floor $db access-check" \
    -n "sqlite3 access check" "sqlite3 $db \"$access_sql\""
  hyperfine --warmup 5 --runs 60 --export-json "$out/write-$n.json" \
    -n "proj env add" --prepare "$p env rm bench-x --yes --quiet || true" "$p env add bench-x --quiet" \
    -n "floor env add" --prepare "sqlite3 $db \"DELETE FROM environments WHERE slug = 'bench-floor'\"" \
      "$floor $db env-add" \
    -n "sqlite3 insert" --prepare "sqlite3 $db \"DELETE FROM environments WHERE slug = 'bench-sql'\"" \
      "sqlite3 $db \"$insert_sql\""
  uptime >>"$out/load.txt"
  # Peak resident memory of the largest reads and of a write.
  for cmd in "env list --json" "project list" "tree" "env add bench-rss --quiet"; do
    /usr/bin/time -f "%M" -o "$work/rss" $p $cmd >/dev/null
    echo "{\"size\": $n, \"command\": \"proj $cmd\", \"max_rss_kb\": $(cat "$work/rss")}" >>"$out/rss.jsonl"
  done
  $p env rm bench-rss --yes --quiet
  # Instructions, which a busy machine does not change.
  count "$n" "env list --json" proj $p env list --json
  count "$n" "env list --json" floor "$floor" "$db" env-list
  count "$n" "project list" proj $p project list
  count "$n" "project list" floor "$floor" "$db" project-list
  count "$n" "env show" proj $p env show staging
  count "$n" "env show" floor "$floor" "$db" env-show
  count "$n" "tree --project" proj $p tree
  count "$n" "tree --project" floor "$floor" "$db" tree
  count "$n" "access check" proj "$bin" --db "$db" access check user4@example.com env.update org-1/project-1/production
  count "$n" "access check" floor "$floor" "$db" access-check
done

# What does not depend on the file's size, on the largest file: the fast paths, and shell
# completion of a stored name (`proj -p org-1/project-1 env show st<TAB>` in bash).
db=$work/${sizes[-1]}.db
complete_line=(proj --db "$db" -p org-1/project-1 env show st)
hyperfine --shell=none --warmup 10 --runs 100 --export-json "$out/start.json" \
  -n "process start (/bin/true)" "/bin/true" \
  -n "proj --version" "$bin --version" \
  -n "proj --help" "$bin --help"
(
  export COMPLETE=bash _CLAP_IFS=$'\013' _CLAP_COMPLETE_INDEX=7 _CLAP_COMPLETE_COMP_TYPE=9 _CLAP_COMPLETE_SPACE=true
  hyperfine --shell=none --warmup 10 --runs 100 --export-json "$out/complete.json" \
    -n "proj completion of an environment" "$bin -- ${complete_line[*]}"
  count 0 "completion of an environment" proj "$bin" -- "${complete_line[@]}"
)
count 0 "--version" proj "$bin" --version
count 0 "--help" proj "$bin" --help
/usr/bin/time -f "%M" -o "$work/rss" "$bin" --help >/dev/null
echo "{\"size\": 0, \"command\": \"proj --help\", \"max_rss_kb\": $(cat "$work/rss")}" >>"$out/rss.jsonl"
uptime >>"$out/load.txt"

stat -c '{"binary_bytes": %s}' "$bin" >"$out/binary.json"
python3 benches/summarize.py "$out" "${sizes[@]}" | tee "$out/table.md"
