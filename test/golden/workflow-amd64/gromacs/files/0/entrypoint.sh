#!/bin/sh
# Runs the command given to the container inside the Spack view.
. /opt/view/etc/profile.d/view.sh 2>/dev/null || true
exec "$@"
