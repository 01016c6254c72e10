#!/usr/bin/env bash
# Installs the test servers that come from npm into build-deps/npm (project
# local, ignored by git): s3rver, the S3 server the S3 home's tests run
# against. rclone (WebDAV and rclone homes) and awscli come from Debian via
# scripts/install-deps.sh. Idempotent; scripts/test.sh calls it.
#
#   scripts/install-test-servers.sh     # then build-deps/npm/node_modules/.bin/s3rver
set -euo pipefail
cd "$(dirname "$0")/.."

readonly prefix="build-deps/npm"
readonly s3rver_version="3.7.1"

installed="$(node -e "try{console.log(require('./${prefix}/node_modules/s3rver/package.json').version)}catch(e){}" 2>/dev/null || true)"
if [ "$installed" = "$s3rver_version" ]; then
  echo "install-test-servers: s3rver ${s3rver_version} present"
  exit 0
fi
echo "install-test-servers: installing s3rver@${s3rver_version} into ${prefix}"
mkdir -p "$prefix"
npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error \
  "s3rver@${s3rver_version}"
