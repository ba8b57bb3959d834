# shellcheck shell=sh
# Loaded by login shells and CI jobs of the builder image.
. /opt/spack/share/spack/setup-env.sh
