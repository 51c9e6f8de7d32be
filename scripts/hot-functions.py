#!/usr/bin/env python3
"""Writes scripts/static-link/hot-functions.txt: the functions of swift-cni that the plugins run
(ADD and DEL of every bench-suite scenario, under callgrind), as the linker's section names. The
release link places them first and together (gold's --section-ordering-file), so an exec faults in
less of the code it does not run (the kernel maps up to 64 KB around each page fault): -0.5 MB of
peak RSS for loopback ADD. A stale list costs nothing but that: functions missing from it are laid
out as usual. (The Swift runtime's C++ objects have no section per function, so their functions
stay where they are.)

usage: scripts/build-release.sh --symbols && scripts/hot-functions.py [--ours DIR] [-o FILE]
(the build must keep its symbol table: --symbols; the list applies to every later build)
"""
import argparse, importlib.util, json, os, re, shutil, subprocess, sys, tempfile

from benchlib import run_in_throwaway_node, spawn

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("bench_suite", os.path.join(here, "bench-suite.py"))
suite = importlib.util.module_from_spec(spec)
spec.loader.exec_module(suite)


def inner(a):
    """In the node namespace: every scenario's ADD then DEL under callgrind; prints the names each
    plugin ran, {plugin: [name, ...]}."""
    names = {}
    with tempfile.TemporaryDirectory() as out:
        for kind in a.kinds.split(","):
            env = {"CNI_CONTAINERID": "hot", "CNI_NETNS": a.netns, "CNI_IFNAME": "eth0", "CNI_PATH": a.ours}
            plan = suite.steps(kind, os.path.join(a.tmp, kind))
            result = None
            for verb, order in (("ADD", plan), ("DEL", list(reversed(plan)))):
                for plugin, conf in order:
                    stdin = json.dumps(conf if result is None else {**conf, "prevResult": result}).encode()
                    argv = [shutil.which("valgrind"), "--tool=callgrind", "--demangle=no", "--trace-children=yes",
                            f"--callgrind-out-file={out}/cg.%p", os.path.join(a.ours, plugin)]
                    _, rc, text = spawn(argv[0], verb, stdin, env, argv=argv)
                    if rc != 0:
                        sys.exit(f"{plugin} {verb} failed: {text}")
                    if verb == "ADD" and plugin != "host-local":
                        result = json.loads(text)
        for f in os.listdir(out):
            plugin, found = functions(os.path.join(out, f))
            names.setdefault(plugin, set()).update(found)
    print(json.dumps({p: sorted(n) for p, n in names.items()}))


def functions(path):
    """The plugin a callgrind profile is of (its command's basename) and the names of the functions
    it ran in the swift-cni object."""
    objects, fns, found, current, plugin = {}, {}, set(), None, ""
    for line in open(path, errors="replace"):
        line = line.rstrip("\n")
        if line.startswith("cmd: "):
            plugin = os.path.basename(line[5:].split()[0])
        m = re.match(r"^(c?ob)=\((\d+)\)(?: (.*))?$", line)
        if m:
            if m.group(3):
                objects[m.group(2)] = m.group(3)
            if m.group(1) == "ob":
                current = objects.get(m.group(2), "")
            continue
        # A name is given once, where its number first appears: maybe in a call (cfn=).
        m = re.match(r"^(c?fn)=\((\d+)\)(?: (.*))?$", line)
        if m:
            if m.group(3):
                fns[m.group(2)] = m.group(3)
            if m.group(1) == "cfn":
                continue
            name = fns.get(m.group(2), "")
            if current and os.path.basename(current) == "swift-cni" and name and not name.startswith("0x"):
                found.add(name)
    return plugin, found


def layout(per_plugin):
    """One order for every plugin's functions: those all plugins run first, then groups run by
    fewer and fewer plugins, each group being the functions run by exactly the same plugins. So
    each plugin's functions lie in few stretches of the binary (the code every exec runs, then
    what it shares with the plugins most like it, then its own)."""
    known = ("loopback", "host-local", "ptp", "bridge", "portmap")  # the smallest first
    order = [p for p in known if p in per_plugin] + sorted(set(per_plugin) - set(known))
    users = {}
    for p in order:
        for n in per_plugin[p]:
            users.setdefault(n, []).append(order.index(p))
    return sorted(users, key=lambda n: (-len(users[n]), users[n], n))


def table_entries(binary):
    """Every plugin's table entry (its `registration`, a C function answering the plugin's name):
    an exec calls the entries linked before its own to find it by name, so all of them belong with
    the start-up code, those of plugins the profile does not run included (scattered in their
    modules, they cost a 64 KB fault-around window each)."""
    out = subprocess.run(["nm", "--defined-only", binary], check=True, capture_output=True, text=True).stdout
    return sorted({line.split()[-1] for line in out.splitlines() if re.search(r"12registration\S*To$", line)})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ours", default=os.path.join(here, "..", ".build", "release"))
    ap.add_argument("-o", default=os.path.join(here, "static-link", "hot-functions.txt"))
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--kinds", default="loopback,host-local,ptp,bridge,chain", help=argparse.SUPPRESS)
    ap.add_argument("--tmp", help=argparse.SUPPRESS)
    ap.add_argument("--netns", help=argparse.SUPPRESS)
    a = ap.parse_args()
    a.ours = os.path.abspath(a.ours)
    if a.inner:
        return inner(a)
    per_plugin = json.loads(run_in_throwaway_node(__file__, "hot functions", ["--ours", a.ours, "--kinds", a.kinds]))
    entries = table_entries(os.path.join(a.ours, "swift-cni"))
    names = entries + [n for n in layout(per_plugin) if n not in entries]
    if len(names) < 100:
        sys.exit(f"only {len(names)} functions named: was the build made with --symbols?")
    with open(a.o, "w") as f:
        # Static constructors run at every exec, from `.text.startup` (the runtime's, built by
        # clang) or `.text.startup.NAME` (libstdc++'s, built by GCC): all of them first.
        ctors = [f".text.startup.{n}\n" for n in names if n.startswith("_GLOBAL__sub_I_")]
        f.write(".text.startup\n" + "".join(ctors) + "".join(f".text.{n}\n" for n in names))
    print(f"{len(names)} functions -> {a.o}")


if __name__ == "__main__":
    if os.geteuid() != 0:
        sys.exit("run as root (it makes throwaway network namespaces)")
    main()
