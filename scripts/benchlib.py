"""What the benchmark scripts share: one plugin verb started the way a runtime starts it."""
import os, time

def spawn(binary, command, stdin, env, stderr_to_stdout=False, argv=None):
    """Runs one CNI verb with posix_spawn: the CNI_* environment (with CNI_COMMAND=command and a
    PATH), the config on stdin. Returns (seconds from spawn to exit, exit code, stdout); stderr is
    discarded, or read with stdout when stderr_to_stdout. `argv` runs another command line (a
    wrapper such as valgrind) instead of the bare binary."""
    r, w = os.pipe()
    out_r, out_w = os.pipe()
    err = out_w if stderr_to_stdout else os.open("/dev/null", os.O_WRONLY)
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "CNI_COMMAND": command, **env}
    start = time.perf_counter()
    argv = argv or [binary]
    pid = os.posix_spawn(argv[0], argv, env, file_actions=[
        (os.POSIX_SPAWN_DUP2, r, 0), (os.POSIX_SPAWN_DUP2, out_w, 1), (os.POSIX_SPAWN_DUP2, err, 2)])
    os.close(r); os.close(out_w)
    if not stderr_to_stdout:
        os.close(err)
    os.write(w, stdin); os.close(w)
    chunks = []
    while (b := os.read(out_r, 65536)):
        chunks.append(b)
    _, status = os.waitpid(pid, 0)
    elapsed = time.perf_counter() - start
    os.close(out_r)
    return elapsed, os.waitstatus_to_exitcode(status), b"".join(chunks).decode(errors="replace")


def add_implementation_args(ap, rounds):
    """--ours (default .build/release), --ref (Debian's /usr/lib/cni) and -n rounds."""
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--ours", default=os.path.join(here, "..", ".build", "release"))
    ap.add_argument("--ref", default="/usr/lib/cni")
    ap.add_argument("-n", type=int, default=rounds)


def run_in_throwaway_node(script, label, args, nodes=None):
    """Runs `script --inner --tmp DIR --netns CONTAINER args...` inside a throwaway "node" network
    namespace, with a throwaway container namespace and a temporary directory, and removes them
    afterwards. With `nodes` (names), each name gets a node and a container namespace of its own,
    passed as `--nodes JSON` ({name: [node, container]}); the script starts in the first node and
    moves between them with `setns`. Returns the inner run's stdout; exits with its stderr if it
    failed."""
    import json, subprocess, sys, tempfile, uuid
    tag = uuid.uuid4().hex[:6]
    names = list(nodes or [""])
    pairs = {n: (f"swcni-bench-{tag}{i}-n", f"swcni-bench-{tag}{i}-c") for i, n in enumerate(names)}
    made = []
    try:
        for pair in pairs.values():
            for ns in pair:
                subprocess.run(["ip", "netns", "add", ns], check=True)
                made.append(ns)
                subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
        node, ctr = pairs[names[0]]
        extra = ["--nodes", json.dumps({n: [f"/var/run/netns/{a}", f"/var/run/netns/{b}"] for n, (a, b) in pairs.items()})] \
            if nodes else []
        with tempfile.TemporaryDirectory() as tmp:
            return subprocess.run(["nsenter", f"--net=/var/run/netns/{node}", "--", sys.executable,
                                   os.path.abspath(script), "--inner", "--tmp", tmp,
                                   "--netns", f"/var/run/netns/{ctr}"] + extra + args,
                                  check=True, capture_output=True, text=True).stdout
    except subprocess.CalledProcessError as e:
        sys.exit(f"{label}: {e.stderr.strip()}")
    finally:
        for ns in made:
            subprocess.run(["ip", "netns", "del", ns])


def setns(path):
    """Moves this (single-threaded) process into the network namespace at `path`; posix_spawn'd
    children start there. Only ever the throwaway namespaces these scripts made."""
    import ctypes
    fd = os.open(path, os.O_RDONLY)
    try:
        if ctypes.CDLL(None, use_errno=True).setns(fd, 0x40000000) != 0:  # CLONE_NEWNET
            raise SystemExit(f"setns {path}: {os.strerror(ctypes.get_errno())}")
    finally:
        os.close(fd)
