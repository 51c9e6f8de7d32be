#!/usr/bin/env bash
# host-local ADD, DEL and CHECK with 10, 1,000 and 10,000 existing leases: ours against Debian's
# reference in the same run, each side on its own copy of the same data dir. Whole-process times
# (spawn to exit), like scripts/bench.py.
#
# usage: scripts/bench-host-local.sh [-n RUNS] [--ours DIR] [--ref DIR] [--hyperfine] [LEASES ...]
#   defaults: 30 runs, ours = .build/release (built here), ref = /usr/lib/cni, 10 1000 10000 leases
#
# By default ours and the reference alternate sample by sample (posix_spawn from python3), so both
# see the same noise on a shared machine. --hyperfine times each side as one hyperfine block
# instead (needs hyperfine; its shell-start correction is coarse for commands under 5 ms).
# Ratios are ours/reference: below 1, ours is faster. Everything lives in a temporary directory
# that is removed at the end; nothing touches /var/lib/cni.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=30 ours="" ref=/usr/lib/cni mode=interleaved sizes=()
while [ $# -gt 0 ]; do
    case "$1" in
        -n) runs="$2"; shift 2 ;;
        --ours) ours="$2"; shift 2 ;;
        --ref) ref="$2"; shift 2 ;;
        --hyperfine) mode=hyperfine; shift ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) sizes+=("$1"); shift ;;
    esac
done
[ ${#sizes[@]} -gt 0 ] || sizes=(10 1000 10000)
if [ -z "$ours" ]; then
    scripts/build-release.sh >&2
    ours=.build/release
fi
ours=$(cd "$ours" && pwd)
[ -x "$ref/host-local" ] || { echo "no reference at $ref/host-local (apt-get install -y containernetworking-plugins)" >&2; exit 1; }
if [ $mode = hyperfine ] && ! command -v hyperfine > /dev/null; then
    echo "hyperfine not found (apt-get install -y hyperfine)" >&2
    exit 1
fi

work=$(mktemp -d /tmp/bench-host-local.XXXXXX)
trap 'rm -rf "$work"' EXIT

python3 - "$mode" "$runs" "$ours/host-local" "$ref/host-local" "$work" "${sizes[@]}" <<'PY'
import json, os, statistics, subprocess, sys, time
sys.path.insert(0, "scripts")
import benchlib

mode, runs, ours, ref, work = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
sizes = [int(s) for s in sys.argv[6:]]
WARMUP = 3  # the first call after the leases were written is our cache's one rebuild

def config(datadir):
    # A /16 leaves room for 10,000 leases and the round-robin walk.
    return json.dumps({"cniVersion": "1.0.0", "name": "bench", "type": "bridge",
                       "ipam": {"type": "host-local", "subnet": "10.128.0.0/16", "dataDir": datadir}}).encode()

def populate(datadir, n):
    """n leases in the reference's format, as a busy node has them: 10.128.0.2 upwards."""
    d = os.path.join(datadir, "bench")
    os.makedirs(d)
    for i in range(n):
        with open(os.path.join(d, "10.128.%d.%d" % ((i + 2) // 256, (i + 2) % 256)), "wb") as f:
            f.write(b"pre%d\r\neth0" % i)
    with open(os.path.join(d, "last_reserved_ip.0"), "w") as f:
        f.write("10.128.%d.%d" % ((n + 1) // 256, (n + 1) % 256))

def env(verb, binary):
    return {"CNI_COMMAND": verb, "CNI_CONTAINERID": "bench", "CNI_NETNS": "/var/run/netns/bench",
            "CNI_IFNAME": "eth0", "CNI_PATH": os.path.dirname(binary)}

def spawn(binary, verb, stdin):
    """One verb; returns seconds from spawn to exit. Exits the script if the verb failed."""
    elapsed, rc, out = benchlib.spawn(binary, verb, stdin, env(verb, binary), stderr_to_stdout=True)
    if rc != 0:
        sys.exit("%s %s failed: %s" % (binary, verb, out))
    return elapsed

def prepare(binary, verb, stdin):
    """Untimed: the state each timed verb starts from (ADD: not held; DEL, CHECK: held)."""
    spawn(binary, "DEL", stdin)
    if verb != "ADD":
        spawn(binary, "ADD", stdin)

def interleaved(verb, sides):
    times = {k: [] for k in sides}
    for i in range(runs + WARMUP):
        order = list(sides.items()) if i % 2 == 0 else list(sides.items())[::-1]
        for name, (binary, stdin) in order:
            prepare(binary, verb, stdin)
            t = spawn(binary, verb, stdin)
            if i >= WARMUP:
                times[name].append(t * 1e3)
    return {k: (statistics.mean(v), statistics.median(v)) for k, v in times.items()}

def hyperfine(verb, sides):
    out = {}
    for name, (binary, stdin) in sides.items():
        cfg = os.path.join(work, name + ".json")
        with open(cfg, "wb") as f:
            f.write(stdin)
        line = lambda v: "env -i %s %s < %s > /dev/null" % (
            " ".join("%s=%s" % kv for kv in env(v, binary).items()), binary, cfg)
        prep = line("DEL") + ("" if verb == "ADD" else " ; " + line("ADD"))
        if verb == "DEL":
            prep = line("DEL") + " ; " + line("ADD")
        res = os.path.join(work, "hf.json")
        subprocess.run(["hyperfine", "--style", "none", "--warmup", str(WARMUP), "--runs", str(runs),
                        "--prepare", prep + " || true", "--export-json", res, line(verb)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        r = json.load(open(res))["results"][0]
        out[name] = (r["mean"] * 1e3, r["median"] * 1e3)
    return out

print("%-6s %7s %9s %9s %9s %9s %9s" % ("verb", "leases", "ours ms", "ref ms", "ours/ref", "ref/ours", ""))
print("%-6s %7s %9s %9s %9s %9s   %s" % ("", "", "median", "median", "median", "speed-up", "(means ours / ref)"))
for n in sizes:
    sides = {}
    for name, binary in (("ours", ours), ("ref", ref)):
        d = os.path.join(work, "%d-%s" % (n, name))
        populate(d, n)
        sides[name] = (binary, config(d))
    for verb in ("ADD", "DEL", "CHECK"):
        r = interleaved(verb, sides) if mode == "interleaved" else hyperfine(verb, sides)
        (om, omed), (rm, rmed) = r["ours"], r["ref"]
        print("%-6s %7d %9.2f %9.2f %9.2f %8.1fx   (%.2f / %.2f)" % (verb, n, omed, rmed, omed / rmed, rmed / omed, om, rm), flush=True)
    for name in sides:
        d = os.path.join(work, "%d-%s" % (n, name), "bench")
        held = [f for f in os.listdir(d) if f.startswith("10.")]
        if len(held) != n + 1:  # the populated leases, and "bench" (CHECK ran last)
            sys.exit("%s: expected %d leases after the run, found %d" % (name, n + 1, len(held)))
    subprocess.run(["rm", "-rf", os.path.join(work, "%d-ours" % n), os.path.join(work, "%d-ref" % n)], check=True)
PY
