#!/usr/bin/env bash
# Runs as PID 1 of a private PID + mount + network namespace made by scripts/e2e.sh:
#   unshare --mount --net --pid --fork --mount-proc --propagation private node.sh LABEL PLUGINS WORK [scenario args]
# That namespace plays the Kubernetes node. This script gives every runtime its own state there
# (tmpfs over each state directory they use), wires a client namespace to the node, then runs the
# scenarios. When it exits, the kernel kills whatever it started (containerd, shims, conmon, pods),
# and the namespaces, mounts and links vanish with it: the machine's own network, /etc/cni,
# /var/lib/cni, /run/netns, /opt/cni and containerd/podman state are never touched.
set -euo pipefail
label=$1 plugins=$2 work=$3; shift 3
here=$(cd "$(dirname "$0")" && pwd)
[ "$$" = 1 ] || { echo "node.sh: must be PID 1 of its own namespaces (run by scripts/e2e.sh)" >&2; exit 2; }

mkdir -p "$work"
mount -t tmpfs -o mode=0755 swcni-e2e-scratch "$work"
private=()
under_private() {
    local d=$1 r
    for r in "${private[@]}"; do case "$d/" in "$r"/*) return 0 ;; esac; done
    return 1
}
# private_dir DIR: an empty directory at DIR that only this namespace sees. A DIR that does not exist
# on the machine is made inside an overlay of its nearest existing parent, so the machine gets no
# new directory either.
private_dir() {
    local d=$1 p u
    if [ ! -d "$d" ]; then
        p=$(dirname "$d"); while [ ! -d "$p" ]; do p=$(dirname "$p"); done
        if ! under_private "$p"; then
            u=$work/overlay$(echo "$p" | tr / _); mkdir -p "$u/upper" "$u/work"
            mount -t overlay swcni-e2e -o "lowerdir=$p,upperdir=$u/upper,workdir=$u/work" "$p"
            private+=("$p")
        fi
        mkdir -p "$d"
    fi
    mount -t tmpfs -o mode=0755 swcni-e2e "$d"
    private+=("$d")
}

# /run holds /run/netns, the xtables lock, containerd's and runc's sockets and state, podman's
# runroot and libpod tmp dir: one tmpfs covers them all.
mount -t tmpfs -o mode=0755 swcni-e2e /run
mkdir -p /run/netns /run/lock
for d in /etc/cni /var/lib/cni /opt/cni /etc/containerd /var/lib/containerd /etc/containers /var/lib/containers; do
    private_dir "$d"
done
mkdir -p /etc/cni/net.d /opt/cni/bin

# Whichever default plugin directory a runtime falls back to (ctr's compiled-in one, say), it finds
# the plugins under test there, never another copy. A directory the plugins under test live in or
# link into (a mix of ours and Debian's, say) stays as it is.
real_plugins=$(readlink -f "$plugins")
targets=$(for f in "$plugins"/*; do readlink -f "$f"; done)
for d in /opt/cni/bin /usr/lib/cni /usr/libexec/cni; do
    [ "$(readlink -f "$d" 2>/dev/null)" = "$real_plugins" ] && continue
    grep -q "^$d/" <<<"$targets" && continue
    [ -d "$d" ] && [ "$d" != /opt/cni/bin ] && private_dir "$d"
    [ -d "$d" ] || continue
    for f in "$plugins"/*; do
        [ -f "$f" ] && [ -x "$f" ] && ln -sf "$plugins/$(basename "$f")" "$d/"
    done
done

# The node's network: lo, and an uplink to a client namespace that stands in for a machine on the
# node's LAN (documentation addresses, which exist only in these namespaces).
ip link set lo up
ip netns add e2e-client
ip link add e2e-up0 type veth peer name eth0 netns e2e-client
ip addr add 192.0.2.1/24 dev e2e-up0
ip addr add 2001:db8:e2e::1/64 dev e2e-up0 nodad
ip link set e2e-up0 up
ip -n e2e-client link set lo up
ip -n e2e-client addr add 192.0.2.2/24 dev eth0
ip -n e2e-client addr add 2001:db8:e2e::2/64 dev eth0 nodad
ip -n e2e-client link set eth0 up
ip -n e2e-client route add default via 192.0.2.1
ip -n e2e-client -6 route add default via 2001:db8:e2e::1

rc=0
"$E2E_PYTHON" "$here/scenarios.py" --label "$label" --plugins "$plugins" --work "$work" "$@" || rc=$?
exit "$rc"
