#!/usr/bin/env bash
# The hub load bench (docs/benchmarks.md, "Hub load"): builds coven-hub and
# hub_load_bench, runs the bench on the SQLite store and on PostgreSQL (a
# server of the bench's own, from the tests' harness; as root it runs as the
# postgres user), and replaces the block between the HUB RESULTS markers of
# docs/benchmarks.md.
#
#   scripts/hub-bench.sh            # both stores, write the results
#   scripts/hub-bench.sh --print    # only print them
#   HUB_BENCH_STORES=sqlite HUB_BENCH_RATES=2000,0 scripts/hub-bench.sh --print
#
# Pinning (when taskset exists and there are 2+ CPUs): the hub on CPU 0, the
# load client on CPU 1; PostgreSQL, started before the client pins itself,
# is not pinned and shares both.
#
# Environment: HUB_BENCH_BUILD_DIR (default build), HUB_BENCH_RATES (offered
# pushes/s per phase, RATE:PUSHES for fewer pushes per device, 0 = closed
# loop; default 250:200,5000,6000: a rate the hub sustains, the goal rate,
# then above it, so that meeting 5,000/s is not capped by the offer),
# HUB_BENCH_PUSHES (per device per phase, 1000), HUB_BENCH_STORES
# ("sqlite postgres"), HUB_BENCH_ARGS (more bench flags).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

mode=write
for arg in "$@"; do
  case "$arg" in
    --print) mode=print ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "hub-bench.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done

build="${HUB_BENCH_BUILD_DIR:-$root/build}"
rates="${HUB_BENCH_RATES:-250:200,5000,6000}"
pushes="${HUB_BENCH_PUSHES:-1000}"
stores="${HUB_BENCH_STORES:-sqlite postgres}"
out="$build/hub-bench-results"
mkdir -p "$out"

echo "== building coven-hub and hub_load_bench in $build"
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    >"$out/cmake.log"
fi
cmake --build "$build" -j2 --target coven_hub_program hub_load_bench \
  >"$out/build.log" || { tail -50 "$out/build.log"; exit 1; }

pin=()
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
  pin=(--hub-cpu 0 --client-cpu 1)
  pinning="hub on CPU 0, load client on CPU 1 (taskset); PostgreSQL unpinned"
else
  pinning="no pinning (taskset missing or 1 CPU)"
fi

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
machine="$(nproc) CPUs ($cpu), $(awk '/MemTotal/ {printf "%.0f GB RAM", $2/1048576}' /proc/meminfo), $(uname -sr)"
started="$(date -u '+%Y-%m-%d %H:%M UTC')"
commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
dirty=""
if [ -n "$(git -C "$root" status --porcelain -- src include bench 2>/dev/null)" ]; then
  dirty=" + uncommitted changes"
fi

status=0
for store in $stores; do
  load="$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "== $store (rates $rates, $pushes pushes per device per phase; load $load)"
  # shellcheck disable=SC2086
  "$build/bench/hub_load_bench" --store "$store" --rates "$rates" \
    --pushes "$pushes" "${pin[@]}" ${HUB_BENCH_ARGS:-} \
    >"$out/$store.txt" 2>"$out/$store.log" || {
      echo "   hub_load_bench failed (exit $?; see $out/$store.log)"; status=1; }
  echo "$load" >"$out/$store.load"
  grep '^{' "$out/$store.txt" >"$out/$store.json" || true
  # Push-only capacity: the same pushes without subscribers (closed loop),
  # to separate the cost of a push from the cost of its fan-out.
  echo "== $store push-only capacity (closed loop, no subscribers)"
  # shellcheck disable=SC2086
  "$build/bench/hub_load_bench" --store "$store" --rates 0 \
    --pushes "${HUB_BENCH_CAPACITY_PUSHES:-300}" --subscribers 0 \
    --idle-streams 0 --flood-devices 0 "${pin[@]}" ${HUB_BENCH_ARGS:-} \
    >"$out/$store-capacity.txt" 2>"$out/$store-capacity.log" || {
      echo "   capacity run failed (see $out/$store-capacity.log)"; status=1; }
  grep '^{' "$out/$store-capacity.txt" >"$out/$store-capacity.json" || true
done

block="$out/results.md"
{
  echo "Measured $started on $machine; $pinning. coven $commit$dirty;"
  echo "$(c++ --version | head -1). Command: \`scripts/hub-bench.sh\`"
  echo "(rates $rates, $pushes pushes per device per phase)."
  for store in $stores; do
    echo
    echo "Load average before the $store run: $(cat "$out/$store.load" 2>/dev/null || echo unknown)."
    echo
    grep -v '^{' "$out/$store.txt" || true
    echo
    echo "Push-only capacity (the same devices and pushes, no subscribers,"
    echo "closed loop, ${HUB_BENCH_CAPACITY_PUSHES:-300} pushes per device):"
    echo
    grep -E '^\|( Offered|---| closed)' "$out/$store-capacity.txt" || echo "(failed)"
    echo
    echo '```json'
    cat "$out/$store.json" "$out/$store-capacity.json" 2>/dev/null || true
    echo '```'
  done
  echo
  echo "Goals (issue: 2 cores; PostgreSQL for throughput):"
  echo
  python3 - "$out" $stores <<'PY'
import json, sys
out, stores = sys.argv[1], sys.argv[2:]
def verdict(ok): return "met" if ok else "**missed**"
print("| Store | Goal | Measured | Verdict |")
print("|---|---|---|---|")
for store in stores:
    try:
        r = json.loads(open(f"{out}/{store}.json").read().splitlines()[0])
    except Exception:
        print(f"| {store} | (no result) | | |")
        continue
    best = max(r["push"], key=lambda p: p["objects_per_s"])
    print(f"| {store} | >= 5,000 objects/s | {best['objects_per_s']:.0f}/s with fan-out "
          f"({'closed loop' if best['rate'] == 0 else str(best['rate']) + '/s offered'}) "
          f"| {verdict(best['objects_per_s'] >= 5000)} |")
    try:
        c = json.loads(open(f"{out}/{store}-capacity.json").read().splitlines()[0])
        cap = c["push"][0]["objects_per_s"]
        print(f"| {store} | >= 5,000 objects/s (push only) | {cap:.0f}/s closed loop, "
              f"p99 {c['push'][0]['latency_ms']['p99']:.0f} ms | {verdict(cap >= 5000)} |")
    except Exception:
        pass
    opened = [p for p in r["push"] if p["rate"] > 0]
    goal = [p for p in opened if p["rate"] >= 5000] or opened[-1:]
    for p in goal[:1]:
        ok = p["latency_ms"]["p99"] < 50 and p["objects_per_s"] >= 0.95 * p["rate"]
        print(f"| {store} | push p99 < 50 ms at {p['rate']}/s offered | "
              f"{p['latency_ms']['p99']:.1f} ms ({p['objects_per_s']:.0f}/s acked) | {verdict(ok)} |")
        fp = p["fanout_pull_ms"]["p99"]; fh = p["fanout_hint_ms"]["p99"]
        print(f"| {store} | fan-out p99 < 100 ms at {p['rate']}/s | hint {fh:.1f} ms, "
              f"pulled {fp:.1f} ms | {verdict(fp < 100)} |")
    f = r.get("flood")
    if f:
        ex = f["codes"].get("RESOURCE_EXHAUSTED", 0)
        ok = f["hwm"] < 300e6 and ex > 0 and f["hub_alive"]
        print(f"| {store} | flood: VmHWM < 300 MB, RESOURCE_EXHAUSTED | "
              f"{f['hwm'] / 1e6:.0f} MB, {ex} refused | {verdict(ok)} |")
    i = r.get("idle")
    if i:
        print(f"| {store} | 1,000 idle subscriptions (no goal) | "
              f"{i['bytes_per_stream'] / 1024:.1f} KiB per stream, VmRSS "
              f"{i['rss_after'] / 1e6:.0f} MB | - |")
    print(f"| {store} | never-skip audit | {r['audit']['pulled']} pulled of "
          f"{r['audit']['expected']} | {'passed' if r['audit']['ok'] else '**FAILED**'} |")
PY
} >"$block"

doc="$root/docs/benchmarks.md"
if [ "$mode" = write ] && grep -q '<!-- HUB RESULTS BEGIN' "$doc"; then
  python3 - "$doc" "$block" <<'PY'
import sys
doc, block = sys.argv[1], open(sys.argv[2]).read()
text = open(doc).read()
begin = text.index("<!-- HUB RESULTS BEGIN")
begin = text.index("-->", begin) + 3
end = text.index("<!-- HUB RESULTS END -->")
open(doc, "w").write(text[:begin] + "\n" + block + "\n" + text[end:])
PY
  echo "== results written into docs/benchmarks.md (Hub load)"
else
  echo "== results"
fi
cat "$block"
exit $status
