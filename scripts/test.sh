#!/usr/bin/env bash
# The test suite: installs what it needs, builds every binary (the integration tests exec them),
# runs all tests in a private mount + network namespace (scripts/isolated.sh: fresh /run/netns,
# /var/lib/cni, /etc/cni and /tmp; kernel tests need root and make and remove their own
# namespaces there), checks what they left inside, then that the machine itself was not touched.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
swift build --build-tests
scripts/isolated.sh swift test --skip-build "$@"
scripts/check-clean.sh
