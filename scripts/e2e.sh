#!/usr/bin/env bash
# End-to-end test under real runtimes: containerd's CRI driven as kubelet drives it, `ctr run --cni`
# and Podman's CNI backend, each run once with our plugins and once with Debian's reference plugins
# (/usr/lib/cni), reported side by side with RunPodSandbox/StopPodSandbox latencies. Both must pass:
# the reference passing proves the test, ours passing proves the plugins.
#
#   scripts/e2e.sh [--plugins DIR] [--reference DIR] [--pods N] [--parallel N]
#                  [--only ours|reference] [--scenarios cri,ctr,podman] [--stand-in P1,P2]
#
#   --plugins DIR     our plugin binaries (default: the debug build's multi-call binary swift-cni, with
#                     a link to it under each plugin's name, made here); any directory holding bridge,
#                     loopback, host-local, portmap (files or links: scripts/install's, .build/release)
#   --reference DIR   the reference plugins (default /usr/lib/cni, Debian's containernetworking-plugins)
#   --pods N          pods per latency series (default 10; also E2E_PODS)
#   --parallel N      pods started at once in the cri-parallel scenario (default 4)
#   --stand-in LIST   plugins the reference lends to ours while ours has none by that name (a plugin
#                     being built elsewhere); printed as such. Once ours has it, it is ours that runs.
#
# Every runtime runs inside a private PID + mount + network namespace (scripts/e2e/node.sh) with its
# own state on tmpfs; nothing on the machine's own network or state directories is touched, and
# everything started there dies with the namespace, also on failure or interrupt.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
plugins=${E2E_PLUGINS:-} reference=${E2E_REFERENCE:-/usr/lib/cni} pods=${E2E_PODS:-10} parallel=4
only="" scenarios=${E2E_SCENARIOS:-cri,ctr,podman} stand_in=${E2E_STAND_IN:-}
while (($#)); do
    case $1 in
        --plugins) plugins=$2; shift 2 ;;
        --reference) reference=$2; shift 2 ;;
        --pods) pods=$2; shift 2 ;;
        --parallel) parallel=$2; shift 2 ;;
        --only) only=$2; shift 2 ;;
        --scenarios) scenarios=$2; shift 2 ;;
        --stand-in) stand_in=$2; shift 2 ;;
        *) echo "usage: $0 [--plugins DIR] [--reference DIR] [--pods N] [--parallel N] [--only ours|reference]" \
                "[--scenarios LIST] [--stand-in LIST]" >&2
           exit 2 ;;
    esac
done

venv=$root/.build/e2e-venv
scripts/e2e/deps.sh "$venv"
if [ -z "$plugins" ]; then
    swift build --product swift-cni >/dev/null
    plugins=$(swift build --show-bin-path)
    for p in $("$plugins/swift-cni" --list); do ln -sfn swift-cni "$plugins/$p"; done
fi
plugins=$(cd "$plugins" && pwd)
for p in bridge loopback host-local portmap; do
    for d in "$plugins" "$reference"; do
        [ -x "$d/$p" ] || { echo "e2e: $d/$p is missing" >&2; exit 2; }
    done
done

work=$(mktemp -d /tmp/swcni-e2e.XXXXXX)
run_id=${work##*.}
ns_pid=""
cleanup() {
    set +e
    [ -n "$ns_pid" ] && kill -TERM "$ns_pid" 2>/dev/null && wait "$ns_pid" 2>/dev/null
    # Processes of the node namespace die with it; their empty cgroups are removed here.
    for i in 1 2 3 4 5; do
        left=$(ls -d /sys/fs/cgroup/*/swcni-e2e-"$run_id" 2>/dev/null)
        [ -z "$left" ] && break
        for d in $left; do find "$d" -depth -type d -exec rmdir {} + 2>/dev/null; done
        sleep 0.5
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

scripts/e2e/images.sh "$work/images" >/dev/null

# Stand-ins: a directory of links to ours, plus the reference's copy of each listed plugin ours lacks.
lent=()
for p in ${stand_in//,/ }; do
    [ -x "$plugins/$p" ] || lent+=("$p")
done
if ((${#lent[@]})); then
    mixed=$work/plugins-ours
    mkdir -p "$mixed"
    for f in "$plugins"/*; do [ -f "$f" ] && [ -x "$f" ] && ln -s "$f" "$mixed/${f##*/}"; done
    for p in "${lent[@]}"; do ln -sf "$reference/$p" "$mixed/$p"; done
    echo "e2e: ours lacks ${lent[*]}: the reference's stands in (--stand-in)"
    plugins=$mixed
fi

rc=0
results=()
for label in ours reference; do
    [ -n "$only" ] && [ "$only" != "$label" ] && continue
    dir=$plugins; [ "$label" = reference ] && dir=$reference
    echo "e2e: $label plugins ($dir)"
    E2E_PYTHON=$venv/bin/python timeout --kill-after=10 1200 \
        unshare --mount --net --pid --fork --mount-proc --propagation private --kill-child \
        scripts/e2e/node.sh "$label" "$dir" "$work/node-$label" --out "$work/$label.json" \
        --images "$work/images" --run-id "$run_id" --pods "$pods" --parallel "$parallel" --scenarios "$scenarios" &
    ns_pid=$!
    wait "$ns_pid" || rc=1
    ns_pid=""
    [ -f "$work/$label.json" ] && results+=("$work/$label.json")
done
"$venv/bin/python" scripts/e2e/report.py "${results[@]}" || rc=1
exit "$rc"
