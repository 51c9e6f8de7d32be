#!/usr/bin/env python3
"""Whole-process timings of our plugins against Debian's reference, in one run, interleaved.

Every scenario runs inside throwaway namespaces (a "node" namespace standing in for the host and a
container namespace), with host-local state in a temporary directory, and removes everything after.
The timing loop itself runs inside the node namespace (re-executed under nsenter) and starts each
plugin with posix_spawn, the CNI_* environment and the config on stdin, timing spawn to exit.
Ours and the reference's alternate, so both see the same noise.

usage: scripts/bench.py [--ours DIR] [--ref DIR] [-n N] [--masq-backend iptables|nftables] [--prev-result]
                       [--per-verb] [scenario ...]
scenarios: loopback, ptp, bridge (default: all)

ptp and bridge masquerade with the default backend (ours follows the node: nftables on these fresh
throwaway nodes; Debian's 1.1.1 always uses iptables). --masq-backend sets `ipMasqBackend` for both
(Debian's ignores the key), e.g. iptables to compare like with like. --prev-result hands DEL the ADD's
result as prevResult, as libcni does from its cache. --per-verb adds an ADD row and a DEL row under
each ADD+DEL row.
"""
import argparse, json, os, statistics, sys

from benchlib import add_implementation_args, run_in_throwaway_node, spawn

LABELS = {"loopback": "loopback ADD", "bridge": "bridge+host-local ADD+DEL", "ptp": "ptp+host-local ADD+DEL"}

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
    raise SystemExit(f"unknown scenario {kind}")

def inner(a):
    """Runs in the node namespace: the timing loop. Prints one JSON object of samples."""
    impls = {"ours": a.ours, "reference": a.ref}
    times = {k: [] for k in impls}
    verbs = {k: {"ADD": [], "DEL": []} for k in impls}
    for i in range(a.n + 3):  # 3 warm-up rounds
        for impl, bindir in impls.items():
            stdin = json.dumps(config(a.kind, os.path.join(a.tmp, impl), a.masq_backend)).encode()
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
    print(json.dumps({"total": times, "verbs": verbs}))

def outer(a):
    if a.masq_backend or a.prev_result:
        print(f"ipMasqBackend: {a.masq_backend or 'default'}; DEL with prevResult: {'yes' if a.prev_result else 'no'}")
    print(f"{'scenario':<28} {'ours ms':>8} {'ref ms':>8} {'ratio':>6}   median of {a.n} (mean ratio)")
    for kind in a.scenarios:
        out = run_in_throwaway_node(__file__, kind, ["--kind", kind, "--ours", a.ours, "--ref", a.ref, "-n", str(a.n)]
                                    + (["--masq-backend", a.masq_backend] if a.masq_backend else [])
                                    + (["--prev-result"] if a.prev_result else []))
        samples = json.loads(out)
        rows = [(LABELS[kind], samples["total"])]
        if a.per_verb and kind != "loopback":
            prefix = LABELS[kind].rsplit(" ", 1)[0]
            rows += [(f"{prefix} {verb}", {impl: v[verb] for impl, v in samples["verbs"].items()}) for verb in ("ADD", "DEL")]
        for label, t in rows:
            mo, mr = statistics.median(t["ours"]) * 1e3, statistics.median(t["reference"]) * 1e3
            ao, ar = statistics.mean(t["ours"]), statistics.mean(t["reference"])
            print(f"{label:<28} {mo:8.2f} {mr:8.2f} {mo / mr:6.2f}   ({ao / ar:.2f})")

def main():
    ap = argparse.ArgumentParser()
    add_implementation_args(ap, 100)
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
    inner(a) if a.inner else outer(a)

if __name__ == "__main__":
    if os.geteuid() != 0:
        sys.exit("run as root (it makes throwaway network namespaces)")
    main()
