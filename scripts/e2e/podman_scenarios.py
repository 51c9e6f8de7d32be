"""Podman's CNI backend: a container with a published port on a network from a conflist of ours,
and on the network `podman network create` writes."""
import json, os, time

from framework import NETS, WEB, Failed, Scenario, error_text
from node import CLIENT_NS, NODE_V4, Snapshot, check_leftovers, ip_pattern, reach, run, unreachable, url
from runtimes import BUSYBOX_IMAGE


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
        if "firewall" in types:
            where, dump = firewall_opened(ips)
            sc.check(where, "the firewall plugin's rules name the container's addresses"
                     + (f" ({where})" if where else ""), dump)
        stand_ins = [t for t in types if os.path.realpath(os.path.join(pm.plugins, t)).startswith("/usr/lib/cni/")
                     and not os.path.realpath(pm.plugins).startswith("/usr/lib/cni")]
        if stand_ins:
            sc.check(True, "stand-ins from the reference: " + ", ".join(stand_ins))
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


def firewall_opened(ips):
    """Where the firewall plugin let the container's addresses through: the reference's iptables
    chain CNI-FORWARD, or our nftables table inet cni_plugins_firewall ("" when neither)."""
    filters = run(["iptables-save", "-t", "filter"], check=False).stdout + run(["ip6tables-save", "-t", "filter"], check=False).stdout
    table = run(["nft", "list", "table", "inet", "cni_plugins_firewall"], check=False).stdout
    found = []
    for ip in ips:
        pat = ip_pattern(ip + ("/128" if ":" in ip else "/32"))
        if any(line.startswith("-A CNI-FORWARD") and pat.search(line) for line in filters.splitlines()):
            found.append("iptables CNI-FORWARD")
        elif any("saddr" in line and ip_pattern(ip).search(line) for line in table.splitlines()):
            found.append("nftables inet cni_plugins_firewall")
        else:
            return "", filters + table
    return ", ".join(sorted(set(found))), ""


def podman_scenarios(env):
    return [
        podman_network(env, "podman-bridge-portmap", "Podman's CNI backend on a bridge + host-local (dual-stack) "
                       "+ portmap network: published port from node and LAN, podman rm -f",
                       "e2e-podman", 18090, os.path.join(NETS, "e2e-podman.conflist")),
        podman_network(env, "podman-default-network", "Podman's own network from `podman network create` "
                       "(its conflist chains bridge, portmap, firewall, tuning)", "e2e-podman-default", 18091),
    ]
