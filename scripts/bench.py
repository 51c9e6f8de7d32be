#!/usr/bin/env python3
"""Whole-process timings of our plugins against Debian's reference, in one run, interleaved.

Every scenario runs inside throwaway namespaces (a "node" namespace standing in for the host and a
container namespace), with host-local state in a temporary directory, and removes everything after.
The timing loop itself runs inside the node namespace (re-executed under nsenter) and starts each
plugin with posix_spawn, the CNI_* environment and the config on stdin, timing spawn to exit.
Ours and the reference's alternate, so both see the same noise.

usage: scripts/bench.py [--ours DIR] [--ref DIR] [-n N] [--masq-backend iptables|nftables] [--prev-result]
                       [--per-verb] [scenario ...]
scenarios: loopback, ptp, bridge (default), the single-interface plugins: macvlan, ipvlan, vlan,
host-device, tap, dummy (`interfaces` for all six), and the meta plugins: tuning, bandwidth, sbr, vrf
(`meta` for all four), chained on a veth pair (`vh0` in the node, `eth0` in the container) that is
made afresh, untimed, before every ADD (their DEL leaves the veth, as a chain's next DEL would
delete it). Their node has a veth `uplink0` standing in for
the NIC (the master; host-device moves it in and out). A plugin Debian does not ship (tap, dummy)
is timed alone; one this kernel lacks (ipvlan, vlan, dummy) is reported as such: run the script in
the VM for those (scripts/vm/run.sh -- scripts/bench.py ...), where timings are emulated.

ptp and bridge masquerade with the default backend (ours follows the node: nftables on these fresh
throwaway nodes; Debian's 1.1.1 always uses iptables). --masq-backend sets `ipMasqBackend` for both
(Debian's ignores the key), e.g. iptables to compare like with like. --prev-result hands DEL the ADD's
result as prevResult, as libcni does from its cache. --per-verb adds an ADD row and a DEL row under
each ADD+DEL row.
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, uuid

from benchlib import spawn

LABELS = {"loopback": "loopback ADD", "bridge": "bridge+host-local ADD+DEL", "ptp": "ptp+host-local ADD+DEL",
          "macvlan": "macvlan+host-local ADD+DEL", "ipvlan": "ipvlan+host-local ADD+DEL",
          "vlan": "vlan+host-local ADD+DEL", "host-device": "host-device+host-local ADD+DEL",
          "tap": "tap+host-local ADD+DEL", "dummy": "dummy+host-local ADD+DEL",
          "tuning": "tuning ADD+DEL", "bandwidth": "bandwidth ADD+DEL", "sbr": "sbr ADD+DEL", "vrf": "vrf ADD+DEL"}
INTERFACES = ["macvlan", "ipvlan", "vlan", "host-device", "tap", "dummy"]
META = ["tuning", "bandwidth", "sbr", "vrf"]
# The link kind each needs from the kernel (probed in the node before timing).
KERNEL = {"ipvlan": "ipvlan", "vlan": "vlan", "dummy": "dummy", "vrf": "vrf"}

def meta_prev_result(netns):
    return {"cniVersion": "1.0.0", "interfaces": [{"name": "vh0"}, {"name": "eth0", "sandbox": netns}],
            "ips": [{"interface": 1, "address": "10.1.0.2/24", "gateway": "10.1.0.1"},
                    {"interface": 1, "address": "fd01::2/64", "gateway": "fd01::1"}]}

def meta_veth(container):
    """The chained plugins' veth pair, made afresh (run in the node namespace)."""
    subprocess.run(["ip", "link", "del", "vh0"], capture_output=True)
    for cmd in (["link", "add", "vh0", "type", "veth", "peer", "name", "eth0", "netns", container],
                ["link", "set", "vh0", "up"], ["addr", "add", "10.1.0.1/24", "dev", "vh0"]):
        subprocess.run(["ip"] + cmd, check=True)
    subprocess.run(["ip", "-n", container, "-batch", "-"], check=True, text=True, input="\n".join([
        "link set eth0 up", "addr add 10.1.0.2/24 dev eth0", "addr add fd01::2/64 dev eth0 nodad",
        "route add default via 10.1.0.1 dev eth0", "route add 192.168.50.0/24 via 10.1.0.1 dev eth0", ""]))

def config(kind, datadir, masq_backend=None):
    ipam = {"type": "host-local", "subnet": "10.123.0.0/16", "dataDir": datadir}
    masq = {"ipMasq": True, **({"ipMasqBackend": masq_backend} if masq_backend else {})}
    if kind == "loopback":
        return {"cniVersion": "1.0.0", "name": "bench-lo", "type": "loopback"}
    if kind == "bridge":
        return {"cniVersion": "1.0.0", "name": "benchbr", "type": "bridge", "bridge": "cnibench0",
                "isGateway": True, **masq, "ipam": ipam}
    if kind == "ptp":
        return {"cniVersion": "1.0.0", "name": "benchptp", "type": "ptp", **masq, "ipam": ipam}
    if kind in INTERFACES:
        extra = {"macvlan": {"master": "uplink0"}, "ipvlan": {"master": "uplink0"},
                 "vlan": {"master": "uplink0", "vlanId": 42}, "host-device": {"device": "uplink0"}}.get(kind, {})
        return {"cniVersion": "1.0.0", "name": "bench-" + kind, "type": kind, **extra, "ipam": ipam}
    if kind in META:
        extra = {"tuning": {"sysctl": {"net.core.somaxconn": "500"}, "mac": "02:c0:ff:ee:00:01", "mtu": 1400,
                            "promisc": True, "allmulti": True, "dataDir": datadir},
                 "bandwidth": {"ingressRate": 8000000, "ingressBurst": 80000, "egressRate": 8000000, "egressBurst": 80000},
                 "vrf": {"vrfname": "blue"}}.get(kind, {})
        return {"cniVersion": "1.0.0", "name": "bench-" + kind, "type": kind, **extra}
    raise SystemExit(f"unknown scenario {kind}")

def inner(a):
    """Runs in the node namespace: the timing loop. Prints one JSON object of samples."""
    impls = {"ours": a.ours, "reference": a.ref}
    if not os.path.exists(os.path.join(a.ref, a.kind)):
        del impls["reference"]  # Debian does not ship it: ours alone
    times = {k: [] for k in impls}
    verbs = {k: {"ADD": [], "DEL": []} for k in impls}
    for i in range(a.n + 3):  # 3 warm-up rounds
        for impl, bindir in impls.items():
            conf = config(a.kind, os.path.join(a.tmp, impl), a.masq_backend)
            if a.kind in META:
                meta_veth(os.path.basename(a.netns))
                conf["prevResult"] = meta_prev_result(a.netns)
            stdin = json.dumps(conf).encode()
            env = {"CNI_CONTAINERID": f"bench{i}", "CNI_NETNS": a.netns, "CNI_IFNAME": "eth0", "CNI_PATH": bindir}
            binary = os.path.join(bindir, a.kind)
            total = 0.0
            for verb in (["ADD"] if a.kind == "loopback" else ["ADD", "DEL"]):
                t, rc, out = spawn(binary, verb, stdin, env)
                if rc != 0:
                    sys.exit(f"{impl} {a.kind} {verb} failed (exit {rc}): {out}")
                if verb == "ADD" and a.prev_result:
                    stdin = json.dumps({**json.loads(stdin), "prevResult": json.loads(out)}).encode()
                total += t
                if i >= 3:
                    verbs[impl][verb].append(t)
            if i >= 3:
                times[impl].append(total)
            if a.kind == "host-device":  # the device comes back down
                subprocess.run(["ip", "link", "set", "uplink0", "up"], check=True)
    print(json.dumps({"total": times, "verbs": verbs}))

def outer(a):
    if a.masq_backend or a.prev_result:
        print(f"ipMasqBackend: {a.masq_backend or 'default'}; DEL with prevResult: {'yes' if a.prev_result else 'no'}")
    print(f"{'scenario':<28} {'ours ms':>8} {'ref ms':>8} {'ratio':>6}   median of {a.n} (mean ratio)")
    for kind in a.scenarios:
        tag = uuid.uuid4().hex[:6]
        node, ctr = f"swcni-bench-{tag}-n", f"swcni-bench-{tag}-c"
        made = []
        try:
            for ns in (node, ctr):
                subprocess.run(["ip", "netns", "add", ns], check=True)
                made.append(ns)
                subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
            if kind in INTERFACES or kind in META:
                for cmd in (["link", "add", "uplink0", "type", "veth", "peer", "name", "wire0"],
                            ["link", "set", "uplink0", "up"], ["link", "set", "wire0", "up"]):
                    subprocess.run(["ip", "-n", node] + cmd, check=True)
                probe = KERNEL.get(kind)
                link = [] if probe == "vrf" else ["link", "uplink0"]
                if probe and subprocess.run(["ip", "-n", node, "link", "add"] + link + ["name", "probe0", "type", probe]
                                            + (["id", "5"] if probe == "vlan" else []) + (["table", "5"] if probe == "vrf" else []),
                                            capture_output=True).returncode != 0:
                    print(f"{LABELS[kind]:<28} {'(this kernel lacks ' + probe + ')':>24}")
                    continue
                subprocess.run(["ip", "-n", node, "link", "del", "probe0"], capture_output=True)
            with tempfile.TemporaryDirectory() as tmp:
                out = subprocess.run(["nsenter", f"--net=/var/run/netns/{node}", "--", sys.executable,
                                      os.path.abspath(__file__), "--inner", "--kind", kind, "--tmp", tmp,
                                      "--netns", f"/var/run/netns/{ctr}", "--ours", a.ours, "--ref", a.ref,
                                      "-n", str(a.n)] + (["--masq-backend", a.masq_backend] if a.masq_backend else [])
                                 + (["--prev-result"] if a.prev_result else []),
                                 check=True, capture_output=True, text=True)
        except subprocess.CalledProcessError as e:
            sys.exit(f"{kind}: {e.stderr.strip()}")
        finally:
            for ns in made:
                subprocess.run(["ip", "netns", "del", ns])
        samples = json.loads(out.stdout)
        rows = [(LABELS[kind], samples["total"])]
        if a.per_verb and kind != "loopback":
            prefix = LABELS[kind].rsplit(" ", 1)[0]
            rows += [(f"{prefix} {verb}", {impl: v[verb] for impl, v in samples["verbs"].items()}) for verb in ("ADD", "DEL")]
        for label, t in rows:
            if "reference" not in t:
                print(f"{label:<28} {statistics.median(t['ours']) * 1e3:8.2f} {'-':>8} {'-':>6}   (Debian has none)")
                continue
            mo, mr = statistics.median(t["ours"]) * 1e3, statistics.median(t["reference"]) * 1e3
            ao, ar = statistics.mean(t["ours"]), statistics.mean(t["reference"])
            print(f"{label:<28} {mo:8.2f} {mr:8.2f} {mo / mr:6.2f}   ({ao / ar:.2f})")

def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--ours", default=os.path.join(here, "..", ".build", "release"))
    ap.add_argument("--ref", default="/usr/lib/cni")
    ap.add_argument("-n", type=int, default=100)
    ap.add_argument("--masq-backend", choices=["iptables", "nftables"],
                    help="ipMasqBackend for ptp and bridge (default: unset, each plugin's default)")
    ap.add_argument("--prev-result", action="store_true", help="DEL gets the ADD's result as prevResult")
    ap.add_argument("--per-verb", action="store_true", help="also print ADD and DEL separately")
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--kind", help=argparse.SUPPRESS)
    ap.add_argument("--tmp", help=argparse.SUPPRESS)
    ap.add_argument("--netns", help=argparse.SUPPRESS)
    ap.add_argument("scenarios", nargs="*", default=["loopback", "ptp", "bridge"])
    a = ap.parse_args()
    a.ours, a.ref = os.path.abspath(a.ours), os.path.abspath(a.ref)
    for group, members in (("interfaces", INTERFACES), ("meta", META)):
        if group in a.scenarios:
            i = a.scenarios.index(group)
            a.scenarios[i:i + 1] = members
    inner(a) if a.inner else outer(a)

if __name__ == "__main__":
    if os.geteuid() != 0:
        sys.exit("run as root (it makes throwaway network namespaces)")
    main()
