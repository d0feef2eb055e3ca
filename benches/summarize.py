"""Turns benches/cli.sh's hyperfine exports and callgrind counts into the Markdown tables of
BENCHMARKS.md."""
import json, os, sys

out, sizes = sys.argv[1], sys.argv[2:]

def medians(path):
    with open(path) as f:
        return {r["command"]: r["median"] * 1000 for r in json.load(f)["results"]}

def lines(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]

pairs = [("env list --json", "env list"), ("project list", "project list"), ("env show", "env show"),
         ("tree --project", "tree"), ("access check", "access check")]
rows = {n: {**medians(f"{out}/read-{n}.json"), **medians(f"{out}/write-{n}.json")} for n in sizes}

print("Medians in milliseconds.")
print()
print("| environments | command | proj | floor | sqlite3 | proj / floor | proj / sqlite3 |")
print("|---:|---|---:|---:|---:|---:|---:|")
for n in sizes:
    r = rows[n]
    print(f"| {int(n):,} | process start (`/bin/true`) | {r['process start (/bin/true)']:.2f} | | | | |")
    for proj, short in pairs:
        a, f, s = r[f"proj {proj}"], r[f"floor {short}"], r[f"sqlite3 {short}"]
        print(f"| {int(n):,} | `{proj}` | {a:.2f} | {f:.2f} | {s:.2f} | {a / f:.2f}× | {a / s:.2f}× |")
    a, f, s = r["proj env add"], r["floor env add"], r["sqlite3 insert"]
    print(f"| {int(n):,} | `env add` (write, synchronous=FULL) | {a:.2f} | {f:.2f} | {s:.2f} | {a / f:.2f}× | {a / s:.2f}× |")

if len(sizes) > 1:
    lo, hi = sizes[0], sizes[-1]
    print()
    print(f"| command | {int(lo):,} (ms) | {int(hi):,} (ms) | growth |")
    print("|---|---:|---:|---:|")
    for proj, _ in pairs + [("env add", None)]:
        a, b = rows[lo][f"proj {proj}"], rows[hi][f"proj {proj}"]
        print(f"| `{proj}` | {a:.2f} | {b:.2f} | {b / a:.2f}× |")

counts = {}
for r in lines(f"{out}/instructions.jsonl"):
    counts[(r["size"], r["command"], r["who"])] = r["instructions"]
if counts:
    print()
    print("Instructions (callgrind, whole process):")
    print()
    print("| environments | command | proj | floor | proj / floor |")
    print("|---:|---|---:|---:|---:|")
    for n in sizes:
        for proj, _ in pairs:
            a, f = counts.get((int(n), proj, "proj")), counts.get((int(n), proj, "floor"))
            if a and f:
                print(f"| {int(n):,} | `{proj}` | {a:,} | {f:,} | {a / f:.2f}× |")
    for (size, command, who), a in sorted(counts.items()):
        if size == 0:
            print(f"| | `{command}` | {a:,} | | |")

start = {}
for name in ("start", "complete"):
    if os.path.exists(f"{out}/{name}.json"):
        start.update(medians(f"{out}/{name}.json"))
if start:
    print()
    print("| command | median (ms) |")
    print("|---|---:|")
    for command, ms in start.items():
        print(f"| `{command}` | {ms:.2f} |")

print()
with open(f"{out}/binary.json") as f:
    size = json.load(f)["binary_bytes"]
print(f"release binary (stripped): {size:,} bytes ({size / 1024 / 1024:.2f} MiB)")
rss = lines(f"{out}/rss.jsonl")
if rss:
    peak = max(rss, key=lambda r: r["max_rss_kb"])
    print(f"peak RSS: {peak['max_rss_kb'] / 1024:.1f} MiB ({peak['command']} on {peak['size']:,} environments)")
if os.path.exists(f"{out}/load.txt"):
    with open(f"{out}/load.txt") as f:
        print("load during the run:")
        for line in f:
            print(f"    {line.strip()}")
