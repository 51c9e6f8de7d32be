#!/usr/bin/env python3
"""Writes the hand-made part of the seed corpus (Tests/FuzzRegressionTests/corpus/<target>/seed-*):
configs of every plugin, results in every shape, requests, lease files. The netlink and nftables
seeds are kernel replies recorded by scripts/fuzz/record.sh. Run once; the fuzz runs add to the
corpus and scripts/fuzz.sh --minimize folds it back."""
import json, os, sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "FuzzRegressionTests", "corpus")

def write(target, name, data):
    d = os.path.join(root, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)

ipam = {"type": "host-local", "ranges": [[{"subnet": "10.88.0.0/16", "rangeStart": "10.88.0.10", "rangeEnd": "10.88.0.200", "gateway": "10.88.0.1"}], [{"subnet": "fd88::/64"}]],
        "routes": [{"dst": "0.0.0.0/0"}, {"dst": "::/0", "gw": "fd88::1"}], "dataDir": "/var/lib/cni/networks", "resolvConf": "/etc/resolv.conf"}
prev = {"cniVersion": "1.1.0", "interfaces": [{"name": "cni0", "mac": "0a:58:0a:58:00:01"}, {"name": "eth0", "mac": "0a:58:0a:58:00:05", "sandbox": "/var/run/netns/x"}],
        "ips": [{"address": "10.88.0.5/16", "gateway": "10.88.0.1", "interface": 1}, {"address": "fd88::5/64", "interface": 1}],
        "routes": [{"dst": "0.0.0.0/0", "gw": "10.88.0.1"}], "dns": {"nameservers": ["10.88.0.1"], "search": ["a.b"], "options": ["ndots:5"], "domain": "x"}}
base = {"cniVersion": "1.1.0", "name": "net"}
configs = {
    "bridge": {"type": "bridge", "bridge": "cni0", "isGateway": True, "isDefaultGateway": False, "forceAddress": False, "ipMasq": True, "ipMasqBackend": "nftables",
               "mtu": 1400, "hairpinMode": True, "promiscMode": False, "vlan": 10, "vlanTrunk": [{"id": 20}, {"minID": 30, "maxID": 40}], "preserveDefaultVlan": True,
               "macspoofchk": True, "enabledad": "true", "disableContainerInterface": False, "portIsolation": False, "ipam": ipam, "dns": {"nameservers": ["1.1.1.1"]}},
    "ptp": {"type": "ptp", "ipMasq": True, "mtu": 1500, "ipam": ipam},
    "portmap": {"type": "portmap", "snat": True, "backend": "iptables", "markMasqBit": 13, "conditionsV4": ["-s", "1.2.3.4"], "externalSetMarkChain": None,
                "capabilities": {"portMappings": True},
                "runtimeConfig": {"portMappings": [{"hostPort": 8080, "containerPort": 80, "protocol": "tcp", "hostIP": "127.0.0.1"}, {"HostPort": 53, "ContainerPort": 53, "Protocol": "udp"}]},
                "prevResult": prev},
    "host-local": {"type": "bridge", "ipam": dict(ipam, **{"subnet": "10.1.0.0/24", "rangeStart": "10.1.0.5"})},
    "macvlan": {"type": "macvlan", "master": "eth0", "mode": "bridge", "mtu": 1400, "linkInContainer": False, "ipam": ipam, "runtimeConfig": {"mac": "0a:00:00:00:00:01"}},
    "ipvlan": {"type": "ipvlan", "master": "eth0", "mode": "l3s", "mtu": 1400, "ipam": ipam},
    "vlan": {"type": "vlan", "master": "eth0", "vlanId": 42, "mtu": 1400, "ipam": ipam},
    "tap": {"type": "tap", "mac": "0a:00:00:00:00:02", "mtu": 1400, "selinuxcontext": "system_u", "multiQueue": True, "owner": 0, "group": 0, "bridge": "br0", "ipam": ipam},
    "host-device": {"type": "host-device", "device": "eth1", "pciBusID": "0000:00:01.0", "hwaddr": "0a:00:00:00:00:03", "kernelpath": "/sys/devices/x", "ipam": ipam},
    "firewall": {"type": "firewall", "backend": "iptables", "iptablesAdminChainName": "CNI-ADMIN", "firewalldZone": "trusted", "ingressPolicy": "same-bridge", "prevResult": prev},
    "dummy": {"type": "dummy", "ipam": ipam},
    "static": {"type": "macvlan", "ipam": {"type": "static", "addresses": [{"address": "10.10.0.1/24", "gateway": "10.10.0.254"}, {"address": "fd10::1/64"}],
               "routes": [{"dst": "0.0.0.0/0"}], "dns": {"nameservers": ["8.8.8.8"]}}, "args": {"cni": {"ips": ["10.10.0.9/24"]}}},
    "dhcp": {"type": "macvlan", "ipam": {"type": "dhcp", "daemonSocketPath": "/run/cni/dhcp.sock", "request": [{"skipDefault": False, "option": "classless-static-routes"}],
             "provide": [{"option": "host-name", "fromArg": "K8S_POD_NAME"}, {"option": "12", "value": "x"}], "priority": 2}},
    "flannel": {"type": "flannel", "subnetFile": "/run/flannel/subnet.env", "dataDir": "/var/lib/cni/flannel", "delegate": {"hairpinMode": True, "isDefaultGateway": True}},
    "tuning": {"type": "tuning", "sysctl": {"net.core.somaxconn": "500", "net.ipv4.conf.IFNAME.arp_filter": "1"}, "mac": "c2:b0:57:49:47:f1", "mtu": 1454,
               "promisc": True, "allmulti": True, "txQLen": 20000, "runtimeConfig": {"mac": "c2:b0:57:49:47:f2"}, "prevResult": prev},
    "sbr": {"type": "sbr", "table": 100, "prevResult": prev},
    "bandwidth": {"type": "bandwidth", "ingressRate": 1000000, "ingressBurst": 100000, "egressRate": 1000000, "egressBurst": 100000,
                  "unshapedSubnets": ["10.0.0.0/8"], "runtimeConfig": {"bandwidth": {"ingressRate": 8000, "ingressBurst": 800}}, "prevResult": prev},
    "vrf": {"type": "vrf", "vrfname": "blue", "table": 1001, "prevResult": prev},
    "gc": {"type": "bridge", "cni.dev/valid-attachments": [{"containerID": "abc", "ifname": "eth0"}], "cniVersion": "1.1.0"},
    "old": {"type": "bridge", "cniVersion": "0.3.1", "prevResult": {"cniVersion": "0.2.0", "ip4": {"ip": "10.1.0.5/24", "gateway": "10.1.0.1", "routes": [{"dst": "0.0.0.0/0"}]}}},
}
for name, c in configs.items():
    doc = dict(base, **c)
    write("config", name, json.dumps(doc, indent=2))
    write("json", name, json.dumps(doc))
write("config", "host-local-args", json.dumps(dict(base, **configs["host-local"])) + "\0IgnoreUnknown=1;IP=10.88.0.7,fd88::7;K8S_POD_NAME=x")
write("config", "host-local-arg", json.dumps(dict(base, **configs["host-local"])) + "\0IP=10.88.0.7")
write("config", "tuning-args", json.dumps(dict(base, **configs["tuning"])) + "\0MAC=0a:00:00:00:00:0a;MTU=1400;PROMISC=true")
write("config", "subnet-env", "FLANNEL_NETWORK=10.1.0.0/16\nFLANNEL_SUBNET=10.1.17.1/24\nFLANNEL_IPV6_NETWORK=fd01::/48\nFLANNEL_IPV6_SUBNET=fd01:0:11::1/64\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=true\n")
write("config", "macvlan-args", json.dumps(dict(base, **configs["macvlan"])) + "\0MAC=0a:00:00:00:00:09")
write("config", "conflist", open(os.path.join(os.path.dirname(root), "..", "..", "conf", "20-mynet.conflist")).read())

json_cases = {
    "nesting": "[[[[[[[[[[{\"a\":[{}]}]]]]]]]]]]", "numbers": "[0,-0,1e3,1E+3,1.5e-7,123456789012345678901234567890,-1.0,1e400]",
    "escapes": "\"\\u0041\\ud83d\\ude00\\ud800\\n\\t\\\\\\/\\\"\"", "utf8": "\"h\xc3\xa9llo \xff\xfe bad\"", "dup": "{\"a\":1,\"A\":2,\"a\":{\"b\":null}}",
    "ws": " \t\r\n{ } \n", "literals": "[true,false,null]",
}
for name, text in json_cases.items():
    write("json", name, text.encode("latin-1") if name == "utf8" else text)

results = {
    "v1": prev,
    "v04": {"cniVersion": "0.4.0", "interfaces": [{"name": "eth0", "mac": "0a:58:0a:58:00:05", "sandbox": "/x"}], "ips": [{"version": "4", "address": "10.88.0.5/16", "gateway": "10.88.0.1", "interface": 0}, {"version": "6", "address": "fd88::5/64"}],
            "routes": [{"dst": "0.0.0.0/0"}], "dns": {}},
    "v02": {"cniVersion": "0.2.0", "ip4": {"ip": "10.1.0.5/24", "gateway": "10.1.0.1", "routes": [{"dst": "0.0.0.0/0", "gw": "10.1.0.1"}]}, "ip6": {"ip": "fd00::5/64"}, "dns": {"nameservers": ["8.8.8.8"]}},
    "v11-full": {"cniVersion": "1.1.0", "interfaces": [{"name": "eth0", "mac": "0a:58:0a:58:00:05", "mtu": 1400, "sandbox": "/x", "socketPath": "/run/s.sock", "pciID": "0000:04:00.5"}],
                 "ips": [{"address": "10.88.0.5/16"}], "routes": [{"dst": "10.9.0.0/16", "mtu": 1300, "advmss": 1260, "priority": 100, "table": 0, "scope": 253}]},
    "error": {"cniVersion": "1.1.0", "code": 7, "msg": "invalid", "details": "x"},
    "noversion": {"ip4": {"ip": "10.1.0.5/24"}},
}
for name, r in results.items():
    write("result", name, json.dumps(r, indent=4))

requests = {
    "add": ["IgnoreUnknown=1;IP=10.1.2.3;K8S_POD_NAMESPACE=default", "ADD", "abc123", "eth0", "/var/run/netns/x", "/opt/cni/bin", json.dumps(dict(base, **configs["bridge"]))],
    "del": ["", "DEL", "abc123", "eth0", "", "/opt/cni/bin", json.dumps(dict(base, type="bridge"))],
    "check": ["MAC=0a:00:00:00:00:01", "CHECK", "abc", "eth0", "/x", "/p", json.dumps(dict(base, type="bridge", prevResult=prev))],
    "gc": ["", "GC", "", "", "", "/p", json.dumps(dict(base, **configs["gc"]))],
    "status": ["", "STATUS", "", "", "", "/p", json.dumps(base)],
    "version": ["", "VERSION", "", "", "", "", json.dumps({"cniVersion": "0.4.0"})],
    "badargs": ["a;b=c=d;IgnoreUnknown=maybe", "ADD", "x", "eth0", "/x", "/p", json.dumps(dict(base, type="bridge", cniVersion="0.1.0"))],
}
for name, fields in requests.items():
    write("cniargs", name, "\0".join(fields))

leases = {
    "owner": "abc123\r\neth0", "legacy": "  abc123 \n", "empty": "", "nul": "\0\0\0\0", "bucket": "10.88.0.5 abc eth0\n10.88.0.6 def\nfd88::5 abc eth1\n",
    "cr": "abc\rdef",
}
for name, text in leases.items():
    write("lease", name, text)
state = "swift-cni host-local index 2 256\n2049 1234 1700000000 999 1700000000 999\nh 3 abcdef\nh 200 1\no 10.88.0.9\n"
def fnv(b):
    h = 0xcbf29ce484222325
    for c in b:
        h ^= c
        h = (h * 0x100000001b3) & 0xffffffffffffffff
    return h
write("lease", "state", state + "c %x\n" % fnv(state.encode()))

# DHCP: messages as a server sends them (option 52 puts more options in `file` and `sname`), and
# one inside the IPv4/UDP frame the packet socket delivers.
import struct
def dhcp(msgtype, options, file=b"", sname=b"", chaddr=bytes.fromhex("0a0000000001")):
    head = struct.pack("!BBBBIHH4s4s4s4s", 2, 1, len(chaddr), 0, 0x12345678, 0, 0x8000,
                       bytes(4), bytes([10, 0, 0, 5]), bytes([10, 0, 0, 1]), bytes(4))
    head += chaddr.ljust(16, b"\0") + sname.ljust(64, b"\0") + file.ljust(128, b"\0") + bytes([99, 130, 83, 99])
    opts = bytes([53, 1, msgtype])
    for code, value in options:
        opts += bytes([code, len(value)]) + value
    return (head + opts + b"\xff").ljust(300, b"\0")
ack_options = [(1, bytes([255, 255, 255, 0])), (3, bytes([10, 0, 0, 1, 10, 0, 0, 2])), (6, bytes([10, 0, 0, 53])),
               (51, struct.pack("!I", 3600)), (58, struct.pack("!I", 1800)), (59, struct.pack("!I", 3150)), (54, bytes([10, 0, 0, 1])),
               (121, bytes([24, 10, 9, 0, 10, 0, 0, 1, 0, 10, 0, 0, 1])), (33, bytes([10, 8, 0, 0, 10, 0, 0, 1])), (12, b"pod")]
write("dhcp", "ack", dhcp(5, ack_options))
write("dhcp", "offer", dhcp(2, ack_options[:5]))
write("dhcp", "nak", dhcp(6, [(54, bytes([10, 0, 0, 1]))]))
write("dhcp", "ack-static-routes", dhcp(5, [o for o in ack_options if o[0] != 121]))
write("dhcp", "overload", dhcp(5, [(52, bytes([3])), (54, bytes([10, 0, 0, 1]))], file=bytes([1, 4, 255, 255, 0, 0, 255]), sname=bytes([3, 4, 10, 0, 0, 1, 255])))
write("dhcp", "split-option", dhcp(5, [(1, bytes([255, 255, 255, 0])), (121, bytes([16, 10, 7])), (121, bytes([10, 0, 0, 1]))]))
payload = dhcp(5, ack_options)
udp = struct.pack("!HHHH", 67, 68, 8 + len(payload), 0) + payload
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0, bytes([10, 0, 0, 1]), bytes([255, 255, 255, 255]))
write("dhcp", "frame", ip + udp)
