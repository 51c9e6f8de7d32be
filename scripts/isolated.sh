#!/usr/bin/env bash
# Runs a command in a private mount + network namespace, so that nothing it does can reach the
# machine's own /run (netns files, xtables lock), /var/lib/cni, /etc/cni, /tmp or network stack:
#
#     scripts/isolated.sh swift test --filter BridgeKernelTests
#
# Inside, each of those paths is a fresh tmpfs (one that does not exist on the machine is made in
# a copy-on-write overlay of its parent, so the machine's file system is not written either), `lo`
# is up, and the network stack starts empty. After the command, `check-clean.sh inside` reports
# what it left; the namespaces and everything in them vanish when it exits. CNITestSupport
# refuses to make test namespaces outside such a namespace.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${SWCNI_ISOLATING:-}" ]; then
    exec env SWCNI_ISOLATING=1 unshare --mount --net --propagation private -- "$0" "$@"
fi
unset SWCNI_ISOLATING

repo=$PWD
mount -t tmpfs swcni-run /run
overlays=/run/.swcni-overlays
# A checkout inside one of the directories made private (a clone under /tmp, say) stays visible:
# it is held on a bind mount and put back over its own path afterwards.
mkdir -p /run/.swcni-repo
mount --bind "$repo" /run/.swcni-repo

# A fresh tmpfs at $1: over it when it exists, else inside an overlay of its nearest parent.
private_dir() {
    local path=$1 parent key
    if [ ! -d "$path" ]; then
        parent=$(dirname "$path")
        while [ ! -d "$parent" ]; do parent=$(dirname "$parent"); done
        key=$(echo "$parent" | tr / _)
        mkdir -p "$overlays/$key/upper" "$overlays/$key/work"
        mount -t overlay swcni-overlay -o "lowerdir=$parent,upperdir=$overlays/$key/upper,workdir=$overlays/$key/work" "$parent"
        mkdir -p "$path"
    fi
    mount -t tmpfs swcni-private "$path"
}

for dir in /var/lib/cni /etc/cni /tmp; do private_dir "$dir"; done
if [ ! -e "$repo/Package.swift" ]; then
    mkdir -p "$repo"
    mount --bind /run/.swcni-repo "$repo"
fi
cd "$repo"
# /var/run is usually a link to /run; where it is not, its netns directory is made private too.
[ -L /var/run ] || private_dir /var/run/netns
mkdir -p /run/netns
ip link set lo up
# CNITestSupport makes test namespaces only where this names the mount namespace it runs in.
SWCNI_ISOLATED_MNT=$(stat -L -c %i /proc/self/ns/mnt)
export SWCNI_ISOLATED_MNT

status=0
"$@" || status=$?
scripts/check-clean.sh inside || status=$?
exit "$status"
