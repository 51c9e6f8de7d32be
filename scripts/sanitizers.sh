#!/usr/bin/env bash
# The test suite under AddressSanitizer and ThreadSanitizer builds.
#
#   scripts/sanitizers.sh [address|thread ...] [--unit] [-- extra swift test arguments]
#
# Each sanitizer gets its own build (`swift build --build-tests --sanitize=S` in .build/S, so the
# ordinary build is left alone) and runs the tests in a private namespace (scripts/isolated.sh),
# the plugin binaries the integration tests exec built with the same sanitizer. --unit leaves out
# the suites that drive the kernel or exec whole plugin chains (...KernelTests, IntegrationTests,
# ...BinaryTests): that is what CI runs under ASan. Suites needing the VM (...VMTests) never run
# here. A sanitizer report fails the run (halt_on_error), and so does any failing test.
set -euo pipefail
cd "$(dirname "$0")/.."
sanitizers=() unit=0 extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        address|thread) sanitizers+=("$1") ;;
        --unit) unit=1 ;;
        --) shift; extra=("$@"); break ;;
        *) echo "usage: $0 [address|thread ...] [--unit] [-- swift test args]" >&2; exit 2 ;;
    esac
    shift
done
[ ${#sanitizers[@]} -gt 0 ] || sanitizers=(address thread)
skip='VMTests'
[ "$unit" = 1 ] && skip='VMTests|KernelTests|IntegrationTests|BinaryTests'
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=0}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
export SWIFT_BACKTRACE=enable=no
# The same defaults linked into every binary, since tests run plugins with an environment of
# their own: leak detection off (Swift's lazily initialised globals, allocated once, read as leaks
# when a plugin exits), and reports written to .build/S-reports/report.EXE.PID instead of stderr
# (printed after the tests): a plugin's stderr is read by the test that ran it, so its report
# would otherwise show only as a failed test, or not at all where the test expects a failure.
options_object() {
    local s=$1 dir="$PWD/.build/$1-options"
    mkdir -p "$dir"
    local prefix=asan options="halt_on_error=1:detect_leaks=0"
    [ "$s" = thread ] && prefix=tsan options="halt_on_error=1:second_deadlock_stack=1"
    options+=":log_exe_name=1:log_path=$PWD/.build/$s-reports/report"
    local text
    text=$(printf 'const char *__%s_default_options(void) { return "%s"; }' "$prefix" "$options")
    if [ "$text" != "$(cat "$dir/options.c" 2>/dev/null)" ] || [ ! -e "$dir/options.o" ]; then
        echo "$text" >"$dir/options.c"
        clang -c -fPIC -O1 -o "$dir/options.o" "$dir/options.c"
        # SwiftPM does not see a changed linker input: relink what was linked with the old one.
        find ".build/$s/debug/" -maxdepth 1 \( -type f -perm -u+x -o -name '*.xctest' \) -exec rm -rf {} + 2>/dev/null || true
    fi
    echo "$dir/options.o"
}
status=0
for s in "${sanitizers[@]}"; do
    echo "== $s sanitizer: build"
    swift build --build-tests --sanitize="$s" --scratch-path ".build/$s" -Xlinker "$(options_object "$s")"
    # Every plugin name as a link to the multi-call binary, as the tests expect them in CNI_BIN_DIR.
    for name in $(".build/$s/debug/swift-cni" --list); do ln -sfn swift-cni ".build/$s/debug/$name"; done
    rm -rf ".build/$s-reports" && mkdir -p ".build/$s-reports"
    echo "== $s sanitizer: tests (skipping $skip)"
    if ! CNI_BIN_DIR="$PWD/.build/$s/debug" scripts/isolated.sh swift test --skip-build --sanitize="$s" --scratch-path ".build/$s" \
        -Xlinker "$PWD/.build/$s-options/options.o" --skip "$skip" "${extra[@]}"; then
        echo "== $s sanitizer: FAILED" >&2
        status=1
    fi
    if compgen -G ".build/$s-reports/report*" >/dev/null; then
        echo "== $s sanitizer: reports (from test or plugin processes):" >&2
        cat ".build/$s-reports"/report* >&2
        status=1
    fi
done
exit "$status"
