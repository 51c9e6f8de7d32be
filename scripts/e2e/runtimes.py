"""The runtimes under test, each started with its own state inside the node namespace:
containerd (CRI and `ctr`) and Podman with its CNI backend."""
import json, os, signal, subprocess, time

from node import run

PAUSE_IMAGE = "localhost/swcni-e2e/pause:1"
BUSYBOX_IMAGE = "localhost/swcni-e2e/busybox:1"


class Containerd:
    """containerd 1.6 with the CRI plugin: its root, state, socket and config in `state`, its CNI
    `bin_dir` the plugins under test and `conf_dir` a directory of its own."""

    def __init__(self, state, plugins, conflist):
        self.dir = os.path.join(state, "containerd")
        self.sock = os.path.join(self.dir, "containerd.sock")
        self.conf_dir = os.path.join(self.dir, "net.d")
        self.log_path = os.path.join(self.dir, "containerd.log")
        os.makedirs(self.conf_dir, exist_ok=True)
        with open(os.path.join(self.conf_dir, os.path.basename(conflist)), "w") as f, open(conflist) as src:
            f.write(src.read())
        self.config = os.path.join(self.dir, "config.toml")
        d = self.dir
        with open(self.config, "w") as f:
            f.write(f'''version = 2
root = "{d}/root"
state = "{d}/state"
disabled_plugins = ["io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs",
                    "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
                    "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "{self.sock}"
[ttrpc]
  address = "{self.sock}.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "{d}/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "{PAUSE_IMAGE}"
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "{plugins}"
    conf_dir = "{self.conf_dir}"
    max_conf_num = 1
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
''')
        self.proc = None

    def start(self, timeout=30):
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(["containerd", "--config", self.config], stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"containerd exited {self.proc.returncode}: {self.log_tail()}")
            if os.path.exists(self.sock) and run(self.ctr_cmd("version"), check=False).returncode == 0:
                return
            time.sleep(0.2)
        raise RuntimeError(f"containerd did not answer within {timeout}s: {self.log_tail()}")

    def ctr_cmd(self, *args, namespace="k8s.io"):
        return ["ctr", "--address", self.sock, "--namespace", namespace, *args]

    def ctr(self, *args, namespace="k8s.io", timeout=60):
        return run(self.ctr_cmd(*args, namespace=namespace), timeout=timeout)

    def import_image(self, archive, namespace="k8s.io"):
        self.ctr("images", "import", archive, namespace=namespace, timeout=120)

    def log_tail(self, lines=15):
        try:
            with open(self.log_path) as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Podman:
    """Podman 4 with `network_backend = "cni"`: containers.conf, storage.conf and the signature
    policy in a private /etc/containers, storage and run root in `state`, networks in a directory
    of its own, and the plugins under test as its only plugin directory."""

    def __init__(self, state, plugins, cgroup_parent):
        d = os.path.join(state, "podman")
        self.net_dir = os.path.join(d, "net.d")
        os.makedirs(self.net_dir, exist_ok=True)
        self.plugins = plugins
        self.cgroup_parent = cgroup_parent
        confs = {
            "containers.conf": f'''[containers]
log_driver = "k8s-file"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "{d}/events.log"
runtime = "runc"
tmp_dir = "{d}/tmp"
[network]
network_backend = "cni"
cni_plugin_dirs = ["{plugins}"]
network_config_dir = "{self.net_dir}"
''',
            "storage.conf": f'''[storage]
driver = "vfs"
graphroot = "{d}/storage"
runroot = "{d}/run"
''',
            "policy.json": json.dumps({"default": [{"type": "insecureAcceptAnything"}]}),
            "registries.conf": "unqualified-search-registries = []\n",
        }
        # node.sh made /etc/containers a private tmpfs: these files exist only in the node namespace.
        for name, text in confs.items():
            with open(os.path.join("/etc/containers", name), "w") as f:
                f.write(text)

    def __call__(self, *args, timeout=90, check=True):
        return run(["podman", *args], timeout=timeout, check=check)

    def cleanup(self):
        self("rm", "-a", "-f", "-t", "0", check=False)
