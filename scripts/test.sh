#!/usr/bin/env bash
# The full test run (`npm test`, and CI through .ci/run): test environment (packages, dockerd,
# local images), clean install, build, unit tests, integration tests. Ends with mocha's summary.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*" >&2; }

step "test environment (scripts/test-env.sh)"
bash scripts/test-env.sh

step "npm ci"
npm ci --no-audit --no-fund

step "build"
npm run build

step "unit tests"
npm run test:unit

step "integration tests"
npm run test:integration
