#!/usr/bin/env bash
# Sets up and runs every test: installs dependencies, builds the release and
# the ASan+UBSan configurations, runs the test suites, then runs each libFuzzer
# target briefly over its seed corpus.
#
#   scripts/test.sh              # the default run (what CI runs)
#   COVEN_SEEDS=10000 scripts/test.sh    # more property-test seeds
#   COVEN_FUZZ_SECONDS=3600 scripts/test.sh   # longer fuzzing
#   COVEN_CRASH_ITERATIONS=5000 scripts/test.sh   # more kill -9 points
# The ASan+UBSan run uses fewer seeds (COVEN_ASAN_SEEDS, 200) and kills
# (COVEN_ASAN_CRASH_ITERATIONS, 150) than the release run (1000 and 500):
# the same code paths, at a sixth of the time under the sanitizers.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each phase prints its wall and CPU time (user+sys of its processes), so a
# slow run shows where the time went (docs/testing.md has a measured run).
TIMEFORMAT='== phase took %0R s wall, %0U s user, %0S s sys'

setup() {
  bash scripts/install-deps.sh
  bash scripts/install-test-servers.sh
  bash scripts/check-format.sh
}

release() {
  echo "== release build"
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build -j "$jobs"
  echo "== out-of-tree consumer (examples/quickstart via find_package and pkg-config)"
  bash scripts/consumer-test.sh build
  echo "== release tests"
  ctest --test-dir build -j "$jobs" --output-on-failure
}

sanitize() {
  echo "== ASan+UBSan build"
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DCOVEN_SANITIZE=ON -DCOVEN_BUILD_BENCH=OFF >/dev/null
  cmake --build build-asan -j "$jobs"
  echo "== ASan+UBSan tests"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  COVEN_SEEDS="${COVEN_ASAN_SEEDS:-200}" \
  COVEN_CRASH_ITERATIONS="${COVEN_ASAN_CRASH_ITERATIONS:-150}" \
    ctest --test-dir build-asan -j "$jobs" --output-on-failure
}

fuzz() {
  echo "== fuzz (brief)"
  bash scripts/fuzz.sh "${COVEN_FUZZ_SECONDS:-30}"
}

jobs="$(nproc)"
time setup
time release
if [ "${COVEN_SKIP_SANITIZE:-0}" != "1" ]; then
  time sanitize
fi
if [ -x scripts/fuzz.sh ] && [ "${COVEN_SKIP_FUZZ:-0}" != "1" ]; then
  time fuzz
fi
echo "== all tests passed"
