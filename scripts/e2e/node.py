"""What the scenarios observe and check on the node: commands, HTTP from a namespace, the node's
network state, and leftovers after a teardown."""
import hashlib, ipaddress, json, os, re, subprocess, time

CLIENT_NS = "/run/netns/e2e-client"     # a machine on the node's LAN (scripts/e2e/node.sh)
NODE_V4, NODE_V6 = "192.0.2.1", "2001:db8:e2e::1"


def run(cmd, check=True, timeout=60, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}: {(p.stderr or p.stdout).strip()[-1500:]}")
    return p


def url(ip, port=80):
    return f"http://[{ip}]:{port}/" if ":" in ip else f"http://{ip}:{port}/"


def wget(u, netns=None, timeout=3):
    """GET with busybox wget, from the node or from inside netns: (ok, body or error). (Debian's
    busybox 1.35 wget crashes with -T, so the time limit is the caller's.)"""
    cmd = ["busybox", "wget", "-q", "-O", "-", u]
    if netns:
        cmd = ["nsenter", "--net=" + netns, "--"] + cmd
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, "timed out"
    return p.returncode == 0, (p.stdout.strip() if p.returncode == 0 else p.stderr.strip() or f"exit {p.returncode}")


def reach(sc, what, u, expect, netns=None, tries=15):
    """Checks that u answers with expect; a server that is still starting gets a few seconds."""
    for _ in range(tries):
        ok, body = wget(u, netns)
        if ok and expect in body:
            break
        time.sleep(0.3)
    return sc.check(ok and expect in body, what, f"GET {u}: {body[:300]}")


def unreachable(sc, what, u, netns=None):
    ok, body = wget(u, netns, timeout=2)
    return sc.check(not ok, what, f"GET {u}: {'answered ' + body[:200] if ok else body[:200]}")


def netns_addrs(netns, ifname="eth0"):
    p = run(["nsenter", "--net=" + netns, "--", "ip", "-j", "addr", "show", "dev", ifname])
    return [a["local"] for link in json.loads(p.stdout) for a in link.get("addr_info", [])
            if a.get("scope") == "global"]


def link_addrs(ifname):
    p = run(["ip", "-j", "addr", "show", "dev", ifname])
    return [a["local"] for link in json.loads(p.stdout) for a in link.get("addr_info", [])
            if a.get("scope") == "global"]


def in_subnet(ip, cidr):
    try:
        return ipaddress.ip_address(ip) in ipaddress.ip_network(cidr)
    except ValueError:
        return False


class Snapshot:
    """The node's network state that a pod can leave behind: links, netns files, everything under
    /var/lib/cni (leases, result caches), and the firewall (nftables and both iptables families)."""

    def __init__(self):
        links = json.loads(run(["ip", "-d", "-j", "link", "show"]).stdout)
        self.links = {l["ifname"]: l.get("linkinfo", {}).get("info_kind", "") for l in links}
        self.netns = sorted(os.listdir("/run/netns"))
        self.files = {}
        for root, _, files in os.walk("/var/lib/cni"):
            for f in files:
                p = os.path.join(root, f)
                try:
                    with open(p, "rb") as fh:
                        self.files[p] = fh.read(65536).decode(errors="replace")
                except OSError:
                    self.files[p] = ""
        dumps = []
        for cmd in (["nft", "-s", "list", "ruleset"], ["iptables-save"], ["ip6tables-save"]):
            p = run(cmd, check=False)
            dumps += [f"[{cmd[0]}] {line}" for line in p.stdout.splitlines()]
        self.firewall = dumps


def chain_hash(network, container_id):
    """The reference's per-attachment chain names (masquerade CNI-<24 hex>, portmap CNI-DN-<21 hex>)
    are a prefix plus SHA-512 of network name + container ID; a leftover chain shows the hash even
    when it holds no rule naming the pod."""
    return hashlib.sha512((network + container_id).encode()).hexdigest()


def ip_pattern(ip):
    return re.compile(r"(?<![0-9A-Za-z:.])" + re.escape(ip) + r"(?![0-9A-Za-z:.])")


def is_lease(path):
    """host-local's lease files are <dataDir>/<network>/<address>."""
    try:
        ipaddress.ip_address(os.path.basename(path))
        return True
    except ValueError:
        return False


MASQUERADE_CHECK = "no masquerade rule or chain left for the pod (bridge ipMasq)"


def check_leftovers(sc, before, ids, ips, ports, networks, settle=5.0):
    """After a teardown: no link but bridges, no netns file, no lease, cached result or other state
    naming the attachment, no firewall rule or chain naming its ID, addresses or host ports. The
    kernel frees a namespace (and the veth end in it) asynchronously, so links get a few seconds."""
    deadline = time.time() + settle
    while True:
        after = Snapshot()
        links = [f"{n} ({k or 'no kind'})" for n, k in after.links.items() if n not in before.links and k != "bridge"]
        if not links or time.time() > deadline:
            break
        time.sleep(0.2)
    sc.check(not links, "no veth or other link left on the node", ", ".join(links))
    netns = sorted(set(after.netns) - set(before.netns))
    sc.check(not netns, "no netns file left in /run/netns", ", ".join(netns))
    # A lease or cached result that appeared since `before` is a leak even when the pod's ID and
    # addresses are unknown (a failed RunPodSandbox): its name is the address, its content the ID.
    new_leases = [p for p in after.files if p not in before.files and is_lease(p)]
    new_results = [p for p in after.files if p not in before.files and p.startswith("/var/lib/cni/results/")]
    ips = list(ips) + [os.path.basename(p) for p in new_leases]
    files = []
    for path, content in after.files.items():
        base = os.path.basename(path)
        if path in new_leases or path in new_results or base in ips or any(i in path or i in content for i in ids):
            files.append(f"{path}: {content.strip()[:120]!r}")
    sc.check(not files, "no lease, cached result or other file under /var/lib/cni names the pod", "; ".join(files))
    hashes = [chain_hash(n, i) for n in networks for i in ids]
    masq_chains = ["CNI-" + h[:24] for h in hashes]
    ip_res = [ip_pattern(ip) for ip in ips]
    port_res = [re.compile(r"(?<![0-9.:])" + str(p) + r"(?![0-9])") for p in ports]
    named = [line for line in after.firewall
             if any(i in line for i in ids) or any(h[:16] in line for h in hashes)
             or any(r.search(line) for r in ip_res + port_res)]
    masq = [line for line in named if any(c in line for c in masq_chains)
            or ("masquerade" in line and not any(r.search(line) for r in port_res))]
    rest = [line for line in named if line not in masq]
    sc.check(not masq, MASQUERADE_CHECK, "\n".join(masq[:40]))
    sc.check(not rest, "no other nftables/iptables rule or chain names the pod's ID, addresses or host ports",
             "\n".join(rest[:40]))
    return after
