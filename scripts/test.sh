#!/usr/bin/env bash
# The test suite: installs what it needs, builds every binary (the integration tests exec them),
# runs all tests (kernel tests need root; each makes and removes its own namespaces), checks the
# release build as users install it (scripts/install and the .deb, each with the demo against it),
# then checks that nothing was left on the machine's own network stack.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
swift build
swift test "$@"
scripts/test-install.sh
scripts/check-clean.sh
