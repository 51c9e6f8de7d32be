#!/usr/bin/env python3
"""The end-to-end scenarios: real runtimes (containerd's CRI driven as kubelet drives it, `ctr run
--cni`, Podman's CNI backend) on one set of CNI plugins. Runs inside the node namespace that
scripts/e2e/node.sh prepared; writes what it saw as JSON for scripts/e2e/report.py.

Each scenario is a list of checks; a failed runtime call stops that scenario (its error is the
check's detail) and the leftover check still runs, so a failed ADD or DEL shows what it leaked.
"""
import argparse, json, os, re, signal, subprocess, sys, threading, time, traceback, uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from node import (CLIENT_NS, MASQUERADE_CHECK, NODE_V4, NODE_V6, Snapshot, check_leftovers, in_subnet, link_addrs, netns_addrs,
                  reach, run, unreachable, url, wget)
from runtimes import BUSYBOX_IMAGE, Containerd, Podman

HERE = os.path.dirname(os.path.abspath(__file__))
NETS = os.path.join(HERE, "net")
# The web server every test container runs: busybox httpd answering with the pod's hostname.
WEB = ["sh", "-c", 'echo "hello from $(hostname)" > /www/index.html && exec httpd -f -p 80 -h /www']


class Failed(Exception):
    pass


def error_text(e):
    details = getattr(e, "details", None)
    return details() if callable(details) else f"{type(e).__name__}: {e}"


# Checks the reference plugins (Debian's 1.1.1) are known to fail, by scenario: reported as such,
# not counted as failures of the test. Our plugins get no such allowance.
KNOWN_REFERENCE_BUGS = {
    ("cri-netns-gone", MASQUERADE_CHECK): "containernetworking/plugins#810: bridge DEL without a netns "
    "cannot find the pod's addresses and leaves its masquerade chain",
    ("ctr-run-cni", MASQUERADE_CHECK): "containernetworking/plugins#810 (ctr's DEL never passes a netns)",
}
LABEL = ""


class Scenario:
    def __init__(self, name, about):
        self.name, self.about = name, about
        self.checks, self.status, self.note, self.seconds = [], "pass", "", 0.0

    def check(self, ok, what, detail=""):
        c = {"what": what, "ok": bool(ok), "detail": str(detail)[:3000]}
        known = KNOWN_REFERENCE_BUGS.get((self.name, what)) if LABEL == "reference" else None
        if not ok and known:
            c["known"] = known
        elif not ok:
            self.status = "fail"
        self.checks.append(c)
        return ok

    def require(self, ok, what, detail=""):
        if not self.check(ok, what, detail):
            raise Failed(what)

    def step(self, what, fn, *args, **kw):
        """A runtime call that must succeed; its error text is the evidence when it does not."""
        try:
            result = fn(*args, **kw)
        except Exception as e:
            self.check(False, what, error_text(e))
            raise Failed(what, error_text(e))
        self.check(True, what)
        return result

    def skip(self, reason):
        self.status, self.note = "skip", reason

    def as_json(self):
        return {"name": self.name, "about": self.about, "status": self.status, "note": self.note,
                "seconds": round(self.seconds, 2), "checks": self.checks}


class Net:
    """A network config of scripts/e2e/net: its name, bridge and subnets."""

    def __init__(self, path, conf=None):
        self.path = path
        if conf is None:
            with open(path) as f:
                conf = json.load(f)
        self.conf = conf
        self.name = self.conf["name"]
        self.types = [p["type"] for p in self.conf.get("plugins", [self.conf])]
        bridge = next(p for p in self.conf["plugins"] if p["type"] == "bridge")
        self.bridge = bridge.get("bridge", "cni0")
        ranges = bridge["ipam"].get("ranges", [])
        self.subnets = [r[0]["subnet"] for r in ranges]

    @classmethod
    def from_conf(cls, conf):
        return cls(None, conf)


class Env:
    def __init__(self, args):
        self.args = args
        self.cgroup_parent = f"/swcni-e2e-{args.run_id}"
        self.latency = {}


# --- containerd CRI -------------------------------------------------------------------------------

class Pod:
    def __init__(self, env, name, ports=()):
        self.env, self.name, self.ports = env, name, list(ports)
        self.uid = str(uuid.uuid4())
        self.log_dir = os.path.join(env.args.work, "logs", name + "-" + self.uid[:8])
        os.makedirs(self.log_dir, exist_ok=True)
        self.config = env.cri.pod_config(name, self.uid, env.cgroup_parent + "/pod" + self.uid, self.log_dir,
                                         self.ports)
        self.id = self.container = self.failed_id = None
        self.ips, self.netns, self.pid = [], None, None
        self.stopped = self.removed = False

    def run(self, sc):
        mapped = ", ".join(f"hostPort {'%s:' % m[2] if len(m) > 2 else ''}{m[0]} -> {m[1]}"
                           for m in self.ports) or "no hostPort"
        try:
            self.id = sc.step(f"RunPodSandbox {self.name} ({mapped})", self.env.cri.run_pod, self.config)
        except Failed as e:
            # containerd names the sandbox it gave up on; the leftover check looks for its traces.
            m = re.search(r'sandbox "([0-9a-f]{64})"', e.args[-1])
            self.failed_id = m.group(1) if m else None
            raise

    def inspect(self, sc, net):
        """PodSandboxStatus as kubelet reads it: ready, an IPv4 pod IP and an IPv6 additional IP
        inside the network's ranges, the same addresses on eth0 in the pod's netns."""
        status, info = sc.step(f"PodSandboxStatus {self.name}", self.env.cri.pod_status, self.id)
        sc.check(status.state == self.env.cri.pb.SANDBOX_READY, f"{self.name} is SANDBOX_READY", status.state)
        self.ips = [status.network.ip] + [a.ip for a in status.network.additional_ips]
        v4 = [ip for ip in self.ips if ":" not in ip and ip]
        v6 = [ip for ip in self.ips if ":" in ip]
        sc.check(len(v4) == 1 and in_subnet(v4[0], net.subnets[0]) and self.ips[0] == v4[0],
                 f"{self.name}: pod IP is IPv4 in {net.subnets[0]}", self.ips)
        sc.check(len(v6) == 1 and in_subnet(v6[0], net.subnets[1]),
                 f"{self.name}: additional IP is IPv6 in {net.subnets[1]}", self.ips)
        self.pid = info.get("pid")
        spaces = info.get("runtimeSpec", {}).get("linux", {}).get("namespaces", [])
        self.netns = next((n.get("path") for n in spaces if n.get("type") == "network"), None)
        sc.require(bool(self.netns), f"{self.name}: netns path in the verbose status", spaces)
        on_eth0 = netns_addrs(self.netns)
        sc.check(sorted(on_eth0) == sorted(self.ips), f"{self.name}: eth0 in the pod carries exactly the pod IPs",
                 f"eth0: {on_eth0}, status: {self.ips}")
        self.v4, self.v6 = (v4 or [""])[0], (v6 or [""])[0]

    def start_web(self, sc):
        cri = self.env.cri
        self.container = sc.step(f"CreateContainer web in {self.name}", cri.create_container, self.id,
                                 self.config, "web", BUSYBOX_IMAGE, WEB)
        sc.step(f"StartContainer web in {self.name}", cri.start_container, self.container)

    def exec_get(self, sc, what, u, expect, tries=15):
        for _ in range(tries):
            try:
                code, out, err = self.env.cri.exec_sync(self.container, ["timeout", "3", "wget", "-q", "-O", "-", u])
            except Exception as e:
                code, out, err = -1, "", error_text(e)
            if code == 0 and expect in out:
                break
            time.sleep(0.3)
        return sc.check(code == 0 and expect in out, what,
                        f"GET {u} in {self.name}: exit {code}: {(out or err).strip()[:300]}")

    def teardown(self, sc, record=True):
        """kubelet's order: StopContainer, StopPodSandbox, RemoveContainer, RemovePodSandbox."""
        cri = self.env.cri
        steps = []
        if self.container:
            steps.append((f"StopContainer web in {self.name}", cri.stop_container, self.container))
        if self.id and not self.stopped:
            steps.append((f"StopPodSandbox {self.name}", cri.stop_pod, self.id))
        if self.container:
            steps.append((f"RemoveContainer web in {self.name}", cri.remove_container, self.container))
        if self.id and not self.removed:
            steps.append((f"RemovePodSandbox {self.name}", cri.remove_pod, self.id))
        for what, fn, arg in steps:
            if record:
                sc.step(what, fn, arg)
            else:
                try:
                    fn(arg)
                except Exception:
                    return
            if fn == cri.stop_pod:
                self.stopped = True
            if fn == cri.remove_pod:
                self.removed = True


def cri_scenario(env, name, about, body):
    """Runs body(sc, pods, net) and then, whatever happened, tears down what is left and checks
    the node for leftovers of every pod the scenario made."""
    sc = Scenario(name, about)
    net = env.cri_net
    pods = []
    before = Snapshot()
    t0 = time.time()
    try:
        body(sc, pods, net)
    except Failed:
        pass
    except Exception as e:
        sc.check(False, "scenario ran to its end", traceback.format_exc(limit=3) + error_text(e))
    for p in pods:
        if p.id and not p.removed:
            p.teardown(sc, record=False)
    if any(p.id for p in pods) or sc.status == "fail":
        ids = [i for p in pods for i in (p.id, p.failed_id) if i]
        check_leftovers(sc, before, ids, [ip for p in pods for ip in p.ips],
                        [m[0] for p in pods for m in p.ports], [net.name, "cni-loopback"])
    sc.seconds = time.time() - t0
    return sc


def cri_pods(env):
    def body(sc, pods, net):
        # pod-a: two hostPorts on every node address; pod-b: a hostPort bound to the node's LAN
        # address only (containerd sends HostIP).
        a, b = Pod(env, "pod-a", [(18080, 80), (18088, 80)]), Pod(env, "pod-b", [(18081, 80, NODE_V4)])
        pods += [a, b]
        for p in pods:
            p.run(sc)
            p.inspect(sc, net)
            p.start_web(sc)
        gw = link_addrs(net.bridge)
        gw4 = next((ip for ip in gw if ":" not in ip), "")
        gw6 = next((ip for ip in gw if ":" in ip), "")
        reach(sc, "pod-a's IPv4 from the node", url(a.v4), "hello from pod-a")
        reach(sc, "pod-a's IPv6 from the node", url(a.v6), "hello from pod-a")
        reach(sc, "hostPort 18080 at 127.0.0.1 from the node", url("127.0.0.1", 18080), "hello from pod-a")
        reach(sc, "hostPort 18080 at the bridge's IPv4 from the node", url(gw4, 18080), "hello from pod-a")
        reach(sc, "hostPort 18080 at the bridge's IPv6 from the node", url(gw6, 18080), "hello from pod-a")
        reach(sc, "hostPort 18080 at the node's IPv4 from a LAN client", url(NODE_V4, 18080), "hello from pod-a",
              netns=CLIENT_NS)
        reach(sc, "hostPort 18080 at the node's IPv6 from a LAN client", url(NODE_V6, 18080), "hello from pod-a",
              netns=CLIENT_NS)
        reach(sc, "second hostPort 18088 of pod-a from a LAN client", url(NODE_V4, 18088), "hello from pod-a",
              netns=CLIENT_NS)
        reach(sc, f"hostPort {NODE_V4}:18081 (pod-b) from a LAN client", url(NODE_V4, 18081), "hello from pod-b",
              netns=CLIENT_NS)
        unreachable(sc, f"hostPort {NODE_V4}:18081 not mapped on the bridge's address", url(gw4, 18081))
        b.exec_get(sc, "pod-b -> pod-a over IPv4", url(a.v4), "hello from pod-a")
        b.exec_get(sc, "pod-b -> pod-a over IPv6", url(a.v6), "hello from pod-a")
        a.exec_get(sc, "pod-a -> pod-b over IPv4", url(b.v4), "hello from pod-b")
        a.exec_get(sc, "pod-a -> its own hostPort through the bridge (hairpin)", url(gw4, 18080), "hello from pod-a")
        for p in pods:
            p.teardown(sc)
        unreachable(sc, "hostPort 18080 closed after removal (node)", url("127.0.0.1", 18080))
        unreachable(sc, "hostPort 18081 closed after removal (LAN client)", url(NODE_V4, 18081), netns=CLIENT_NS)

    return cri_scenario(env, "cri-hostport", "two pods with hostPorts and a busybox httpd each; dual-stack "
                        "IPs, hostPorts from node and LAN, pod-to-pod, kubelet's teardown", body)


def cri_parallel(env):
    n = env.args.parallel

    def body(sc, pods, net):
        batch = [Pod(env, f"par-{i}", [(18200 + i, 80)]) for i in range(n)]
        pods += batch

        def up(p):
            try:
                p.run(sc)
                p.inspect(sc, net)
                p.start_web(sc)
            except Failed:
                pass
        parallel(up, batch)
        sc.require(all(p.container for p in batch), f"{n} pods started at once")
        ips = [ip for p in batch for ip in p.ips]
        sc.check(len(set(ips)) == 2 * n, "every pod got addresses of its own", ips)
        for i, p in enumerate(batch):
            reach(sc, f"hostPort {18200 + i} ({p.name}) from a LAN client", url(NODE_V4, 18200 + i),
                  f"hello from {p.name}", netns=CLIENT_NS)

        def down(p):
            try:
                p.teardown(sc)
            except Failed:
                pass
        parallel(down, batch)

    return cri_scenario(env, "cri-parallel", f"{n} pods with hostPorts started at once on a fresh node (the "
                        "first ADDs race to create the bridge and the firewall tables), then torn down at once",
                        body)


def cri_add_fails(env):
    """A network whose IPv6 range holds two addresses: the third pod gets an IPv4 lease, then
    host-local fails on IPv6. The failed ADD and containerd's DEL after it must leave nothing."""
    conf = json.loads(json.dumps(env.cri_net.conf))
    conf["name"] = "e2e-cri-small"
    bridge = next(p for p in conf["plugins"] if p["type"] == "bridge")
    bridge["bridge"] = "cni-e2e1"
    bridge["ipam"]["ranges"] = [[{"subnet": "10.86.0.0/24"}], [{"subnet": "fd86::/126"}]]
    path = os.path.join(env.containerd.conf_dir, "05-e2e-small.conflist")   # sorts first: CRI loads it
    saved, env.cri_net = env.cri_net, Net.from_conf(conf)

    def body(sc, pods, net):
        with open(path, "w") as f:
            json.dump(conf, f)
        time.sleep(1)   # containerd reloads its CNI config on a change of the directory
        for i in range(3):
            p = Pod(env, f"small-{i}", [(18300 + i, 80)])
            pods.append(p)
            if i < 2:
                p.run(sc)
                p.inspect(sc, net)
        third, err = pods[2], ""
        try:
            third.id = env.cri.run_pod(third.config)
        except Exception as e:
            err = error_text(e)
            m = re.search(r'sandbox "([0-9a-f]{64})"', err)
            third.failed_id = m.group(1) if m else None
        sc.check(not third.id and "no IP addresses available" in err,
                 "RunPodSandbox of a third pod fails in host-local (IPv6 range full)", err or "it succeeded")
        for p in pods[:2]:
            p.teardown(sc)

    try:
        return cri_scenario(env, "cri-add-fails", "IPv6 range of two addresses: the third pod's ADD fails after "
                            "its IPv4 lease; the failed ADD and containerd's cleanup leave nothing", body)
    finally:
        env.cri_net = saved
        if os.path.exists(path):
            os.unlink(path)
            time.sleep(1)


def parallel(fn, items):
    """kubelet starts and stops pods concurrently: one thread per pod."""
    threads = [threading.Thread(target=fn, args=(i,)) for i in items]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def cri_killed_pause(env):
    def body(sc, pods, net):
        p = Pod(env, "pod-killed", [(18082, 80)])
        pods.append(p)
        p.run(sc)
        p.inspect(sc, net)
        sc.require(bool(p.pid), "pid of the pause process in the verbose status")
        os.kill(int(p.pid), signal.SIGKILL)
        state = None
        for _ in range(50):
            status, _ = env.cri.pod_status(p.id)
            state = status.state
            if state == env.cri.pb.SANDBOX_NOTREADY:
                break
            time.sleep(0.2)
        sc.check(state == env.cri.pb.SANDBOX_NOTREADY, "sandbox NOTREADY after its pause process was killed", state)
        p.teardown(sc)

    return cri_scenario(env, "cri-killed-pause", "pause process SIGKILLed, then StopPodSandbox + "
                        "RemovePodSandbox (DEL with the netns still mounted)", body)


def cri_netns_gone(env):
    def body(sc, pods, net):
        p = Pod(env, "pod-nonetns", [(18083, 80)])
        pods.append(p)
        p.run(sc)
        p.inspect(sc, net)
        run(["umount", p.netns])
        os.unlink(p.netns)
        sc.check(not os.path.exists(p.netns), "netns file removed behind containerd's back", p.netns)
        p.teardown(sc)

    return cri_scenario(env, "cri-netns-gone", "netns file unmounted and removed before StopPodSandbox "
                        "(containerd sends DEL with an empty CNI_NETNS)", body)


def cri_latency(env):
    n = env.args.pods

    def body(sc, pods, net):
        for label, ports in (("", False), (" hostPort", True)):
            batch = [Pod(env, f"lat{label.strip()[:1]}-{i}", [(18100 + i, 80)] if ports else []) for i in range(n)]
            pods += batch
            runs, stops = [], []
            for p in batch:
                t = time.perf_counter()
                p.run(sc)
                runs.append(time.perf_counter() - t)
            for p in batch:
                t = time.perf_counter()
                sc.step(f"StopPodSandbox {p.name}", env.cri.stop_pod, p.id)
                stops.append(time.perf_counter() - t)
                p.stopped = True
                sc.step(f"RemovePodSandbox {p.name}", env.cri.remove_pod, p.id)
                p.removed = True
            env.latency["RunPodSandbox" + label] = runs
            env.latency["StopPodSandbox" + label] = stops

    return cri_scenario(env, "cri-latency", f"{n} pods without and {n} with a hostPort: RunPodSandbox and "
                        "StopPodSandbox timed one at a time", body)


# --- ctr run --cni --------------------------------------------------------------------------------

def ctr_run_cni(env):
    """go-cni's defaults: the first config in /etc/cni/net.d, plugins from its default directory
    (node.sh links the plugins under test there), DEL without a netns when the task has exited."""
    sc = Scenario("ctr-run-cni", "`ctr run --rm --cni` with a dual-stack bridge network in /etc/cni/net.d; "
                  "reach the container, kill the task, ctr's own teardown (DEL without netns)")
    net = Net(os.path.join(NETS, "10-e2e-ctr.conflist"))
    with open("/etc/cni/net.d/10-e2e-ctr.conflist", "w") as f:
        json.dump(net.conf, f)
    cd, cid, ns = env.containerd, "ctr-web", "e2e"
    full_id = f"{ns}-{cid}"
    before = Snapshot()
    t0 = time.time()
    proc, ips = None, []
    try:
        cmd = cd.ctr_cmd("run", "--rm", "--cni", "--cgroup", f"{env.cgroup_parent}/{cid}", BUSYBOX_IMAGE, cid,
                         *WEB, namespace=ns)
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lease_dir = f"/var/lib/cni/networks/{net.name}"
        for _ in range(100):
            if proc.poll() is not None:
                break
            if os.path.isdir(lease_dir):
                ips = [f for f in os.listdir(lease_dir) if open(os.path.join(lease_dir, f)).read().startswith(full_id)]
                if len(ips) == 2:
                    break
            time.sleep(0.1)
        running = proc.poll() is None
        sc.require(running and len(ips) == 2, "ctr run --cni started the container with an IPv4 and an IPv6 lease",
                   f"leases {ips}" if running else f"ctr exited {proc.returncode}: {proc.communicate()[1][-1500:]}")
        for ip in ips:
            reach(sc, f"container's {'IPv6' if ':' in ip else 'IPv4'} from the node", url(ip), "hello from")
        v4 = next(ip for ip in ips if ":" not in ip)
        reach(sc, "container's IPv4 from a LAN client (routed by the node)", url(v4), "hello from", netns=CLIENT_NS)
        cd.ctr("task", "kill", "-s", "SIGKILL", cid, namespace=ns)
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        sc.check("network review" not in err and "level=error" not in err,
                 "ctr's network teardown (CNI DEL, no netns) reported no error", err.strip()[-2000:])
        left = run(cd.ctr_cmd("containers", "ls", "-q", namespace=ns), check=False).stdout.split()
        sc.check(cid not in left, "ctr --rm removed the container", left)
    except Failed:
        pass
    except Exception as e:
        sc.check(False, "scenario ran to its end", error_text(e))
    finally:
        if proc and proc.poll() is None:
            run(cd.ctr_cmd("task", "kill", "-s", "SIGKILL", cid, namespace=ns), check=False)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        os.unlink("/etc/cni/net.d/10-e2e-ctr.conflist")
    check_leftovers(sc, before, [full_id], ips, [], [net.name])
    sc.seconds = time.time() - t0
    return sc


# --- Podman ---------------------------------------------------------------------------------------

def podman_network(env, name, about, net_name, host_port, conflist=None):
    """A container with a published port on one Podman network, reached from the node and the LAN,
    then `podman rm -f`. The network comes from a conflist file, or with conflist=None from
    `podman network create` (Podman writes its own conflist, naming whichever plugins it chains);
    a network naming a plugin the directory under test lacks is reported as not run."""
    sc = Scenario(name, about)
    pm = env.podman
    t0 = time.time()
    cname, cid, ips = f"{name}-web", None, []
    before = Snapshot()
    try:
        if conflist:
            with open(conflist) as src, open(os.path.join(pm.net_dir, net_name + ".conflist"), "w") as dst:
                dst.write(src.read())
        else:
            sc.step(f"podman network create {net_name}", pm, "network", "create", net_name)
        with open(os.path.join(pm.net_dir, net_name + ".conflist")) as f:
            conf = json.load(f)
        types = [p["type"] for p in conf["plugins"]] + [p["ipam"]["type"] for p in conf["plugins"] if "ipam" in p]
        missing = [t for t in types if not os.path.exists(os.path.join(pm.plugins, t))]
        sc.check(True, "network's plugins: " + ", ".join(types), json.dumps(conf)[:1500])
        if missing:
            sc.skip(f"not run: the plugin directory has no {', '.join(missing)}")
            return sc
        cid = sc.step(f"podman run -p {host_port}:80 --network {net_name}", pm, "run", "-d", "--name", cname,
                      "--network", net_name, "-p", f"{host_port}:80", "--cgroup-parent", env.cgroup_parent + "/podman",
                      BUSYBOX_IMAGE, *WEB).stdout.strip()
        info = json.loads(pm("inspect", cname).stdout)[0]
        netinfo = info["NetworkSettings"]["Networks"].get(net_name, {})
        ips = [ip for ip in (netinfo.get("IPAddress"), netinfo.get("GlobalIPv6Address")) if ip]
        sc.require(bool(ips), "container has an address on the network", netinfo)
        for ip in ips:
            reach(sc, f"container's {'IPv6' if ':' in ip else 'IPv4'} from the node", url(ip), "hello from")
        reach(sc, f"published port {host_port} at 127.0.0.1 from the node", url("127.0.0.1", host_port), "hello from")
        reach(sc, f"published port {host_port} at the node's IPv4 from a LAN client", url(NODE_V4, host_port),
              "hello from", netns=CLIENT_NS)
        sc.step("podman rm -f", pm, "rm", "-f", "-t", "0", cname)
        unreachable(sc, f"published port {host_port} closed after podman rm -f", url(NODE_V4, host_port),
                    netns=CLIENT_NS)
    except Failed:
        pass
    except Exception as e:
        sc.check(False, "scenario ran to its end", error_text(e))
    finally:
        pm("rm", "-f", "-t", "0", cname, check=False)
    if sc.status != "skip":
        check_leftovers(sc, before, [cid] if cid else [], ips, [host_port], [net_name])
    if not conflist:
        pm("network", "rm", "-f", net_name, check=False)
    sc.seconds = time.time() - t0
    return sc


def podman_scenarios(env):
    return [
        podman_network(env, "podman-bridge-portmap", "Podman's CNI backend on a bridge + host-local (dual-stack) "
                       "+ portmap network: published port from node and LAN, podman rm -f",
                       "e2e-podman", 18090, os.path.join(NETS, "e2e-podman.conflist")),
        podman_network(env, "podman-default-network", "Podman's own network from `podman network create` "
                       "(its conflist chains bridge, portmap, firewall, tuning)", "e2e-podman-default", 18091),
    ]


# --- main -----------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--label", required=True)
    ap.add_argument("--plugins", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--images", required=True)
    ap.add_argument("--run-id", required=True)
    ap.add_argument("--pods", type=int, default=5)
    ap.add_argument("--parallel", type=int, default=4)
    ap.add_argument("--scenarios", default="cri,ctr,podman")
    args = ap.parse_args()
    global LABEL
    LABEL = args.label
    env = Env(args)
    wanted = set(args.scenarios.split(","))
    results = {"label": args.label, "plugins": args.plugins, "scenarios": [], "latency": {}, "errors": []}

    def save():
        results["latency"] = env.latency
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1)

    def add(sc):
        results["scenarios"].append(sc.as_json())
        mark = {"pass": "ok  ", "fail": "FAIL", "skip": "skip"}[sc.status]
        print(f"[{args.label}] {mark} {sc.name} ({sc.seconds:.1f}s){' - ' + sc.note if sc.note else ''}", flush=True)
        for c in sc.checks:
            if not c["ok"]:
                kind = "known reference bug" if c.get("known") else "failed"
                first = (c["detail"].splitlines() or [""])[0]
                print(f"[{args.label}]      {kind}: {c['what']}: {first[:300]}", flush=True)
        save()

    env.containerd = None
    try:
        if wanted & {"cri", "ctr"}:
            from cri import CRI
            env.cri_net = Net(os.path.join(NETS, "10-e2e-cri.conflist"))
            env.containerd = Containerd(args.work, args.plugins, env.cri_net.path)
            env.containerd.start()
            env.containerd.import_image(os.path.join(args.images, "pause.tar"))
            env.containerd.import_image(os.path.join(args.images, "busybox.tar"))
            env.containerd.import_image(os.path.join(args.images, "busybox.tar"), namespace="e2e")
            env.cri = CRI(env.containerd.sock, os.path.join(args.work, "cri-gen"))
            v = env.cri.version()
            print(f"[{args.label}] {v.runtime_name} {v.runtime_version} (CRI {v.runtime_api_version}), "
                  f"plugins {args.plugins}", flush=True)
            for _ in range(50):
                cond = env.cri.conditions()
                if all(cond.get(c, (False,))[0] for c in ("RuntimeReady", "NetworkReady")):
                    break
                time.sleep(0.2)
            if not all(cond.get(c, (False,))[0] for c in ("RuntimeReady", "NetworkReady")):
                raise RuntimeError(f"CRI not ready: {cond}")
            if "cri" in wanted:
                for fn in (cri_parallel, cri_pods, cri_killed_pause, cri_netns_gone, cri_add_fails, cri_latency):
                    add(fn(env))
            if "ctr" in wanted:
                add(ctr_run_cni(env))
        if "podman" in wanted:
            env.podman = Podman(args.work, args.plugins, f"/swcni-e2e-{args.run_id}")
            env.podman("load", "-q", "-i", os.path.join(args.images, "busybox.tar"), timeout=120)
            for sc in podman_scenarios(env):
                add(sc)
            env.podman.cleanup()
    except Exception as e:
        results["errors"].append(traceback.format_exc(limit=4) + error_text(e))
        print(f"[{args.label}] ERROR {error_text(e)}", flush=True)
        if env.containerd:
            print(env.containerd.log_tail(), flush=True)
    finally:
        if env.containerd:
            env.containerd.stop()
        save()
    failed = results["errors"] or any(s["status"] == "fail" for s in results["scenarios"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
