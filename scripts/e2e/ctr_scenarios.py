"""`ctr run --cni`: go-cni's defaults (the first config in /etc/cni/net.d, plugins from its default
directory, DEL without a netns once the task has exited)."""
import json, os, subprocess, time

from framework import NETS, WEB, Failed, Net, Scenario, error_text
from node import CLIENT_NS, Snapshot, check_leftovers, reach, run, url
from runtimes import BUSYBOX_IMAGE


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
