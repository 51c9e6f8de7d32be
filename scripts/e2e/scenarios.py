#!/usr/bin/env python3
"""The end-to-end scenarios: real runtimes (containerd's CRI driven as kubelet drives it, `ctr run
--cni`, Podman's CNI backend) on one set of CNI plugins. Runs inside the node namespace that
scripts/e2e/node.sh prepared; writes what it saw as JSON for scripts/e2e/report.py.
"""
import argparse, json, os, sys, time, traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import framework
from cri_scenarios import cri_add_fails, cri_killed_pause, cri_latency, cri_netns_gone, cri_parallel, cri_pods
from ctr_scenarios import ctr_run_cni
from framework import NETS, Net, error_text
from podman_scenarios import podman_scenarios
from runtimes import Containerd, Podman


class Env:
    def __init__(self, args):
        self.args = args
        self.cgroup_parent = f"/swcni-e2e-{args.run_id}"
        self.latency = {}


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
    framework.LABEL[0] = args.label
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
