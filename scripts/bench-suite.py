#!/usr/bin/env python3
"""The whole suite against Debian's reference binaries, side by side in one run: size on disk,
memory of each plugin's ADD, instructions (callgrind) and wall time of loopback ADD and of each
chain's ADD and DEL.

  size     each plugin's file; the suite's total counts every inode once (our plugin names are
           links to one multi-call binary)
  memory   peak RSS (VmHWM) and private anonymous memory (smaps_rollup "Anonymous": heap,
           stacks, written data pages) of the plugin process, read at its exit (ptrace stops it
           there, before the kernel unmaps anything); delegated plugins are measured on their own row
  instr    user-space instructions of the whole operation under valgrind, children traced (the
           plugin, its delegates and anything they exec, such as iptables), one run. The tool is
           cachegrind without cache simulation: it counts what callgrind counts, and callgrind
           aborts on the signals of the reference's Go runtime (an assertion in its signal
           tracking); Go's asynchronous preemption is off (GODEBUG=asyncpreemptoff=1) for both
  wall     spawn to exit, median of N rounds, ours and the reference alternating in each round

Every implementation runs from a copy of its plugins made for the run (.build/bench-suite), as an
installer writes them: a binary run straight from the linker's output is slower to exec.

Scenarios, each in throwaway namespaces (a "node" namespace plays the host) with host-local state in
a temporary directory: loopback; ptp + host-local (ipMasq); bridge + host-local (isGateway,
ipMasq); bridge + host-local + portmap (one TCP port), as conf/20-mynet.conflist chains them. DEL
gets the ADD's result as prevResult, as libcni sends it from its cache. Each implementation has a
node (and container) namespace of its own, and firewall backends are each side's default: ours
follows the node, so nftables on its own fresh node; Debian's 1.1.1 uses iptables. With
--shared-node all implementations take turns on one node, as on a node that mixes both: there ours
follows the reference's iptables chains and uses the iptables backend.

usage: scripts/bench-suite.py [--ours DIR] [--ref DIR] [--before DIR] [-n N] [--no-callgrind] [--shared-node]
                              [--json FILE] [scenario ...]
scenarios: loopback host-local ptp bridge chain (default: all)
--before adds a third column, e.g. a build of an earlier commit, measured in the same run.
"""
import argparse, ctypes, json, os, shutil, statistics, sys, tempfile

from benchlib import add_implementation_args, run_in_throwaway_node, setns, spawn

PLUGINS = ("bridge", "ptp", "loopback", "host-local", "portmap")
LABELS = {"loopback": "loopback", "host-local": "host-local", "ptp": "ptp+host-local", "bridge": "bridge+host-local",
          "chain": "bridge+host-local+portmap"}


def ipam(datadir, subnet):
    return {"type": "host-local", "subnet": subnet, "dataDir": datadir}


def steps(kind, datadir):
    """The plugins an ADD runs, in order, with their configs (DEL runs them in reverse)."""
    if kind == "loopback":
        return [("loopback", {"cniVersion": "1.0.0", "name": "bench-lo", "type": "loopback"})]
    if kind == "ptp":
        return [("ptp", {"cniVersion": "1.0.0", "name": "benchptp", "type": "ptp", "ipMasq": True,
                         "ipam": ipam(datadir, "10.123.0.0/16")})]
    if kind == "host-local":
        return [("host-local", {"cniVersion": "1.0.0", "name": "benchhl", "type": "bridge",
                                "ipam": ipam(datadir, "10.125.0.0/16")})]
    bridge = {"cniVersion": "1.0.0", "name": "benchbr", "type": "bridge", "bridge": "cnibench0",
              "isGateway": True, "ipMasq": True, "ipam": ipam(datadir, "10.124.0.0/16")}
    if kind == "bridge":
        return [("bridge", bridge)]
    if kind == "chain":
        return [("bridge", bridge),
                ("portmap", {"cniVersion": "1.0.0", "name": "benchbr", "type": "portmap",
                             "capabilities": {"portMappings": True},
                             "runtimeConfig": {"portMappings": [{"hostPort": 8080, "containerPort": 80, "protocol": "tcp"}]}})]
    raise SystemExit(f"unknown scenario {kind}")


# --- one verb, three ways: timed, traced to its exit (memory), under callgrind ---------------------

libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
PTRACE_TRACEME, PTRACE_CONT, PTRACE_SETOPTIONS = 0, 7, 0x4200
PTRACE_O_TRACEEXIT, PTRACE_O_EXITKILL, PTRACE_EVENT_EXIT = 0x40, 0x100000, 6


def proc_kib(path, key):
    with open(path) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return None


def traced(binary, command, stdin, env):
    """Runs one verb with the process stopped at its exit (PTRACE_EVENT_EXIT: its memory is still
    mapped) to read its peak RSS and private anonymous memory. Returns (exit code, stdout, memory)."""
    r, w = os.pipe()
    out_r, out_w = os.pipe()
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "CNI_COMMAND": command, **env}
    pid = os.fork()
    if pid == 0:
        try:
            libc.ptrace(PTRACE_TRACEME, 0, None, None)
            os.dup2(r, 0); os.dup2(out_w, 1)
            null = os.open("/dev/null", os.O_WRONLY); os.dup2(null, 2)
            os.execve(binary, [binary], env)
        finally:
            os._exit(127)
    os.close(r); os.close(out_w)
    os.write(w, stdin); os.close(w)
    mem = None
    _, status = os.waitpid(pid, 0)  # stopped at exec
    libc.ptrace(PTRACE_SETOPTIONS, pid, None, ctypes.c_void_p(PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL))
    libc.ptrace(PTRACE_CONT, pid, None, None)
    while True:
        _, status = os.waitpid(pid, 0)
        if os.WIFEXITED(status) or os.WIFSIGNALED(status):
            break
        sig = os.WSTOPSIG(status)
        if status >> 16 == PTRACE_EVENT_EXIT:
            mem = {"hwm": proc_kib(f"/proc/{pid}/status", "VmHWM"),
                   "anon": proc_kib(f"/proc/{pid}/smaps_rollup", "Anonymous"),
                   "rss": proc_kib(f"/proc/{pid}/smaps_rollup", "Rss")}
            sig = 0
        libc.ptrace(PTRACE_CONT, pid, None, ctypes.c_void_p(sig))
    out = b""
    while (b := os.read(out_r, 65536)):
        out += b
    os.close(out_r)
    return os.waitstatus_to_exitcode(status), out.decode(errors="replace"), mem


def callgrind(binary, command, stdin, env, outdir):
    """Runs one verb under valgrind (instructions only), children traced; returns (exit code,
    stdout, instructions)."""
    for f in os.listdir(outdir):
        os.unlink(os.path.join(outdir, f))
    argv = [shutil.which("valgrind"), "--tool=cachegrind", "--cache-sim=no", "--trace-children=yes", "--quiet",
            f"--cachegrind-out-file={outdir}/cg.%p", binary]
    _, rc, out = spawn(argv[0], command, stdin, {**env, "GODEBUG": "asyncpreemptoff=1"},
                       argv=argv)
    total = 0
    for f in os.listdir(outdir):
        with open(os.path.join(outdir, f)) as fh:
            for line in fh:
                if line.startswith("summary:"):
                    total += int(line.split()[1])
                    break
    return rc, out, total


def run_scenario(kind, bindir, datadir, netns, cid, mode, outdir=None):
    """ADD then DEL through the scenario's plugins. Returns per verb: seconds (mode "time"),
    instructions ("callgrind") or, for ADD, the memory of each plugin process ("memory")."""
    env = {"CNI_CONTAINERID": cid, "CNI_NETNS": netns, "CNI_IFNAME": "eth0", "CNI_PATH": bindir}
    plan = steps(kind, datadir)
    out = {"ADD": 0, "DEL": 0, "mem": {}}
    result = None

    def one(plugin, verb, conf):
        stdin = json.dumps(conf if result is None else {**conf, "prevResult": result}).encode()
        binary = os.path.join(bindir, plugin)
        if mode == "time":
            t, rc, text = spawn(binary, verb, stdin, env)
        elif mode == "callgrind":
            rc, text, t = callgrind(binary, verb, stdin, env, outdir)
        else:
            rc, text, mem = traced(binary, verb, stdin, env)
            t = 0
            if verb == "ADD":
                out["mem"][plugin] = mem
        if rc != 0:
            sys.exit(f"{binary} {verb} failed (exit {rc}): {text}")
        out[verb] += t
        return text

    for plugin, conf in plan:
        text = one(plugin, "ADD", conf)
        if plugin != "host-local":
            result = json.loads(text)
    for plugin, conf in reversed(plan):
        one(plugin, "DEL", conf)
    return out


def implementations(a):
    """{name: bin dir}, the reference last."""
    return {"ours": a.ours, **({"before": a.before} if a.before else {}), "reference": a.ref}


def inner(a):
    """Runs in the node namespaces, one per implementation (each plugin set on a node of its
    own, as it would be deployed: our firewall backend follows the node, and a node that Debian's
    plugins have used holds their iptables chains): memory, instructions and timing of one
    scenario for every implementation. Prints one JSON object."""
    impls = implementations(a)
    nodes = json.loads(a.nodes) if a.nodes else {impl: [None, a.netns] for impl in impls}
    res = {impl: {"time": {"ADD": [], "DEL": []}, "instr": None, "mem": None} for impl in impls}
    with tempfile.TemporaryDirectory() as cgdir:
        for impl, bindir in impls.items():
            node, ctr = nodes[impl]
            node and setns(node)
            datadir = os.path.join(a.tmp, impl)
            res[impl]["mem"] = run_scenario(a.kind, bindir, datadir, ctr, "benchmem", "memory")["mem"]
            if not a.no_callgrind:
                r = run_scenario(a.kind, bindir, datadir, ctr, "benchcg", "callgrind", cgdir)
                res[impl]["instr"] = {"ADD": r["ADD"], "DEL": r["DEL"]}
    for i in range(a.n + 3):  # 3 warm-up rounds
        order = list(impls.items()) if i % 2 == 0 else list(impls.items())[::-1]
        for impl, bindir in order:
            node, ctr = nodes[impl]
            node and setns(node)
            r = run_scenario(a.kind, bindir, os.path.join(a.tmp, impl), ctr, f"bench{i}", "time")
            if i >= 3:
                for verb in ("ADD", "DEL"):
                    res[impl]["time"][verb].append(r[verb])
    print(json.dumps(res))


def sizes(bindir):
    """{plugin: bytes}, and the total with every inode counted once."""
    each, seen = {}, {}
    for p in PLUGINS:
        st = os.stat(os.path.join(bindir, p))
        each[p] = st.st_size
        seen[(st.st_dev, st.st_ino)] = st.st_size
    return each, sum(seen.values())


def table(title, names, rows, fmt):
    """Prints one table: a column per implementation, then each one's ratio to the reference."""
    others = [n for n in names if n != "reference"]
    print(f"{title:<34}" + "".join(f"{n:>10}" for n in names) + "".join(f"{n + '/ref':>12}" for n in others))
    for label, values in rows:
        ref = values.get("reference")
        line = f"{label:<34}" + "".join(f"{fmt(values.get(n)):>10}" for n in names)
        line += "".join(f"{(values[n] / ref if values.get(n) and ref else float('nan')):12.2f}" for n in others)
        print(line)
    print()


def stage(bindir, dest):
    """Copies an implementation's plugins into `dest` as an installer writes them (each distinct
    file once, the other names hard links to it), so every side runs from files written through
    the page cache in the same way: the linker writes its output through mmap, and the same bytes
    exec measurably slower from that file (~0.1 ms a run here) than from a copy."""
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    copied = {}
    for p in PLUGINS:
        real = os.path.realpath(os.path.join(bindir, p))
        if real in copied:
            os.link(copied[real], os.path.join(dest, p))
        else:
            shutil.copyfile(real, os.path.join(dest, p))
            os.chmod(os.path.join(dest, p), 0o755)
            copied[real] = os.path.join(dest, p)
    return dest


def outer(a):
    impls = implementations(a)
    names = list(impls)
    results = {"implementations": impls, "size": {}, "scenarios": {}}
    for n, d in impls.items():
        print(f"{n}: {d}")
    print()
    # On the disk the plugins are installed to (not /tmp, which may be a tmpfs).
    staging = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".build", "bench-suite")
    runs = {n: stage(d, os.path.join(staging, n)) for n, d in impls.items()}
    mib = 1 << 20
    size = {n: sizes(d) for n, d in impls.items()}
    results["size"] = size
    rows = [(p, {n: size[n][0][p] / mib for n in names}) for p in PLUGINS]
    rows.append(("suite (each inode once)", {n: size[n][1] / mib for n in names}))
    table("size (MiB)", names, rows, lambda v: f"{v:.2f}")

    for kind in a.scenarios:
        out = run_in_throwaway_node(__file__, kind, ["--kind", kind, "--ours", runs["ours"], "--ref", runs["reference"],
                                                     "-n", str(a.n)]
                                    + (["--before", runs["before"]] if a.before else [])
                                    + (["--no-callgrind"] if a.no_callgrind else []),
                                    nodes=None if a.shared_node else impls)
        results["scenarios"][kind] = json.loads(out)
    sc = results["scenarios"]

    for key, title in (("hwm", "peak RSS of ADD (KiB)"), ("anon", "private anonymous of ADD (KiB)")):
        rows, shown = [], set()
        for kind, r in sc.items():
            for plugin in r["reference"]["mem"]:
                if plugin not in shown:
                    shown.add(plugin)
                    rows.append((plugin, {n: (r[n]["mem"].get(plugin) or {}).get(key) for n in names}))
        table(title, names, rows, lambda v: f"{v or 0:d}")
    if not a.no_callgrind:
        rows = [(f"{LABELS[kind]} {verb}", {n: r[n]["instr"][verb] / 1e6 for n in names})
                for kind, r in sc.items() for verb in ("ADD", "DEL")]
        table("instructions (millions)", names, rows, lambda v: f"{v:.2f}")
    rows = []
    for kind, r in sc.items():
        for verb in ("ADD", "DEL", "ADD+DEL"):
            med = {}
            for n in names:
                t = r[n]["time"]
                xs = [x + y for x, y in zip(t["ADD"], t["DEL"])] if verb == "ADD+DEL" else t[verb]
                med[n] = statistics.median(xs) * 1e3
            rows.append((f"{LABELS[kind]} {verb}", med))
    table(f"wall time (ms), median of {a.n}", names, rows, lambda v: f"{v:.2f}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)
    shutil.rmtree(staging, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    add_implementation_args(ap, 50)
    ap.add_argument("--before", help="a third implementation's bin dir (an earlier build), measured alike")
    ap.add_argument("--no-callgrind", action="store_true", help="skip the instruction counts")
    ap.add_argument("--shared-node", action="store_true", help="all implementations on one node (a mixed node)")
    ap.add_argument("--json", help="also write every sample to this file")
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--kind", help=argparse.SUPPRESS)
    ap.add_argument("--tmp", help=argparse.SUPPRESS)
    ap.add_argument("--netns", help=argparse.SUPPRESS)
    ap.add_argument("--nodes", help=argparse.SUPPRESS)
    ap.add_argument("scenarios", nargs="*", default=["loopback", "host-local", "ptp", "bridge", "chain"])
    a = ap.parse_args()
    a.ours, a.ref = os.path.abspath(a.ours), os.path.abspath(a.ref)
    a.before = a.before and os.path.abspath(a.before)
    inner(a) if a.inner else outer(a)


if __name__ == "__main__":
    if os.geteuid() != 0:
        sys.exit("run as root (it makes throwaway network namespaces)")
    main()
