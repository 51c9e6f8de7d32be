#!/usr/bin/env bash
# Installs the Debian packages the build, the tests, the demo and the benchmarks need.
# Idempotent and quiet when everything is already there.
set -euo pipefail
need=(libmnl-dev libnftnl-dev pkg-config iproute2 iputils-ping nftables iptables conntrack
      containernetworking-plugins util-linux python3 hyperfine openssl valgrind man-db)
missing=()
for p in "${need[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi
