#!/usr/bin/env bash
# Fails if a test or the demo left namespaces, links, firewall state or leases on this machine.
set -uo pipefail
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
if [ -n "$left" ]; then
    echo "left behind on the host: $left" >&2
    exit 1
fi
echo "host clean: no namespaces, links, rules or leases left behind"
