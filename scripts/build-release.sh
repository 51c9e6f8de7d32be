#!/usr/bin/env bash
# Release build of every binary, the Swift runtime linked statically (one file each, no runtime to install).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
swift build -c release --static-swift-stdlib 2>&1 | grep -v -E "warning: .*(mktemp|tmpnam)" | tail -n 1
echo "binaries: $(swift build -c release --static-swift-stdlib --show-bin-path)"
