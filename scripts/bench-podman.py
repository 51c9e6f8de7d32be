#!/usr/bin/env python3
"""Podman's default network: ADD+DEL of the chain `podman network create` writes (bridge with
host-local, portmap with one published port, firewall, tuning), ours against Debian's plugins, in
one run, medians of N rounds.

The chain is run as libcni runs it: each plugin in order with the previous one's result as
`prevResult` (portmap gets `runtimeConfig.portMappings`, its capability), DEL in reverse order with
the ADD's final result. Each plugin is started with posix_spawn, the CNI_* environment and the
config on stdin; a chain's time is the sum of its plugins' spawn-to-exit times (the driver's own
work is left out, the same for both). Implementations alternate within each round.

Everything runs inside throwaway namespaces: a "node" network namespace per implementation (so
ours, with no firewall layout on the node yet, picks nftables as on a fresh node; Debian's 1.1.1
uses iptables, having nothing else), a second node for ours where a `CNI-` nat chain makes the
node an iptables one (ours then writes the reference's iptables layout), container namespaces,
and a private mount namespace in which a temporary directory stands for /var/lib (host-local's
leases). A plugin ours lacks is taken from the reference directory and the report says so.

usage: scripts/bench-podman.py [--ours DIR] [--ref DIR] [-n ROUNDS] [--impls ours,ours-ipt,debian]
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, uuid

from benchlib import spawn

ALL_IMPLS = ("ours", "ours-ipt", "debian")
CHAIN = ("bridge", "portmap", "firewall", "tuning")

# What Podman 4.3's `podman network create` writes (CNI backend), verbatim but for the name.
CONFLIST = {
    "cniVersion": "0.4.0", "name": "podbench",
    "plugins": [
        {"type": "bridge", "bridge": "cni-podman1", "isGateway": True, "ipMasq": True, "hairpinMode": True,
         "ipam": {"type": "host-local", "routes": [{"dst": "0.0.0.0/0"}],
                  "ranges": [[{"subnet": "10.89.0.0/24", "gateway": "10.89.0.1"}]]},
         "capabilities": {"ips": True}},
        {"type": "portmap", "capabilities": {"portMappings": True}},
        {"type": "firewall", "backend": ""},
        {"type": "tuning"},
    ],
}
MAPPINGS = [{"hostPort": 18080, "containerPort": 80, "protocol": "tcp"}]


def plugin_config(plugin, prev):
    c = {"cniVersion": CONFLIST["cniVersion"], "name": CONFLIST["name"], **plugin}
    if plugin.get("capabilities", {}).get("portMappings"):
        c["runtimeConfig"] = {"portMappings": MAPPINGS}
    if prev is not None:
        c["prevResult"] = prev
    return json.dumps(c).encode()


def binaries(a, impl):
    """The binary of each plugin of the chain (and host-local), and the ones standing in."""
    base = a.ref if impl == "debian" else a.ours
    out, stand_ins = {}, []
    for p in CHAIN + ("host-local",):
        path = os.path.join(base, p)
        if not os.access(path, os.X_OK):
            path = os.path.join(a.ref, p)
            stand_ins.append(p)
        out[p] = path
    return out, stand_ins


def chain(a, impl, cid, netns):
    """One ADD of the whole chain then one DEL; returns ({plugin: seconds} for ADD, same for DEL)."""
    bins, _ = binaries(a, impl)
    # CNI_PATH: the bridge finds host-local through it.
    path = os.path.dirname(bins["host-local"])
    env = {"CNI_CONTAINERID": cid, "CNI_NETNS": netns, "CNI_IFNAME": "eth0", "CNI_PATH": path}
    add, dele, prev = {}, {}, None
    for plugin in CONFLIST["plugins"]:
        t, rc, out = spawn(bins[plugin["type"]], "ADD", plugin_config(plugin, prev), env)
        if rc != 0:
            sys.exit(f"{impl}: {plugin['type']} ADD failed (exit {rc}): {out}")
        add[plugin["type"]] = t
        prev = json.loads(out)
    for plugin in reversed(CONFLIST["plugins"]):
        t, rc, out = spawn(bins[plugin["type"]], "DEL", plugin_config(plugin, prev), env)
        if rc != 0:
            sys.exit(f"{impl}: {plugin['type']} DEL failed (exit {rc}): {out}")
        dele[plugin["type"]] = t
    return add, dele


def setns(path):
    """Moves this (single-threaded) process into the network namespace at `path`; posix_spawn'd
    children start there. Only ever the throwaway namespaces this script made."""
    import ctypes
    fd = os.open(path, os.O_RDONLY)
    try:
        if ctypes.CDLL(None, use_errno=True).setns(fd, 0x40000000) != 0:  # CLONE_NEWNET
            sys.exit(f"setns {path}: {os.strerror(ctypes.get_errno())}")
    finally:
        os.close(fd)


def inner(a):
    """Inside the private mount namespace: times a.n rounds (after 3 warm-up rounds)."""
    times = {impl: {"ADD": {p: [] for p in CHAIN}, "DEL": {p: [] for p in CHAIN}} for impl in a.impls}
    nodes, containers = json.loads(a.nodes), json.loads(a.containers)
    for rnd in range(a.n + 3):
        for impl in a.impls:
            setns(nodes[impl])
            add, dele = chain(a, impl, f"bench-{impl}", containers[impl])
            if rnd >= 3:
                for p in CHAIN:
                    times[impl]["ADD"][p].append(add[p])
                    times[impl]["DEL"][p].append(dele[p])
    print(json.dumps(times))


def outer(a):
    tag = uuid.uuid4().hex[:6]
    nodes = {impl: f"swcni-bpd-{tag}-{impl}" for impl in a.impls}
    containers = {impl: f"swcni-bpd-{tag}-c-{impl}" for impl in a.impls}
    varlib = tempfile.mkdtemp(prefix="swcni-bpd-")
    made = []
    try:
        for ns in list(nodes.values()) + list(containers.values()):
            subprocess.run(["ip", "netns", "add", ns], check=True)
            made.append(ns)
            subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
        if "ours-ipt" in nodes:
            # The node already carries the reference's iptables state: ours follows it.
            subprocess.run(["ip", "netns", "exec", nodes["ours-ipt"], "iptables", "-t", "nat", "-N", "CNI-bench"], check=True)
        args = [sys.executable, os.path.abspath(__file__), "--inner", "--ours", a.ours, "--ref", a.ref, "-n", str(a.n),
                "--impls", ",".join(a.impls),
                "--nodes", json.dumps({k: f"/var/run/netns/{v}" for k, v in nodes.items()}),
                "--containers", json.dumps({k: f"/var/run/netns/{v}" for k, v in containers.items()})]
        # A private mount namespace where `varlib` stands for /var/lib (host-local's default dataDir).
        r = subprocess.run(["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
                            'mount --bind "$0" /var/lib && exec "$@"', varlib] + args,
                           capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"failed: {r.stderr.strip() or r.stdout.strip()}")
        results = json.loads(r.stdout)
    finally:
        for ns in made:
            subprocess.run(["ip", "netns", "del", ns])
        shutil.rmtree(varlib, ignore_errors=True)

    med = lambda xs: statistics.median(xs) * 1e3
    print(f"Podman's default network chain ({', '.join(CHAIN)}; one published port), "
          f"ADD and DEL of the whole chain, median of {a.n} rounds, ms, measured alternately")
    for impl in a.impls:
        _, stand_ins = binaries(a, impl)
        if stand_ins and impl != "debian":
            print(f"  {impl}: {', '.join(stand_ins)} from {a.ref} (not in {a.ours})")
    print(f"{'implementation':<12} {'ADD':>8} {'DEL':>8} {'ADD+DEL':>9} " + " ".join(f"{p + ' A+D':>13}" for p in CHAIN))
    totals = {}
    for impl in a.impls:
        t = results[impl]
        rounds = len(t["ADD"][CHAIN[0]])
        adds = [sum(t["ADD"][p][i] for p in CHAIN) for i in range(rounds)]
        dels = [sum(t["DEL"][p][i] for p in CHAIN) for i in range(rounds)]
        totals[impl] = med([x + y for x, y in zip(adds, dels)])
        per = [med([x + y for x, y in zip(t["ADD"][p], t["DEL"][p])]) for p in CHAIN]
        print(f"{impl:<12} {med(adds):8.2f} {med(dels):8.2f} {totals[impl]:9.2f} " + " ".join(f"{v:13.2f}" for v in per))
    if "debian" in totals:
        print("ratio to debian: " + ", ".join(f"{i} {totals[i] / totals['debian']:.3f}" for i in a.impls if i != "debian"))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--ours", default=os.path.join(here, "..", ".build", "release"))
    ap.add_argument("--ref", default="/usr/lib/cni")
    ap.add_argument("-n", type=int, default=30)
    ap.add_argument("--impls", default=",".join(ALL_IMPLS), help="comma-separated subset of " + ",".join(ALL_IMPLS))
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--nodes", help=argparse.SUPPRESS)
    ap.add_argument("--containers", help=argparse.SUPPRESS)
    a = ap.parse_args()
    a.ours, a.ref = os.path.abspath(a.ours), os.path.abspath(a.ref)
    a.impls = [i for i in a.impls.split(",") if i]
    if not set(a.impls) <= set(ALL_IMPLS):
        sys.exit(f"unknown implementation in {a.impls}")
    inner(a) if a.inner else outer(a)


if __name__ == "__main__":
    if os.geteuid() != 0:
        sys.exit("run as root (it makes throwaway network namespaces)")
    main()
