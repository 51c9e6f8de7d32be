#!/usr/bin/env python3
"""Prints the e2e results of each plugin set side by side: scenarios, the checks that failed with
their evidence, and RunPodSandbox/StopPodSandbox latencies (median over the pods of each series).

    report.py ours.json reference.json
Exits 1 if any scenario failed (or a run did not finish) in any column.
"""
import json, statistics, sys


def main(paths):
    runs = []
    for p in paths:
        with open(p) as f:
            runs.append(json.load(f))
    if not runs:
        print("e2e: no results")
        return 1
    labels = [r["label"] for r in runs]
    print()
    for r in runs:
        print(f"  {r['label']:<10} {r['plugins']}")
    names = []
    for r in runs:
        for s in r["scenarios"]:
            if s["name"] not in names:
                names.append(s["name"])
    by = [{s["name"]: s for s in r["scenarios"]} for r in runs]
    width = max([len(n) for n in names] + [8])
    print()
    print(f"  {'scenario':<{width}}  " + "".join(f"{l:<28}" for l in labels))
    counts = {"pass": 0, "fail": 0, "skip": 0}
    for n in names:
        cells = []
        for b in by:
            s = b.get(n)
            if not s:
                cells.append("not run")
                counts["fail"] += 1
                continue
            counts[s["status"]] += 1
            ok = sum(c["ok"] for c in s["checks"])
            known = sum(1 for c in s["checks"] if c.get("known"))
            cells.append({"pass": "pass", "fail": "FAIL", "skip": "skip"}[s["status"]]
                         + (f" {ok}/{len(s['checks'])}" if s["status"] != "skip" else "")
                         + (f" ({known} known)" if known else "") + f" {s['seconds']:.0f}s")
        print(f"  {n:<{width}}  " + "".join(f"{c:<28}" for c in cells))
    print()
    for n in names:
        about = next((b[n]["about"] for b in by if n in b), "")
        print(f"  {n}: {about}")

    series = []
    for r in runs:
        for k in r.get("latency", {}):
            if k not in series:
                series.append(k)
    if series:
        print()
        head = f"  {'latency ms: median/min (n)':<28}" + "".join(f"{l:<22}" for l in labels)
        print(head + ("median ratio" if len(runs) == 2 else ""))
        for k in series:
            meds, cells = [], ""
            for r in runs:
                xs = r.get("latency", {}).get(k, [])
                meds.append(statistics.median(xs) * 1000 if xs else None)
                cell = f"{meds[-1]:.1f}/{min(xs) * 1000:.1f} ({len(xs)})" if xs else "-"
                cells += f"{cell:<22}"
            ratio = f"{meds[0] / meds[1]:.2f}" if len(meds) == 2 and all(meds) else ""
            print(f"  {k:<28}" + cells + ratio)

    trouble = False
    for r in runs:
        for s in r["scenarios"]:
            bad = [c for c in s["checks"] if not c["ok"] and not c.get("known")]
            if s["status"] == "skip":
                print(f"\n  [{r['label']}] {s['name']}: {s['note']}")
            for c in s["checks"]:
                if c.get("known"):
                    print(f"\n  [{r['label']}] {s['name']}: known bug of these plugins, not counted: {c['what']}\n"
                          f"        {c['known']}")
            if not bad:
                continue
            trouble = True
            print(f"\n  [{r['label']}] {s['name']} failed:")
            for c in bad:
                detail = "\n        ".join(c["detail"].splitlines()[:12])
                print(f"    - {c['what']}\n        {detail}")
        for e in r.get("errors", []):
            trouble = True
            counts["fail"] += 1
            print(f"\n  [{r['label']}] run did not finish:\n    " + "\n    ".join(e.splitlines()[-6:]))
    print()
    print(f"e2e: {counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped")
    return 1 if trouble or counts["fail"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
