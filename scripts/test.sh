#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine, then type-checks and
# runs the whole test suite. The tests start their own servers on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian packages the tests run as real components.
missing=()
command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
command -v git >/dev/null 2>&1 || missing+=(git)
command -v s3cmd >/dev/null 2>&1 || missing+=(s3cmd)
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

npm ci --no-audit --no-fund
npm run typecheck
npm run lint
npm run format
npm test
