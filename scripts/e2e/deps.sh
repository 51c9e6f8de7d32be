#!/usr/bin/env bash
# Installs what the e2e test needs: Debian's containerd 1.6, runc, Podman 4 (its CNI backend uses the
# plugins' directory it is given), busybox and a C compiler for the test images, and grpcio +
# grpcio-tools from PyPI in a virtualenv (the CRI client). Idempotent and quiet when all is there.
#   deps.sh VENV_DIR
set -euo pipefail
venv=$1
need=(containerd runc podman conmon golang-github-containers-common busybox-static gcc libc6-dev
      iproute2 nftables iptables util-linux containernetworking-plugins python3)
missing=()
for p in "${need[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "e2e: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # No recommends: Podman's pull in buildah, slirp4netns, fuse-overlayfs and a D-Bus user session.
    # Podman's package ships /etc/cni/net.d/87-podman-bridge.conflist: the machine's /etc/cni is not
    # ours to write, so dpkg leaves every path under it out.
    apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--path-exclude=/etc/cni \
        -o Dpkg::Options::=--path-exclude=/etc/cni/* \
        "${missing[@]}" >/dev/null
fi
if ! "$venv/bin/python" -c 'import grpc, grpc_tools' 2>/dev/null; then
    echo "e2e: installing grpcio and grpcio-tools in $venv" >&2
    rm -rf "$venv"
    if ! python3 -m venv "$venv" 2>/dev/null; then
        apt-get install -y -qq python3-venv >/dev/null
        rm -rf "$venv" && python3 -m venv "$venv"
    fi
    "$venv/bin/pip" install -q grpcio grpcio-tools
fi
