#!/usr/bin/env bash
# Records what real libcni (Debian's golang-github-appc-cni-dev, libcni 1.1.2) sends to plugins
# and writes to its result cache, for each scenario in Tests/Fixtures/libcni/<scenario>/ (a
# NETCONFPATH in net.d/, fake plugin answers in bin/, the cnitool environment in env), into
# <scenario>/libcni/. The CNIRuntime tests replay the same scenarios with our runtime and compare
# byte for byte. With a built cnitool (.build/debug/cnitool) it also lets libcni CHECK and DEL
# attachments that our cnitool added, into <scenario>/libcni-after-swift/.
#
# Not part of CI (it needs a Go toolchain): run it by hand when a scenario changes.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v go >/dev/null || [ ! -d /usr/share/gocode/src/github.com/containernetworking/cni/libcni ]; then
    apt-get install -y -qq golang-go golang-github-appc-cni-dev >/dev/null
fi
work=$(mktemp -d /tmp/libcni-compat.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp scripts/libcni-compat/main.go "$work/"
(cd "$work" && GOPATH=/usr/share/gocode GO111MODULE=off GOCACHE="$work/gocache" go build -o "$work/libcnitool" main.go)
swift_cnitool=$PWD/.build/debug/cnitool
fixtures=$PWD/Tests/Fixtures/libcni

# run <scenario> <out dir name> <adder: libcni|swift>
run() {
    local s=$fixtures/$1 out=$fixtures/$1/$2 adder=$3 w=$work/$1-$2
    mkdir -p "$w/bin" "$w/log" "$w/cache"
    rm -rf "$out" && mkdir -p "$out/calls"
    for r in "$s"/bin/*.result; do cp "$fixtures/fake-plugin.sh" "$w/bin/$(basename "$r" .result)"; done
    cp "$s"/bin/* "$w/bin/"
    local NETWORK CAP_ARGS CNI_ARGS CNI_IFNAME NETNS line
    while IFS= read -r line; do printf -v "${line%%=*}" '%s' "${line#*=}"; done < "$s/env"
    local -a envs=(FAKE_LOG="$w/log" CNI_PATH="$w/bin" NETCONFPATH="$s/net.d" LIBCNI_CACHE_DIR="$w/cache"
        CAP_ARGS="$CAP_ARGS" CNI_ARGS="$CNI_ARGS" CNI_IFNAME="$CNI_IFNAME")
    if [ "$adder" = libcni ]; then
        env "${envs[@]}" "$work/libcnitool" add "$NETWORK" "$NETNS" > "$out/add.stdout"
    else
        env "${envs[@]}" "$swift_cnitool" --cache-dir "$w/cache" add "$NETWORK" "$NETNS" > "$out/add.stdout"
    fi
    cp "$w"/cache/results/* "$out/cache-after-add"
    env "${envs[@]}" "$work/libcnitool" check "$NETWORK" "$NETNS" > /dev/null 2> "$out/check.stderr" || true
    env "${envs[@]}" "$work/libcnitool" del "$NETWORK" "$NETNS"
    ls "$w/cache/results" > "$out/cache-after-del"
    cp "$w"/log/[0-9]* "$out/calls/"
    sed -i "s|^CNI_PATH=.*|CNI_PATH=<bin>|" "$out"/calls/*.env
    echo "recorded $1/$2"
}
for s in chain single; do
    run "$s" libcni libcni
    if [ -x "$swift_cnitool" ] && [ -z "${LIBCNI_ONLY:-}" ]; then run "$s" libcni-after-swift swift; fi
done
