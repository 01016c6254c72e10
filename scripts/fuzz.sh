#!/usr/bin/env bash
# Builds every libFuzzer target (fuzz/<name>_fuzz.cc) with clang-14, ASan and
# UBSan, then runs each for N seconds (up to nproc targets at once) over a
# scratch copy of its seed corpus (fuzz/corpus/<name>/), so the repository is
# never modified.
#
#   scripts/fuzz.sh          # 30 seconds per target
#   scripts/fuzz.sh 600      # 10 minutes per target
#
# Exits non-zero if any target crashes, leaks, trips a sanitizer or times
# out. Crash inputs are kept in build-fuzz/artifacts/<name>/; reproduce one
# with: build-fuzz/fuzz/<name> <artifact file>
set -euo pipefail
seconds="${1:-30}"
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-fuzz"
jobs="$(nproc)"

generator=()
if [ ! -f "$build/CMakeCache.txt" ] && command -v ninja >/dev/null; then
  generator=(-G Ninja)
fi
echo "== configuring $build"
CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$build" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOVEN_FUZZ=ON \
  -DCOVEN_BUILD_TESTS=OFF -DCOVEN_BUILD_BENCH=OFF >/dev/null

targets=()
for source in "$root"/fuzz/*_fuzz.cc; do
  [ -e "$source" ] || continue
  targets+=("$(basename "$source" .cc)")
done
if [ "${#targets[@]}" -eq 0 ]; then
  echo "fuzz.sh: no fuzz/*_fuzz.cc targets found" >&2
  exit 1
fi
echo "== building ${targets[*]}"
cmake --build "$build" -j "$jobs" --target "${targets[@]}"

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# fuzz_one NAME: fuzzes one target for $seconds over a scratch copy of its
# corpus; its output goes to $scratch/NAME/log and its exit code to
# $scratch/NAME/rc (read once every target has finished).
fuzz_one() {
  local name="$1"
  local binary="$build/fuzz/$name"
  local corpus_name="${name%_fuzz}"
  local work="$scratch/$name"
  local artifacts="$build/artifacts/$name"
  mkdir -p "$work/corpus" "$artifacts"
  if [ -d "$root/fuzz/corpus/$corpus_name" ]; then
    cp -R "$root/fuzz/corpus/$corpus_name/." "$work/corpus/"
  else
    echo "fuzz.sh: warning: no seed corpus fuzz/corpus/$corpus_name/" >&2
  fi
  local args=(-max_total_time="$seconds" -timeout=25 -rss_limit_mb=2560
              -print_final_stats=1 -artifact_prefix="$artifacts/")
  if [ -f "$root/fuzz/$corpus_name.dict" ]; then
    args+=(-dict="$root/fuzz/$corpus_name.dict")
  fi
  echo "== fuzzing $name for ${seconds}s"
  local rc=0
  ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" \
  UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
    "$binary" "${args[@]}" "$work/corpus" >"$work/log" 2>&1 || rc=$?
  echo "$rc" >"$work/rc"
}

# Each target is one single-threaded process that runs for a fixed wall
# time, so one at a time leaves all but one core idle: run up to $jobs
# targets at once (each still gets its full $seconds on a core of its own).
for name in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
    wait -n || true  # fuzz_one records its target's exit code itself
  done
  fuzz_one "$name" &
done
wait

failed=()
summary=()
for name in "${targets[@]}"; do
  work="$scratch/$name"
  artifacts="$build/artifacts/$name"
  rc="$(cat "$work/rc" 2>/dev/null || echo 1)"
  runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" |
          grep -o '[0-9]*$' | tail -1 || true)"
  rate="$(grep -o 'exec/s: [0-9]*' "$work/log" | tail -1 |
          grep -o '[0-9]*$' || true)"
  if [ "$rc" -ne 0 ]; then
    tail -n 60 "$work/log"
    echo "fuzz.sh: $name FAILED (exit $rc); inputs in $artifacts/" >&2
    failed+=("$name")
  fi
  summary+=("$name: ${runs:-?} runs, ${rate:-?} exec/s, exit $rc")
done

echo "== fuzz summary"
printf '  %s\n' "${summary[@]}"
if [ "${#failed[@]}" -ne 0 ]; then
  echo "fuzz.sh: failing targets: ${failed[*]}" >&2
  exit 1
fi
