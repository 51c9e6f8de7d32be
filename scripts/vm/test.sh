#!/usr/bin/env bash
# Runs the tests that need the VM's kernel inside a VM (scripts/vm/run.sh): every suite named
# `...VMTests` (they carry `.needsKernel(...)`, see Tests/CNITestSupport/KernelRequirement.swift).
#
#   scripts/vm/test.sh [--skip-build] [test bundle arguments...]
#
# The test bundle is built on the host (`swift build --build-tests`, skipped with --skip-build when
# `swift test` just built it); the VM only executes it, so no compiler runs under emulation.
# Arguments go to the bundle's Swift Testing entry point: `--filter LinkTypeVMTests` narrows the
# run (a filter of your own replaces the default `--filter VMTests`). Fails when no test matched.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "${1:-}" = --skip-build ]; then
    shift
else
    swift build --build-tests
fi
bundle="$(swift build --show-bin-path)/swift-cniPackageTests.xctest"
[ -x "$bundle" ] || { echo "vm: error: no test bundle at $bundle (run swift build --build-tests)" >&2; exit 1; }

args=("$@")
case " $* " in
    *" --filter "*|*" --filter="*) ;;
    *) args=(--filter VMTests "${args[@]}") ;;
esac
status=0
scripts/vm/run.sh -- "$bundle" --testing-library swift-testing "${args[@]}" || status=$?
if [ "$status" = 69 ]; then   # Swift Testing's "no test matched"
    echo "vm: error: no test matched ${args[*]}: the VM run must run something" >&2
fi
exit "$status"
