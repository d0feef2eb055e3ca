"""Turns benches/cli.sh's hyperfine exports into the Markdown tables of BENCHMARKS.md."""
import json, os, sys

out, sizes = sys.argv[1], sys.argv[2:]

def medians(path):
    with open(path) as f:
        return {r["command"]: r["median"] * 1000 for r in json.load(f)["results"]}

pairs = [("env list --json", "env list"), ("project list", "project list"), ("env show", "env show"),
         ("tree --project", "tree"), ("access check", "access check")]
rows = {n: {**medians(f"{out}/read-{n}.json"), **medians(f"{out}/write-{n}.json")} for n in sizes}

print("| environments | command | proj median (ms) | sqlite3 median (ms) | proj / sqlite3 |")
print("|---:|---|---:|---:|---:|")
for n in sizes:
    r = rows[n]
    print(f"| {int(n):,} | process start (`/bin/true`) | {r['process start (/bin/true)']:.2f} | | |")
    for proj, sql in pairs:
        a, b = r[f"proj {proj}"], r[f"sqlite3 {sql}"]
        print(f"| {int(n):,} | `{proj}` | {a:.2f} | {b:.2f} | {a / b:.2f}× |")
    a, b = r["proj env add"], r["sqlite3 insert"]
    print(f"| {int(n):,} | `env add` (write, synchronous=FULL) | {a:.2f} | {b:.2f} | {a / b:.2f}× |")

if len(sizes) > 1:
    lo, hi = sizes[0], sizes[-1]
    print()
    print(f"| command | {int(lo):,} (ms) | {int(hi):,} (ms) | growth |")
    print("|---|---:|---:|---:|")
    for proj, _ in pairs + [("env add", None)]:
        a, b = rows[lo][f"proj {proj}"], rows[hi][f"proj {proj}"]
        print(f"| `{proj}` | {a:.2f} | {b:.2f} | {b / a:.2f}× |")

print()
with open(f"{out}/binary.json") as f:
    size = json.load(f)["binary_bytes"]
print(f"release binary (stripped): {size / 1024 / 1024:.2f} MiB")
if os.path.exists(f"{out}/rss.jsonl"):
    with open(f"{out}/rss.jsonl") as f:
        peak = max((json.loads(l) for l in f), key=lambda r: r["max_rss_kb"])
    print(f"peak RSS: {peak['max_rss_kb'] / 1024:.1f} MiB ({peak['command']} on {peak['size']:,} environments)")
