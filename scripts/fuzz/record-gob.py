#!/usr/bin/env python3
"""Records gob streams of Go's net/rpc between Debian's dhcp plugin and its daemon as seeds for
the gob fuzz target (Tests/FuzzRegressionTests/corpus/gob/seed-*): the plugin's request, caught
on a socket of ours, and the daemon's reply to it. Runs under scripts/isolated.sh (the daemon's
socket and state stay in the private /run)."""
import os, socket, subprocess, sys, time, threading

if "SWCNI_ISOLATED_MNT" not in os.environ:
    sys.exit("run it under scripts/isolated.sh")
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "FuzzRegressionTests", "corpus", "gob")
os.makedirs(root, exist_ok=True)
plugin = "/usr/lib/cni/dhcp"

def save(name, data):
    with open(os.path.join(root, "seed-" + name), "wb") as f:
        f.write(data)

def catch_request(command):
    path = "/run/fake-dhcp.sock"
    if os.path.exists(path): os.unlink(path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); srv.bind(path); srv.listen(1)
    config = '{"cniVersion":"1.0.0","name":"net","type":"macvlan","ipam":{"type":"dhcp","daemonSocketPath":"%s"}}' % path
    env = dict(os.environ, CNI_COMMAND=command, CNI_CONTAINERID="abc123", CNI_NETNS="/run/netns/none", CNI_IFNAME="eth0",
               CNI_PATH="/usr/lib/cni", CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAME=x")
    p = subprocess.Popen([plugin], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    p.stdin.write(config.encode()); p.stdin.close()
    conn, _ = srv.accept()
    head = b""
    while not head.endswith(b"\n\n"): head += conn.recv(1)
    conn.sendall(b"HTTP/1.0 200 Connected to Go RPC\n\n")
    conn.settimeout(1.0)
    data = b""
    try:
        while True:
            d = conn.recv(65536)
            if not d: break
            data += d
    except socket.timeout:
        pass
    p.kill(); p.wait(); conn.close(); srv.close()
    return data

requests = {}
for command in ("ADD", "DEL", "CHECK"):
    requests[command] = catch_request(command)
    save("request-" + command.lower(), requests[command])

# The daemon's replies (an ADD into a namespace that does not exist: an error reply; DEL: success).
sock = "/run/cni/dhcp.sock"
os.makedirs("/run/cni", exist_ok=True)
daemon = subprocess.Popen([plugin, "daemon", "-socketpath", sock], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for _ in range(100):
    if os.path.exists(sock): break
    time.sleep(0.05)
for command, request in requests.items():
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); c.connect(sock)
    c.sendall(b"CONNECT /_goRPC_ HTTP/1.0\n\n")
    head = b""
    while not head.endswith(b"\n\n"): head += c.recv(1)
    c.sendall(request)
    c.settimeout(2.0)
    data = b""
    try:
        while True:
            d = c.recv(65536)
            if not d: break
            data += d
            if len(data) > 0: c.settimeout(0.3)
    except socket.timeout:
        pass
    c.close()
    save("reply-" + command.lower(), data)
daemon.kill(); daemon.wait()
print(sorted(os.listdir(root)))
