"""What the benchmark scripts share: one plugin verb started the way a runtime starts it."""
import os, time

def spawn(binary, command, stdin, env, stderr_to_stdout=False):
    """Runs one CNI verb with posix_spawn: the CNI_* environment (with CNI_COMMAND=command and a
    PATH), the config on stdin. Returns (seconds from spawn to exit, exit code, stdout); stderr is
    discarded, or read with stdout when stderr_to_stdout."""
    r, w = os.pipe()
    out_r, out_w = os.pipe()
    err = out_w if stderr_to_stdout else os.open("/dev/null", os.O_WRONLY)
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "CNI_COMMAND": command, **env}
    start = time.perf_counter()
    pid = os.posix_spawn(binary, [binary], env, file_actions=[
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
