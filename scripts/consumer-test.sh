#!/usr/bin/env bash
# Builds examples/quickstart the way an app outside this tree would, and runs
# it: installs an already built tree into a temporary prefix, then builds the
# example twice, once with CMake's find_package(coven) and once with
# pkg-config and a plain compiler command.
#
#   scripts/consumer-test.sh [BUILD_DIR]    # default: build
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
if [ ! -f "$build/CMakeCache.txt" ]; then
  echo "consumer-test: $build is not a configured build directory" >&2
  exit 1
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/coven-consumer-XXXXXX")"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
library_id="00112233445566778899aabbccddeeff"

run_quickstart() {  # run_quickstart NAME BINARY
  mkdir -p "$work/run-$1"
  (cd "$work/run-$1" && "$2" "$library_id" "$work/home-$1") >"$work/$1.out"
  if ! grep -qx synced "$work/$1.out"; then
    echo "consumer-test: quickstart ($1) did not sync:" >&2
    cat "$work/$1.out" >&2
    exit 1
  fi
  echo "consumer-test: quickstart built with $1 ran: synced"
}

cmake --install "$build" --prefix "$prefix" >/dev/null
echo "consumer-test: installed into a temporary prefix"

# 1. CMake: find_package(coven CONFIG REQUIRED) + coven::coven.
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
cmake -S examples/quickstart -B "$work/cmake-build" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cmake-build" >/dev/null
run_quickstart find_package "$work/cmake-build/quickstart"

# 2. pkg-config only: no CMake package, one compiler command.
pc_file="$(find "$prefix" -name coven.pc -print -quit)"
if [ -z "$pc_file" ]; then
  echo "consumer-test: no coven.pc under the prefix" >&2
  exit 1
fi
export PKG_CONFIG_PATH="$(dirname "$pc_file")${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
# shellcheck disable=SC2046  # pkg-config prints several words on purpose
"${CXX:-c++}" -std=c++20 -O1 examples/quickstart/main.cc \
  -o "$work/quickstart-pkg-config" \
  $(pkg-config --cflags coven) $(pkg-config --static --libs coven)
run_quickstart pkg-config "$work/quickstart-pkg-config"
