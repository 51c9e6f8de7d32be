#!/usr/bin/env bash
# The test suite: installs what it needs, builds every binary (the integration tests exec them),
# runs all tests in a private mount + network namespace (scripts/isolated.sh: fresh /run/netns,
# /var/lib/cni, /etc/cni and /tmp; kernel tests need root and make and remove their own
# namespaces there), checks what they left inside; then the end-to-end test under containerd and
# Podman (scripts/e2e.sh, isolated on its own; E2E=0 leaves it out); then the release build as users
# install it (scripts/install and the .deb, each with the demo against it); then that the machine
# itself was not touched. Tests that need kernel features this machine lacks (suites named
# ...VMTests) run last, in a VM booted with Debian's kernel (scripts/vm).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
swift build --build-tests
scripts/isolated.sh swift test --skip-build "$@"
if [ "${E2E:-1}" = 0 ]; then
    echo "e2e: not run (E2E=0)"
else
    scripts/e2e.sh
fi
scripts/test-install.sh
scripts/check-clean.sh
scripts/vm/test.sh --skip-build
