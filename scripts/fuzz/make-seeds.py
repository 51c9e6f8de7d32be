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
    "gc": {"type": "bridge", "cni.dev/valid-attachments": [{"containerID": "abc", "ifname": "eth0"}], "cniVersion": "1.1.0"},
    "old": {"type": "bridge", "cniVersion": "0.3.1", "prevResult": {"cniVersion": "0.2.0", "ip4": {"ip": "10.1.0.5/24", "gateway": "10.1.0.1", "routes": [{"dst": "0.0.0.0/0"}]}}},
}
for name, c in configs.items():
    doc = dict(base, **c)
    write("config", name, json.dumps(doc, indent=2))
    write("json", name, json.dumps(doc))
write("config", "host-local-args", json.dumps(dict(base, **configs["host-local"])) + "\0IgnoreUnknown=1;IP=10.88.0.7,fd88::7;K8S_POD_NAME=x")
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
