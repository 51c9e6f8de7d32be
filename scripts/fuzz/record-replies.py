#!/usr/bin/env python3
"""Records kernel netlink replies as seeds for the netlink and nftables fuzz targets
(Tests/FuzzRegressionTests/corpus/{netlink,nftables}/seed-*). Runs only inside scripts/isolated.sh
(a private network namespace), where it builds a bridge, veths, addresses, routes, neighbours,
bridge VLANs and nftables tables like the plugins make, then asks the kernel what the fuzz
targets' queries ask and saves the answers: one selector byte (which query the target makes),
then each reply datagram as [length: u16 little-endian][bytes].

    scripts/isolated.sh scripts/fuzz/record-replies.py
"""
import os, socket, struct, subprocess, sys

if "SWCNI_ISOLATED_MNT" not in os.environ:
    sys.exit("record-replies.py changes the network: run it under scripts/isolated.sh")

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "FuzzRegressionTests", "corpus")

def sh(cmd):
    subprocess.run(cmd, shell=True, check=True)

sh("ip link add br0 type bridge")
sh("ip link add eth0 type veth peer name vethpeer")
sh("ip link set eth0 master br0 && ip link set br0 up && ip link set eth0 up && ip link set vethpeer up")
# (VLAN filtering, where the kernel has it: this one may not.)
subprocess.run("ip link set br0 type bridge vlan_filtering 1 && bridge vlan add dev eth0 vid 10 && bridge vlan add dev eth0 vid 20-30 untagged", shell=True)
sh("ip addr add 10.0.0.1/24 dev br0 && ip addr add fd00::1/64 dev br0 nodad && ip addr add 10.0.1.1/24 dev vethpeer")
sh("ip route add 10.9.0.0/16 via 10.0.0.2 dev br0 && ip route add fd09::/64 via fd00::2 dev br0 && ip route add default via 10.0.0.254")
sh("ip route add 10.8.0.0/16 dev br0 table 100 && ip neigh add 10.0.0.2 lladdr 0a:00:00:00:00:02 dev br0")
sh("ip -6 neigh add fd00::2 lladdr 0a:00:00:00:00:02 dev br0")
sh("""nft -f - <<'NFT'
table ip cni_plugins_masquerade {
  chain masq_checks { comment "masquerade non-local traffic"
    ip daddr != 10.0.0.0/24 masquerade comment "abc123 eth0"
  }
  chain postrouting { type nat hook postrouting priority srcnat; policy accept;
    ip saddr 10.0.0.5 ip daddr != 224.0.0.0/4 goto masq_checks comment "abc123 eth0"
  }
}
table inet cni_hostport {
  map hostip_hostports { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service ; }
  chain hostports { tcp dport 8080 dnat ip to 10.0.0.5:80 comment "abc123"
    meta l4proto udp ip daddr 127.0.0.1 udp dport 53 counter dnat ip to 10.0.0.5:53
    ct state established,related accept ; meta mark set mark or 0x2000
  }
  chain prerouting { type nat hook prerouting priority dstnat; fib daddr type local jump hostports; }
}
NFT""")

NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 1, 4, 0x300
seq = [1]

def nlmsg(mtype, flags, payload):
    seq[0] += 1
    return struct.pack("=IHHII", 16 + len(payload), mtype, flags, seq[0], 0) + payload

def attr(t, data):
    a = struct.pack("=HH", 4 + len(data), t) + data
    return a + b"\0" * ((4 - len(a) % 4) % 4)

def exchange(proto, messages, batch=False):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, proto)
    s.setsockopt(270, 11, 1)  # NETLINK_EXT_ACK
    s.bind((0, 0))
    s.send(b"".join(messages))
    replies = []
    s.settimeout(0.5)
    pending = len(messages)
    while True:
        try:
            d = s.recv(65535)
        except socket.timeout:
            break
        replies.append(d)
        # Stop at NLMSG_DONE or the last ack.
        off, done = 0, False
        while off + 16 <= len(d):
            length, mtype = struct.unpack_from("=IH", d, off)
            if mtype == 3 or mtype == 2:
                pending -= 1
                done = mtype == 3 or pending <= 0
            if length < 16: break
            off += (length + 3) & ~3
        if done and not batch: break
    s.close()
    return replies

def save(target, name, selector, replies):
    d = os.path.join(root, target)
    os.makedirs(d, exist_ok=True)
    out = bytes([selector]) + b"".join(struct.pack("<H", len(r)) + r for r in replies)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(out)

RT = socket.NETLINK_ROUTE
ifinfo = lambda family=0, index=0: struct.pack("=BxHiII", family, 0, index, 0, 0)
ifaddr = lambda family: struct.pack("=BBBBI", family, 0, 0, 0, 0)
rtmsg = lambda family, dst_len=0: struct.pack("=BBBBBBBBI", family, dst_len, 0, 0, 0, 0, 0, 0, 0)
ndmsg = struct.pack("=BxxxiHBB", 0, 0, 0, 0, 0)
RTM_GETLINK, RTM_NEWLINK, RTM_GETADDR, RTM_GETROUTE, RTM_GETNEIGH, RTM_DELLINK = 18, 16, 22, 26, 30, 17
eth0 = socket.if_nametoindex("eth0")
save("netlink", "links", 0, exchange(RT, [nlmsg(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, ifinfo())]))
save("netlink", "addresses", 1, exchange(RT, [nlmsg(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, ifaddr(0))]))
save("netlink", "routes4", 2, exchange(RT, [nlmsg(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, rtmsg(2))]))
save("netlink", "routes6", 3, exchange(RT, [nlmsg(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, rtmsg(10))]))
save("netlink", "neighbours", 4, exchange(RT, [nlmsg(RTM_GETNEIGH, NLM_F_REQUEST | NLM_F_DUMP, ndmsg)]))
# Bridge VLANs: a link dump of family AF_BRIDGE with IFLA_EXT_MASK (29) = RTEXT_FILTER_BRVLAN (2).
brvlan = nlmsg(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, ifinfo(7) + attr(29, struct.pack("=I", 2)))
save("netlink", "bridge-vlans", 5, exchange(RT, [brvlan]))
save("netlink", "route-get", 6, exchange(RT, [nlmsg(RTM_GETROUTE, NLM_F_REQUEST, rtmsg(2, 32) + attr(1, socket.inet_aton("10.9.0.1")))]))
lookup = exchange(RT, [nlmsg(RTM_GETLINK, NLM_F_REQUEST, ifinfo() + attr(3, b"eth0\0"))])
setup = exchange(RT, [nlmsg(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, struct.pack("=BxHiII", 0, 0, eth0, 1, 1))])
vlans = exchange(RT, [nlmsg(RTM_GETLINK, NLM_F_REQUEST, ifinfo(7, eth0) + attr(29, struct.pack("=I", 2)))])
delete = exchange(RT, [nlmsg(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, ifinfo(0, eth0))])
save("netlink", "link-set-delete", 7, lookup + setup + vlans + delete)
missing = exchange(RT, [nlmsg(RTM_GETLINK, NLM_F_REQUEST, ifinfo() + attr(3, b"eth0\0"))])
save("netlink", "link-missing", 7, missing)
save("netlink", "link-index", 8, exchange(RT, [nlmsg(RTM_GETLINK, NLM_F_REQUEST, ifinfo(0, 1))]))
br0 = socket.if_nametoindex("br0")
save("netlink", "addresses6", 9, exchange(RT, [nlmsg(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, ifaddr(10))]))
# A dump cut short by a concurrent change (NLM_F_DUMP_INTR) on a duplicate of the link dump.
links = exchange(RT, [nlmsg(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, ifinfo())])
intr = bytearray(links[0]); struct.pack_into("=H", intr, 6, struct.unpack_from("=H", intr, 6)[0] | 0x10)
save("netlink", "links-interrupted", 0, [bytes(intr)] + links[1:])

NF = 12  # NETLINK_NETFILTER
def nft(msg, flags, family, attrs=b""):
    return nlmsg((10 << 8) | msg, NLM_F_REQUEST | flags, struct.pack("=BBH", family, 0, 0) + attrs)
GETTABLE, GETCHAIN, GETRULE = 1, 4, 7
s = lambda text: text.encode() + b"\0"
ip, inet = 2, 1
save("nftables", "rules-masq", 0, exchange(NF, [nft(GETRULE, NLM_F_DUMP, ip, attr(1, s("cni_plugins_masquerade")) + attr(2, s("postrouting")))]))
save("nftables", "rules-hostports", 0, exchange(NF, [nft(GETRULE, NLM_F_DUMP, inet, attr(1, s("cni_hostport")) + attr(2, s("hostports")))]))
save("nftables", "rules-all", 5, exchange(NF, [nft(GETRULE, NLM_F_DUMP, 0)]))
save("nftables", "chain", 1, exchange(NF, [nft(GETCHAIN, 0, ip, attr(1, s("cni_plugins_masquerade")) + attr(3, s("postrouting")))]))
save("nftables", "chain-missing", 1, exchange(NF, [nft(GETCHAIN, 0, ip, attr(1, s("cni_plugins_masquerade")) + attr(3, s("nothere")))]))
save("nftables", "chains", 2, exchange(NF, [nft(GETCHAIN, NLM_F_DUMP, inet, attr(1, s("cni_hostport")))]))
save("nftables", "table", 3, exchange(NF, [nft(GETTABLE, 0, inet, attr(1, s("cni_hostport")))]))
save("nftables", "table-missing", 3, exchange(NF, [nft(GETTABLE, 0, inet, attr(1, s("nothere")))]))
rules = exchange(NF, [nft(GETRULE, NLM_F_DUMP, inet, attr(1, s("cni_hostport")) + attr(2, s("hostports")))])
save("nftables", "rule-handle", 4, rules)
# A batch (begin, new table, new chain, end): the kernel's acks for each.
begin = nlmsg(0x10, NLM_F_REQUEST, struct.pack("=BBH", 0, 0, socket.htons(10)))
end = nlmsg(0x11, NLM_F_REQUEST, struct.pack("=BBH", 0, 0, socket.htons(10)))
newtable = nlmsg((10 << 8) | 0, NLM_F_REQUEST | NLM_F_ACK | 0x400, struct.pack("=BBH", ip, 0, 0) + attr(1, s("fuzz")))
newchain = nlmsg((10 << 8) | 3, NLM_F_REQUEST | NLM_F_ACK | 0x400, struct.pack("=BBH", ip, 0, 0) + attr(1, s("fuzz")) + attr(3, s("fuzz")))
save("nftables", "batch", 6, exchange(NF, [begin, newtable, newchain, end], batch=True))
again = exchange(NF, [begin, newtable, newchain, end], batch=True)  # EEXIST for the chain? no: create flag absent, acks again
save("nftables", "batch-again", 6, again)
bad = nlmsg((10 << 8) | 3, NLM_F_REQUEST | NLM_F_ACK | 0x400, struct.pack("=BBH", ip, 0, 0) + attr(1, s("nothere")) + attr(3, s("x")))
save("nftables", "batch-error", 6, exchange(NF, [begin, bad, end], batch=True))
# Leave the namespace as it was (scripts/isolated.sh checks).
sh("ip link del br0; ip link del eth0 2>/dev/null || true; nft flush ruleset")
for t in ("netlink", "nftables"):
    print(t, sorted(os.listdir(os.path.join(root, t))))
