#!/usr/bin/env bash
# Times layout files on the generated 100k-environment file (BENCHMARKS.md, "Layout files"):
#   - export of everything (`proj export --all`),
#   - planning that export against the file it came from (`proj apply --dry-run`: no changes),
#   - applying it to a database that does not exist yet (`proj apply --yes`).
#
#   benches/layout.sh [ENVIRONMENTS]       default 100000
#
# Needs hyperfine (apt-get install hyperfine). Writes the raw hyperfine JSON to target/bench/.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "benches/layout.sh: hyperfine is missing (apt-get install hyperfine)" >&2; exit 2; }

n=${1:-100000}
cargo build --release --quiet --bin proj --example generate
bin=$PWD/target/release/proj
gen=$PWD/target/release/examples/generate
out=$PWD/target/bench
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Asked as the owner every generated organization has.
export PROJ_AS=user1@example.com NO_COLOR=1
unset PROJ_DB PROJ_ORG PROJ_PROJECT PROJ_OUTPUT

"$gen" "$n" "$work/big.db" 1 >"$out/layout-summary-$n.json"
"$bin" --db "$work/big.db" export --all >"$work/layout.toml"
echo "layout file: $(wc -c <"$work/layout.toml") bytes, $(grep -c '^\[\[org.project.env\]\]' "$work/layout.toml") environments" >&2
"$bin" --db "$work/big.db" apply --dry-run "$work/layout.toml" | grep -qx 'no changes'

hyperfine --warmup 2 --runs 10 --export-json "$out/layout-$n.json" \
  -n "export --all" "$bin --db $work/big.db export --all" \
  -n "apply --dry-run (against itself)" "$bin --db $work/big.db apply --dry-run $work/layout.toml" \
  -n "apply --yes (to a new file)" --prepare "rm -f $work/new.db $work/new.db-wal $work/new.db-shm" \
    "$bin --db $work/new.db apply --yes $work/layout.toml"

# Peak resident memory of each.
for cmd in "export --all" "apply --dry-run $work/layout.toml"; do
  /usr/bin/time -f "%M KiB  proj $cmd" "$bin" --db "$work/big.db" $cmd >/dev/null
done
rm -f "$work/new.db" "$work/new.db-wal" "$work/new.db-shm"
/usr/bin/time -f "%M KiB  proj apply --yes (new file)" "$bin" --db "$work/new.db" apply --yes "$work/layout.toml" >/dev/null
