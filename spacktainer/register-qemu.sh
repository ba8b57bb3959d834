#!/bin/sh
# Lets this machine run the programs of another CPU, so that `buildah build --platform
# linux/ARCH` can run the RUN steps of an image of that architecture: registers
# qemu-user-static with the kernel's binfmt_misc, with the F flag (the kernel keeps the
# interpreter open, so it also works inside the build's chroot).
#
#   register-qemu.sh ARCH        (ARCH as GOARCH says it: amd64, arm64, ppc64le, riscv64, s390x)
#
# Nothing happens when the machine runs ARCH natively or ARCH is registered already.
# Installs qemu-user-static with apt-get (Debian) or dnf (Fedora, as in the buildah image)
# when it is missing. binfmt_misc is global to the kernel: the job needs a privileged
# container (runner setting `privileged = true`), and the registration outlives the job.
set -eu

die() {
  echo "register-qemu: $*" >&2
  exit 1
}

[ $# -eq 1 ] || die "usage: register-qemu.sh ARCH"
case "$1" in
  amd64) cpu=x86_64 ;;
  arm64) cpu=aarch64 ;;
  ppc64le) cpu=ppc64le ;;
  riscv64) cpu=riscv64 ;;
  s390x) cpu=s390x ;;
  *) die "no qemu for architecture '$1': expected amd64, arm64, ppc64le, riscv64 or s390x" ;;
esac

if [ "$(uname -m)" = "$cpu" ]; then
  echo "this machine runs $1 natively: no emulation needed"
  exit 0
fi

binfmt=/proc/sys/fs/binfmt_misc
if [ ! -e "$binfmt/register" ]; then
  mount -t binfmt_misc binfmt_misc "$binfmt" 2>/dev/null ||
    die "cannot mount binfmt_misc: emulated builds need a privileged job (runner setting privileged = true)"
fi
if [ -e "$binfmt/qemu-$cpu" ] && grep -q '^enabled' "$binfmt/qemu-$cpu"; then
  echo "qemu-$cpu is registered already: $(grep '^interpreter' "$binfmt/qemu-$cpu")"
  exit 0
fi

# Debian names the file qemu-aarch64.conf, Fedora qemu-aarch64-static.conf.
find_conf() {
  for conf in "/usr/lib/binfmt.d/qemu-$cpu.conf" "/usr/lib/binfmt.d/qemu-$cpu-static.conf"; do
    if [ -f "$conf" ]; then
      echo "$conf"
      return 0
    fi
  done
  return 1
}

if ! conf=$(find_conf); then
  echo "installing qemu-user-static"
  if command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends qemu-user-static >/dev/null
  elif command -v dnf >/dev/null 2>&1; then
    dnf install -y -q "qemu-user-static-$(echo "$cpu" | sed 's/^x86_64$/x86/')" >/dev/null
  else
    die "qemu-user-static is not installed and neither apt-get nor dnf is there to install it"
  fi
  conf=$(find_conf) || die "qemu-user-static brought no /usr/lib/binfmt.d/qemu-$cpu*.conf"
fi

# A package's own registration (binfmt-support, systemd-binfmt) may have run meanwhile.
if [ ! -e "$binfmt/qemu-$cpu" ]; then
  line=$(grep -v '^#' "$conf" | head -n 1)
  case "$line" in *F) ;; *) line="${line}F" ;; esac
  printf '%s' "$line" >"$binfmt/register" ||
    die "the kernel refused the registration of $conf: is the job privileged?"
fi
echo "registered qemu-$cpu: $(grep '^interpreter' "$binfmt/qemu-$cpu")"
