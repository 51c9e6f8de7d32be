#!/usr/bin/env python3
"""portmap: what one more ADD+DEL costs on an empty node and on a node with N containers already
publishing ports, ours (nftables and iptables backends) against Debian's portmap, in one run.

Everything runs inside throwaway namespaces: a "node" namespace (where the rules go) and a container
namespace (CNI_NETNS; portmap itself never enters it). The timing loop runs inside the node namespace
(re-executed under nsenter) and starts each plugin with posix_spawn, the CNI_* environment and the
config on stdin, timing spawn to exit. Implementations alternate within each round, in an order
shuffled from round to round, so all see the same noise and the same neighbours. Each ADD+DEL publishes one TCP and one UDP port (so both include the UDP conntrack flush,
a walk of the kernel's whole conntrack hash; --no-udp publishes two TCP ports instead).

Two node namespaces: one stays empty, the other is filled with N containers of 2 ports each, once in
nftables (our nftables backend) and once in iptables (our iptables backend, whose rules are identical
to Debian's portmap's, which the test suite checks). Each round times every implementation on both
nodes (the timing process switches between them with setns), so "flat" compares like with like.

usage: scripts/bench-portmap.py [--ours DIR] [--ref DIR] [--base DIR] [-n ROUNDS] [--containers N] [--no-udp]
                                [--impls LIST]

--base DIR adds base-nft and base-ipt: another build of ours (say main's, before a change), measured
in the same rounds, with a ratio row against it.
"""
import argparse, json, os, random, statistics, subprocess, sys, tempfile, time, uuid

from benchlib import add_implementation_args, setns, spawn

ALL_IMPLS = ("ours-nft", "ours-ipt", "debian", "base-nft", "base-ipt")

def prev_result(i):
    """A bridge-like prevResult for container i (addresses need not exist: nothing routes to them)."""
    return {"cniVersion": "1.0.0",
            "interfaces": [{"name": "cni0"}, {"name": f"veth{i:04d}"}, {"name": "eth0", "sandbox": "/var/run/netns/x"}],
            "ips": [{"interface": 2, "address": f"10.{128 + i // 250}.{i % 250}.2/9", "gateway": "10.128.0.1"}],
            "dns": {}}

def config(i, backend, ports, udp=True):
    c = {"cniVersion": "1.0.0", "name": "benchnet", "type": "portmap", "capabilities": {"portMappings": True},
         "runtimeConfig": {"portMappings": [{"hostPort": ports[0], "containerPort": 80, "protocol": "tcp"},
                                            {"hostPort": ports[1], "containerPort": 53, "protocol": "udp" if udp else "tcp"}]},
         "prevResult": prev_result(i)}
    if backend:
        c["backend"] = backend
    return json.dumps(c).encode()

def impl_setup(a, impl):
    """(binary, backend, container id) of an implementation."""
    if impl == "debian":
        return os.path.join(a.ref, "portmap"), None, "bench-debian"
    build = a.base if impl.startswith("base-") else a.ours
    return os.path.join(build, "portmap"), "nftables" if impl.endswith("-nft") else "iptables", f"bench-{impl}"

def run(a, binary, verb, stdin, cid):
    env = {"CNI_CONTAINERID": cid, "CNI_NETNS": a.netns, "CNI_IFNAME": "eth0", "CNI_PATH": os.path.dirname(binary)}
    t, rc, out = spawn(binary, verb, stdin, env)
    if rc != 0:
        sys.exit(f"{binary} {verb} {cid} failed (exit {rc}): {out}")
    return t

def inner(a):
    """Runs in a node namespace. --fill: publishes N containers there; else times ADD+DEL rounds,
    alternating implementations and the two nodes (empty, full) within each round."""
    if a.fill:
        ours = os.path.join(a.ours, "portmap")
        # The full node holds N containers in each layout being measured: our nftables rules for
        # ours-nft, iptables chains (ours, which Debian's are identical to) for ours-ipt and debian.
        layouts = (["nftables"] if {"ours-nft", "base-nft"} & set(a.impls) else []) + \
                  (["iptables"] if {"ours-ipt", "base-ipt", "debian"} & set(a.impls) else [])
        for backend in layouts:
            for i in range(a.containers):
                run(a, ours, "ADD", config(i, backend, (20000 + 2 * i, 20001 + 2 * i)), f"ctr{i:04d}-{backend}")
        return
    nodes = {"empty": a.empty_node, "full": a.full_node}
    times = {node: {impl: {"ADD": [], "DEL": []} for impl in a.impls} for node in nodes}
    for rnd in range(a.n + 3):  # 3 warm-up rounds
        # A fresh order each round (seeded, so runs repeat): an nftables ADD that follows a DEL
        # that deleted many rules waits for the kernel's deferred freeing of them (10-20 ms), so
        # a fixed order would charge that wait to whichever implementation comes next.
        order = list(enumerate(a.impls))
        random.Random(rnd).shuffle(order)
        for k, impl in order:
            binary, backend, cid = impl_setup(a, impl)
            stdin = config(9999, backend, (40000 + 2 * k, 40001 + 2 * k), udp=not a.no_udp)
            for node, path in nodes.items():
                setns(path)
                for verb in ("ADD", "DEL"):
                    t = run(a, binary, verb, stdin, cid)
                    if rnd >= 3:
                        times[node][impl][verb].append(t)
    print(json.dumps(times))

def outer(a):
    tag = uuid.uuid4().hex[:6]
    empty, full, ctr = f"swcni-bpm-{tag}-e", f"swcni-bpm-{tag}-f", f"swcni-bpm-{tag}-c"
    made = []
    def nsrun(node, *extra):
        return subprocess.run(["nsenter", f"--net=/var/run/netns/{node}", "--", sys.executable, os.path.abspath(__file__),
                               "--inner", "--netns", f"/var/run/netns/{ctr}", "--ours", a.ours, "--ref", a.ref,
                               *(["--base", a.base] if a.base else []),
                               "--empty-node", f"/var/run/netns/{empty}", "--full-node", f"/var/run/netns/{full}",
                               "-n", str(a.n), "--containers", str(a.containers), "--impls", ",".join(a.impls),
                               *(["--no-udp"] if a.no_udp else []), *extra],
                              check=True, capture_output=True, text=True)
    try:
        for ns in (empty, full, ctr):
            subprocess.run(["ip", "netns", "add", ns], check=True)
            made.append(ns)
            subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
        t = time.perf_counter()
        nsrun(full, "--fill")
        fill = time.perf_counter() - t
        nft = subprocess.run(["ip", "netns", "exec", full, "nft", "list", "table", "ip", "cni_hostport"],
                             capture_output=True, text=True).stdout
        ipt = subprocess.run(["ip", "netns", "exec", full, "iptables-save", "-t", "nat"], capture_output=True, text=True).stdout
        results = json.loads(nsrun(empty).stdout)
    except subprocess.CalledProcessError as e:
        sys.exit(f"failed: {e.stderr.strip() or e.stdout.strip()}")
    finally:
        for ns in made:
            subprocess.run(["ip", "netns", "del", ns])

    med = lambda xs: statistics.median(xs) * 1e3
    n = a.containers
    print(f"portmap ADD+DEL (one TCP + one {'TCP' if a.no_udp else 'UDP'} port), median of {a.n} rounds, ms; "
          f"empty node and node with {n} containers x 2 ports (filled in {fill:.1f} s: "
          f"{nft.count('dnat to')} nftables DNAT rules; {ipt.count(':CNI-DN-')} iptables DNAT chains, "
          f"{ipt.count('-A ')} iptables rules), measured alternately")
    print(f"{'implementation':<16} {'N=0 ADD':>8} {'DEL':>7} {'ADD+DEL':>8} {'N=' + str(n) + ' ADD':>10} {'DEL':>7} {'ADD+DEL':>8} {'flat':>6}")
    total = {}
    for impl in a.impls:
        row = []
        for node, count in (("empty", 0), ("full", n)):
            t = results[node][impl]
            sums = [x + y for x, y in zip(t["ADD"], t["DEL"])]
            total[(impl, count)] = med(sums)
            row += [med(t["ADD"]), med(t["DEL"]), med(sums)]
        flat = total[(impl, n)] / total[(impl, 0)]
        print(f"{impl:<16} {row[0]:8.2f} {row[1]:7.2f} {row[2]:8.2f} {row[3]:10.2f} {row[4]:7.2f} {row[5]:8.2f} {flat:6.2f}")
    for count in (0, n):
        if ("debian", count) in total:
            ours = [f"{impl} {total[(impl, count)] / total[('debian', count)]:.3f}" for impl in a.impls if impl != "debian"]
            print(f"ratio to debian at N={count}: " + ", ".join(ours))
        base = [f"{backend} {total[('ours-' + backend, count)] / total[('base-' + backend, count)]:.3f}"
                for backend in ("nft", "ipt") if ("base-" + backend, count) in total and ("ours-" + backend, count) in total]
        if base:
            print(f"ratio of ours to base at N={count}: " + ", ".join(base))

def main():
    ap = argparse.ArgumentParser()
    add_implementation_args(ap, 50)
    ap.add_argument("--containers", type=int, default=500)
    ap.add_argument("--base", help="another build of ours to measure beside it (adds base-nft, base-ipt)")
    ap.add_argument("--impls", help="comma-separated subset of " + ",".join(ALL_IMPLS)
                    + " (default: ours-nft, ours-ipt, debian, and base-nft, base-ipt with --base)")
    ap.add_argument("--no-udp", action="store_true", help="publish two TCP ports (no conntrack flush on ADD and DEL)")
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--fill", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--netns", help=argparse.SUPPRESS)
    ap.add_argument("--empty-node", help=argparse.SUPPRESS)
    ap.add_argument("--full-node", help=argparse.SUPPRESS)
    a = ap.parse_args()
    a.ours, a.ref = os.path.abspath(a.ours), os.path.abspath(a.ref)
    a.base = os.path.abspath(a.base) if a.base else None
    default = ALL_IMPLS if a.base else ALL_IMPLS[:3]
    a.impls = [i for i in (a.impls or ",".join(default)).split(",") if i]
    if not set(a.impls) <= set(ALL_IMPLS):
        sys.exit(f"unknown implementation in {a.impls}")
    if any(i.startswith("base-") for i in a.impls) and not a.base:
        sys.exit("base-nft and base-ipt need --base DIR")
    inner(a) if a.inner else outer(a)

if __name__ == "__main__":
    if os.geteuid() != 0:
        sys.exit("run as root (it makes throwaway network namespaces)")
    main()
