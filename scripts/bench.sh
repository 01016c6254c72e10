#!/usr/bin/env bash
# Runs every benchmark and writes the results into docs/benchmarks.md.
#
#   scripts/bench.sh              # full run (100k rows, 5 repetitions; ~5-8 min)
#   scripts/bench.sh --print      # same, but only print the results
#   scripts/bench.sh --quick      # 20k rows, 3 repetitions (a smoke test)
#   BENCH_ROWS=50000 BENCH_RUNS=3 scripts/bench.sh --print
#
# Steps: installs the sqlite-sync npm package if missing (into
# build-bench/npm, never committed), builds the Release configuration in
# build-bench/, runs the Google Benchmark micro-benchmarks (coven_bench) and
# the end-to-end program (e2e_bench: coven vs plain SQLite from C++, and
# sqlite-sync vs plain SQLite from the sqlite3 shell, same rows, same run),
# then replaces the block between the RESULTS markers of docs/benchmarks.md.
#
# Without npm or without network the sqlite-sync columns are left out
# (set BENCH_SQLITE_SYNC=/path/to/cloudsync.so to use a copy you have).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

mode=write
rows="${BENCH_ROWS:-100000}"
runs="${BENCH_RUNS:-5}"
singles="${BENCH_SINGLES:-10000}"
for arg in "$@"; do
  case "$arg" in
    --print) mode=print ;;
    --quick) rows=20000; runs=3; singles=2000 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done

build="$root/build-bench"
out="$build/bench-results"
mkdir -p "$out"

# 1. sqlite-sync (npm package with the prebuilt SQLite extension).
npm_dir="$build/npm"
pkg="@sqliteai/sqlite-sync-linux-x86_64"
ext="${BENCH_SQLITE_SYNC:-$npm_dir/node_modules/$pkg/cloudsync.so}"
if [ ! -f "$ext" ] && [ -z "${BENCH_SQLITE_SYNC:-}" ]; then
  if command -v npm >/dev/null 2>&1; then
    echo "== installing $pkg into $npm_dir"
    mkdir -p "$npm_dir"
    npm install --no-save --no-audit --no-fund --prefix "$npm_dir" "$pkg" \
      >"$out/npm.log" 2>&1 || echo "   npm install failed (see $out/npm.log)"
  fi
fi
sqlite_sync_args=()
sqlite_sync_version="not measured"
if [ -f "$ext" ]; then
  sqlite_sync_args=(--sqlite-sync "$ext")
  sqlite_sync_version="$(sqlite3 :memory: ".load ${ext%.so}" \
    "SELECT cloudsync_version();" 2>/dev/null || echo unknown)"
else
  echo "   sqlite-sync not available: its columns are left out" >&2
fi

# 2. Release build.
echo "== building (Release) in $build"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCOVEN_BUILD_TESTS=OFF -DCOVEN_BUILD_BENCH=ON >"$out/cmake.log"
cmake --build "$build" -j "$(nproc)" --target e2e_bench coven_bench \
  >"$out/build.log" || { cat "$out/build.log"; exit 1; }

# 3. Machine.
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
machine="$(nproc) CPUs ($cpu), $(awk '/MemTotal/ {printf "%.0f GB RAM", $2/1048576}' /proc/meminfo), $(uname -sr)"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
started="$(date -u '+%Y-%m-%d %H:%M UTC')"
commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
dirty=""
if [ -n "$(git -C "$root" status --porcelain -- src include 2>/dev/null)" ]; then
  dirty=" + uncommitted changes in src/ or include/"
fi

# 4. Micro-benchmarks.
echo "== micro-benchmarks (coven_bench)"
"$build/bench/coven_bench" --benchmark_min_time=0.3 \
  --benchmark_out="$out/micro.json" --benchmark_out_format=json \
  2>&1 | tee "$out/micro.txt"

# 5. End-to-end.
echo "== end-to-end (e2e_bench --rows $rows --runs $runs)"
"$build/bench/e2e_bench" --rows "$rows" --runs "$runs" --singles "$singles" \
  "${sqlite_sync_args[@]}" --json "$out/e2e.json" \
  --markdown "$out/e2e.md" >"$out/e2e.txt"
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

# 6. The results block.
block="$out/results.md"
{
  echo "Measured $started on $machine; load average $load_before before,"
  echo "$load_after after (a shared machine: read ratios, not absolute times)."
  echo "coven $commit$dirty; SQLite $(sqlite3 --version | cut -d' ' -f1) (the"
  echo "same system library for the C++ harness and the sqlite3 shell);"
  echo "sqlite-sync $sqlite_sync_version; $(c++ --version | head -1)."
  echo "Command: \`scripts/bench.sh\` (e2e_bench --rows $rows --runs $runs --singles $singles)."
  echo
  cat "$out/e2e.md"
  echo
  echo "### Micro-benchmarks (coven_bench, Google Benchmark)"
  echo
  echo '```'
  grep -E '^(BM_|Benchmark|---)' "$out/micro.txt" || true
  echo '```'
  echo
  echo "Raw figures (every repetition): \`build-bench/bench-results/e2e.json\`,"
  echo "\`build-bench/bench-results/micro.json\`."
} >"$block"

doc="$root/docs/benchmarks.md"
if [ "$mode" = write ] && [ -f "$doc" ] && grep -q '<!-- RESULTS BEGIN' "$doc"; then
  python3 - "$doc" "$block" <<'EOF'
import re, sys
doc, block = sys.argv[1], open(sys.argv[2]).read()
text = open(doc).read()
begin = text.index("<!-- RESULTS BEGIN")
begin = text.index("-->", begin) + 3
end = text.index("<!-- RESULTS END -->")
open(doc, "w").write(text[:begin] + "\n" + block + "\n" + text[end:])
EOF
  echo "== results written into docs/benchmarks.md"
else
  echo "== results (paste into docs/benchmarks.md)"
fi
cat "$block"
