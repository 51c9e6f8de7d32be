"""The scenario framework: a scenario is a list of checks with evidence; a failed runtime call
stops it (the runtime's error is the evidence) and the leftover check still runs afterwards."""
import json, os

from node import MASQUERADE_CHECK

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
LABEL = ["ours"]   # the plugin set under test, set once by scenarios.py


class Scenario:
    def __init__(self, name, about):
        self.name, self.about = name, about
        self.checks, self.status, self.note, self.seconds = [], "pass", "", 0.0

    def check(self, ok, what, detail=""):
        c = {"what": what, "ok": bool(ok), "detail": str(detail)[:3000]}
        known = KNOWN_REFERENCE_BUGS.get((self.name, what)) if LABEL[0] == "reference" else None
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
