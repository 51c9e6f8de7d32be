#!/usr/bin/env bash
# Installs the Debian packages the build, the tests, the demo and the benchmarks need.
# Idempotent and quiet when everything is already there.
set -euo pipefail
need=(libmnl-dev libnftnl-dev pkg-config iproute2 iputils-ping nftables iptables conntrack
      containernetworking-plugins util-linux python3 hyperfine openssl valgrind man-db dnsmasq-base strace)
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
# firewalld and a D-Bus daemon for the firewall plugin's firewalld tests, which run them in a private
# namespace of their own. The package must not start the service on this machine: a policy-rc.d
# that refuses every start is put in place for the install when there is none.
if ! dpkg-query -W -f='${Status}' firewalld 2>/dev/null | grep -q "install ok installed"; then
    echo "installing: firewalld dbus (services not started)" >&2
    guard=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && guard=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq firewalld dbus >/dev/null || { [ -n "$guard" ] && rm -f /usr/sbin/policy-rc.d; exit 1; }
    if [ -n "$guard" ]; then rm -f /usr/sbin/policy-rc.d; fi
fi
