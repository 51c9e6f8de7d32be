#!/usr/bin/env bash
# Release build: the multi-call executable swift-cni (every plugin) and cnitool, each one file with
# the Swift runtime linked in. Afterwards .build/release holds swift-cni, a symbolic link to it for
# each plugin it holds (bridge, ptp, ...) and cnitool, so it can serve as a CNI_PATH as it is.
#
# usage: scripts/build-release.sh [--symbols]   (--symbols: keep the symbol table, for profiling)
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${1:-}" = --symbols ] && export SWIFT_CNI_SYMBOLS=1
scripts/deps.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The last line of a build that succeeds; its errors when it fails.
quiet() { "$@" > "$log" 2>&1 || { grep -E -A4 "error:" "$log" >&2 || tail -n 30 "$log" >&2; return 1; }; tail -n 1 "$log"; }
common=(-c release --static-swift-stdlib --disable-local-rpath)
# The plugins use neither Regex nor Swift concurrency: no module of theirs (swift-system included)
# imports _StringProcessing or _Concurrency, so the executable carries neither (-1.3 MB).
# Generic types are instantiated through metadata accessors rather than by demangling their names
# at run time, which also checks their conformances by scanning every conformance record: -20%
# of a loopback ADD's instructions, +12 KB. A section per function lets the linker drop the dead
# ones from between the live ones, so an exec's 64 KB fault-around windows map less unused code:
# -1 MB of peak RSS.
lean=(-Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections
      -Xswiftc -Xfrontend -Xswiftc -disable-implicit-string-processing-module-import
      -Xswiftc -Xfrontend -Xswiftc -disable-implicit-concurrency-module-import
      -Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors)
# The linker reads scripts/static-link (the hot-function list, linker scripts) behind SwiftPM's
# back: when they change, only removing the executable makes it link again.
bin=$(swift build "${common[@]}" --show-bin-path)
[ -z "$(find scripts/static-link -newer "$bin/swift-cni" 2>/dev/null)" ] || rm -f "$bin/swift-cni"
quiet swift build "${common[@]}" "${lean[@]}" --product swift-cni
# cnitool's argument parser needs _Concurrency: built apart, so neither build undoes the other's.
quiet swift build "${common[@]}" --product cnitool --scratch-path .build/cnitool
cp -f .build/cnitool/release/cnitool "$bin/cnitool"
# What every exec loads: glibc (libc, the loader) and libmnl, nothing else (see Package.swift).
needed=$(readelf -d "$bin/swift-cni" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | grep -vxE 'libc\.so\.6|libmnl\.so\.0|ld-linux-x86-64\.so\.2' || true)
if [ -n "$needed" ] && [ "$(uname -m)" = x86_64 ]; then
    echo "build-release: swift-cni needs $(echo $needed) at every exec." >&2
    if grep -qx libm.so.6 <<<"$needed"; then
        nm -D --undefined-only "$bin/swift-cni" | awk '{print $2}' | sed 's/@.*//' | sort -u > "$log.und"
        nm -D --defined-only "$(gcc -print-file-name=libm.so.6)" | awk '{print $3}' | sed 's/@.*//' | sort -u \
            | comm -12 "$log.und" - | tr '\n' ' ' >&2
        echo ": libm functions the toolchain now refers to; add them to Sources/CStartup/math.c" >&2
        rm -f "$log.und"
    fi
    exit 1
fi
for p in $("$bin/swift-cni" --list); do ln -sfn swift-cni "$bin/$p"; done
echo "binaries: $bin (swift-cni, links: $("$bin/swift-cni" --list | tr '\n' ' ')cnitool)"
