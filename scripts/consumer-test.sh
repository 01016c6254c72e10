#!/usr/bin/env bash
# Builds examples/quickstart the way an app outside this tree would, and runs
# it: installs an already built tree into a temporary prefix, then builds the
# example twice, once with CMake's find_package(coven) and once with
# pkg-config and a plain compiler command. When the tree has the hub, it
# builds examples/todos the same two ways with coven::hub (the coven-hub
# pkg-config module) and syncs two devices, one of each build, through the
# installed coven-hub.
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

# 3. The hub: coven::hub (find_package COMPONENTS hub, and the coven-hub
# pkg-config module) and the installed coven-hub program.
if ! grep -q '^COVEN_BUILD_HUB:BOOL=ON' "$build/CMakeCache.txt"; then
  echo "consumer-test: this build has no hub (COVEN_BUILD_HUB=OFF): hub skipped"
  exit 0
fi
if [ ! -x "$prefix/bin/coven-hub" ]; then
  echo "consumer-test: the hub was built but cmake --install did not install bin/coven-hub" >&2
  exit 1
fi
cmake -S examples/todos -B "$work/todos-build" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/todos-build" >/dev/null
todos_cmake="$work/todos-build/todos"
# shellcheck disable=SC2046  # pkg-config prints several words on purpose
"${CXX:-c++}" -std=c++20 -O1 -DCOVEN_WITH_HUB=1 examples/todos/main.cc \
  examples/todos/todo_store.cc -o "$work/todos-pkg-config" \
  $(pkg-config --cflags coven-hub) $(pkg-config --static --libs coven-hub)
todos_pc="$work/todos-pkg-config"
echo "consumer-test: todos built with coven::hub (find_package and pkg-config)"

mkdir -p "$work/hub"
"$prefix/bin/coven-hub" --data-dir "$work/hub" --listen 127.0.0.1:0 \
  --plaintext --port-file "$work/hub.port" 2>"$work/hub.log" &
hub_pid=$!
trap 'kill "$hub_pid" 2>/dev/null; wait "$hub_pid" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$work/hub.port" ] && break; sleep 0.1; done
if [ ! -s "$work/hub.port" ]; then
  echo "consumer-test: the installed coven-hub did not start:" >&2
  cat "$work/hub.log" >&2
  exit 1
fi
home="hub://127.0.0.1:$(cat "$work/hub.port")/consumer?plaintext=1"
"$todos_cmake" init --dir "$work/laptop" --home "$home" --name laptop >/dev/null
printed="$("$todos_cmake" secret --dir "$work/laptop")"
code="$(head -n 1 <<<"$printed")"
recovery="$(grep -o 'CVK1-[0-9A-Z-]*' <<<"$printed")"
"$todos_pc" init --dir "$work/phone" --home "$home" --name phone \
  --join "$code" --secret-fd 3 3<<<"$recovery" >/dev/null
"$todos_cmake" add --dir "$work/laptop" --id t1 "buy milk" >/dev/null
"$todos_pc" sync --dir "$work/phone" >/dev/null
if ! "$todos_pc" list --dir "$work/phone" | grep -q "buy milk"; then
  echo "consumer-test: the phone did not receive the laptop's todo through the hub:" >&2
  "$todos_pc" list --dir "$work/phone" >&2 || true
  cat "$work/hub.log" >&2
  exit 1
fi
echo "consumer-test: two todos devices (find_package and pkg-config builds) synced through the installed coven-hub"
