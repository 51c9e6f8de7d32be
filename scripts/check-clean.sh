#!/usr/bin/env bash
# Fails if a test or the demo left namespaces, links, firewall state, leases or temporary files.
# `check-clean.sh inside` checks the private namespace of scripts/isolated.sh (what the tests left
# there); without an argument it checks the machine itself (that it was not touched).
set -uo pipefail
where=${1:-host}
left=""
ns=$(ip netns list 2>/dev/null | awk '{print $1}' | grep '^swcni-' | tr '\n' ' ')
[ -n "$ns" ] && left+="namespaces: $ns; "
links=$(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | grep -E '^(veth|cni|swcni)' | tr '\n' ' ')
[ -n "$links" ] && left+="links: $links; "
tables=$(nft list tables 2>/dev/null | grep -E 'cni' | tr '\n' ' ')
[ -n "$tables" ] && left+="nftables: $tables; "
chains=$(iptables-save 2>/dev/null | grep -E '^:CNI' | cut -d' ' -f1 | tr '\n' ' ')
[ -n "$chains" ] && left+="iptables: $chains; "
leases=$(ls /var/lib/cni/networks 2>/dev/null | tr '\n' ' ')
[ -n "$leases" ] && left+="leases: $leases; "
if [ "$where" = inside ]; then
    files=$(ls -d /tmp/swcni-* /var/lib/cni/* 2>/dev/null | tr '\n' ' ')
    [ -n "$files" ] && left+="files: $files; "
fi
if [ -n "$left" ]; then
    echo "left behind ($where): $left" >&2
    exit 1
fi
echo "clean ($where): no namespaces, links, rules, leases or files left behind"
