#!/usr/bin/env bash
# The README's quick start: back up the bundled example compose project (examples/quickstart)
# against the local Docker engine. On a fresh Debian machine (root) it first installs and starts
# the engine and builds the example's image locally (no registry needed).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD

BACKUPBOT_TEST_IMAGES=busybox bash scripts/test-env.sh
[ -d node_modules/@oclif/core ] || npm ci --no-audit --no-fund
npm run build >/dev/null

compose=(docker-compose)
command -v docker-compose >/dev/null 2>&1 || compose=(docker compose)

cd examples/quickstart
"${compose[@]}" up -d
# Something to keep in the named volume.
"${compose[@]}" exec -T web sh -c 'echo "uploaded at $(date)" > /uploads/first.txt'
printf '\n$ backupbot backup\n' >&2
node "$repo/bin/run.js" backup
printf '\n$ backupbot list-versions\n' >&2
node "$repo/bin/run.js" list-versions
cat >&2 <<MSG

The backup is in examples/quickstart/backups/. Run this again to see the versions rotate
(.1 is always the newest). Stop the example with: (cd examples/quickstart && ${compose[*]} down)
MSG
