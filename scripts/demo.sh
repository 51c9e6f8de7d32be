#!/usr/bin/env bash
# The main job on a built-in default: build the release binaries, install them in a temporary CNI_PATH,
# wire two containers with cnitool and the bundled conf/ (bridge + host-local + portmap, dual-stack),
# show that they reach each other and a published port, then tear everything down.
#
# usage: scripts/demo.sh [--cni-path DIR] [--cnitool PATH]
#   --cni-path DIR   run the plugins installed in DIR instead (scripts/install, the .deb); nothing is
#                    built or installed (the Debian packages the demo uses must be there)
#   --cnitool PATH   the cnitool to run (default: DIR/cnitool if there, else the one on PATH)
#
# Everything happens inside namespaces this script makes: a throwaway "node" namespace plays the host
# (bridge, masquerade and port-forwarding rules live there), and two container namespaces hang off it.
# State (leases, result cache) goes to a temporary directory. The machine's own network is not touched.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="" tool=""
while [ $# -gt 0 ]; do
    case "$1" in
        --cni-path) bin="$2"; shift 2 ;;
        --cnitool) tool="$2"; shift 2 ;;
        *) echo "demo: unknown argument: $1" >&2; exit 2 ;;
    esac
done
[ -n "$bin" ] || scripts/deps.sh
work=$(mktemp -d /tmp/swift-cni-demo.XXXXXX)
netconf="$work/net.d"; cache="$work/cache"
mkdir -p "$netconf"
if [ -z "$bin" ]; then
    # The release build, installed as a user would install it, in a temporary directory.
    scripts/build-release.sh
    bin="$work/bin"
    scripts/install --prefix "$bin" --bindir "$bin" --datadir "$work/share" >/dev/null
fi
[ -n "$tool" ] || { [ -x "$bin/cnitool" ] && tool="$bin/cnitool"; } || tool=$(command -v cnitool)
echo "plugins: $bin; cnitool: $tool"
# The bundled configs, with host-local's dataDir moved into the temporary directory.
for f in conf/*.conf conf/*.conflist; do
    sed "s|\"type\": \"host-local\",|\"type\": \"host-local\", \"dataDir\": \"$work/ipam\",|" "$f" > "$netconf/$(basename "$f")"
done

node=swcni-demo-node; a=swcni-demo-a; b=swcni-demo-b; t=swcni-demo-cnitest
cnitool() { nsenter --net="/var/run/netns/$node" -- env CNI_PATH="$bin" NETCONFPATH="$netconf" "$tool" --cache-dir "$cache" "$@"; }
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

server=""
cleanup() {
    set +e
    [ -n "$server" ] && kill "$server" 2>/dev/null
    for ns in $a $b; do
        cnitool del mynet "/var/run/netns/$ns" >/dev/null 2>&1
        cnitool del lo "/var/run/netns/$ns" >/dev/null 2>&1
    done
    cnitool del myptp "/var/run/netns/$t" >/dev/null 2>&1
    for ns in $a $b $t $node; do "$tool" netns del "$ns" >/dev/null 2>&1; done
    rm -rf "$work"
}
trap cleanup EXIT

say "namespaces: $node (stands in for the node), $a and $b (containers)"
for ns in $node $a $b; do "$tool" netns add "$ns"; done
"$tool" netns list
ip -n $node link set lo up   # the node stands in for a host, whose lo is up
say "cnitool add lo: the loopback plugin brings lo up in each container"
for ns in $a $b; do cnitool add lo "/var/run/netns/$ns" >/dev/null; done
ip -n $a -br addr show lo

say "cnitool add mynet $a  (bridge + host-local + portmap, port 8080 -> 80)"
CAP_ARGS='{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}' \
    cnitool add mynet "/var/run/netns/$a"
say "cnitool add mynet $b"
cnitool add mynet "/var/run/netns/$b" >/dev/null
cnitool list

addr() { ip -n "$1" "-$2" -o addr show dev "$3" scope global | awk '{print $4}' | cut -d/ -f1 | head -n 1; }
ip_b=$(addr $b 4 eth0); ip6_b=$(addr $b 6 eth0)

say "$a: ip addr"
ip -n $a -br addr
say "$a -> $b: ping $ip_b and $ip6_b"
ip netns exec $a ping -c 2 -W 2 "$ip_b"
ip netns exec $a ping -6 -c 2 -W 2 "$ip6_b"

say "published port: a server on $a:80, reached from the node at 127.0.0.1:8080 and from $b at the node's bridge address"
ip netns exec $a python3 -c '
import socket; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0",80)); s.listen(4); s.settimeout(10)
for _ in range(2):
    c,addr=s.accept(); c.sendall(("hello from %s, you are %s\n" % (c.getsockname()[0], addr[0])).encode()); c.close()' &
server=$!
sleep 0.5
gw=$(addr $node 4 cni-mynet0)
ip netns exec $node python3 -c 'import socket; s=socket.create_connection(("127.0.0.1",8080),3); print("node  :", s.recv(100).decode().strip())'
ip netns exec $b python3 -c "import socket; s=socket.create_connection((\"$gw\",8080),3); print(\"$b:\", s.recv(100).decode().strip())"
wait $server || true
server=""

say "cnitool check mynet $a"
cnitool check mynet "/var/run/netns/$a" && echo "check passed"

say "cnitool del (both), then the node's firewall and links"
CAP_ARGS='{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}' cnitool del mynet "/var/run/netns/$a"
cnitool del mynet "/var/run/netns/$b"
ip -n $node -br link
left=$( (ip netns exec $node nft list ruleset 2>/dev/null; ip netns exec $node iptables-save 2>/dev/null; ip netns exec $node ip6tables-save 2>/dev/null) | grep -c -E '10\.88\.0\.[0-9]|fd88::[0-9a-f]|8080' || true)
echo "firewall rules on the node still naming a container address or the published port: $left"
say "the design document's walk-through: conf/10-myptp.conf (ptp + host-local, ipMasq) on a namespace of its own"
"$tool" netns add $t
cnitool add myptp "/var/run/netns/$t"
ip -n $t -br addr show eth0
ip netns exec $t ping -c 1 -W 2 172.16.29.1 | sed -n '1,2p'  # the gateway, on the node's side of the veth
cnitool check myptp "/var/run/netns/$t" && echo "check passed"
cnitool del myptp "/var/run/netns/$t"
ip -n $t -br link

say "done; removing the namespaces"
