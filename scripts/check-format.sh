#!/usr/bin/env bash
# Fails when a tracked C++ file differs from its clang-format (Google style,
# .clang-format) output. Fix with:
#   git ls-files '*.cc' '*.h' | xargs clang-format -i
set -euo pipefail
cd "$(dirname "$0")/.."
format="$(command -v clang-format || command -v clang-format-14 || true)"
if [ -z "$format" ]; then
  echo "check-format: clang-format not installed; skipping" >&2
  exit 0
fi
bad=()
while IFS= read -r file; do
  if ! "$format" --dry-run --Werror "$file" >/dev/null 2>&1; then bad+=("$file"); fi
done < <(git ls-files '*.cc' '*.h')
if [ "${#bad[@]}" -gt 0 ]; then
  printf 'check-format: not clang-formatted: %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "check-format: ${format##*/} clean"
