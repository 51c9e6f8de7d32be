"""A small CRI (runtime.v1) client that drives containerd the way kubelet does.

The stubs are generated from cri.proto (the subset of kubernetes/cri-api that the test uses) into a
directory of the caller's choosing at first use; nothing generated is committed.
"""
import importlib, json, os, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))


def load_stubs(gen_dir):
    if not os.path.exists(os.path.join(gen_dir, "cri_pb2_grpc.py")):
        os.makedirs(gen_dir, exist_ok=True)
        subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I" + HERE, "--python_out=" + gen_dir,
                        "--grpc_python_out=" + gen_dir, os.path.join(HERE, "cri.proto")], check=True)
    sys.path.insert(0, gen_dir)
    return importlib.import_module("cri_pb2"), importlib.import_module("cri_pb2_grpc")


class CRI:
    def __init__(self, socket, gen_dir, timeout=60):
        import grpc
        self.grpc = grpc
        self.pb, stubs = load_stubs(gen_dir)
        self.channel = grpc.insecure_channel("unix://" + socket)
        self.rt = stubs.RuntimeServiceStub(self.channel)
        self.img = stubs.ImageServiceStub(self.channel)
        self.timeout = timeout

    def close(self):
        self.channel.close()

    def version(self):
        return self.rt.Version(self.pb.VersionRequest(version="v1"), timeout=self.timeout)

    def conditions(self):
        r = self.rt.Status(self.pb.StatusRequest(), timeout=self.timeout)
        return {c.type: (c.status, c.reason, c.message) for c in r.status.conditions}

    def cni_networks(self):
        """Names of the CNI networks containerd has loaded (its verbose status carries its config)."""
        r = self.rt.Status(self.pb.StatusRequest(verbose=True), timeout=self.timeout)
        conf = json.loads(r.info.get("cniconfig", "{}"))
        return [n.get("Config", {}).get("Name") for n in conf.get("Networks") or []]

    def image_present(self, ref):
        r = self.img.ImageStatus(self.pb.ImageStatusRequest(image=self.pb.ImageSpec(image=ref)), timeout=self.timeout)
        return r.HasField("image") and bool(r.image.id)

    def pod_config(self, name, uid, cgroup_parent, log_dir, ports=()):
        """A pod as kubelet describes it: metadata, hostname, log directory, hostPorts as
        (hostPort, containerPort[, hostIP]) TCP mappings, the Linux
        namespaces (network and IPC per pod, PID per container) and the pod's cgroup parent."""
        pb = self.pb
        ns = pb.NamespaceOption(network=pb.POD, pid=pb.CONTAINER, ipc=pb.POD)
        return pb.PodSandboxConfig(
            metadata=pb.PodSandboxMetadata(name=name, uid=uid, namespace="e2e", attempt=0),
            hostname=name, log_directory=log_dir,
            port_mappings=[pb.PortMapping(protocol=pb.TCP, host_port=m[0], container_port=m[1],
                                          host_ip=m[2] if len(m) > 2 else "") for m in ports],
            labels={"io.kubernetes.pod.name": name, "io.kubernetes.pod.namespace": "e2e",
                    "io.kubernetes.pod.uid": uid},
            linux=pb.LinuxPodSandboxConfig(cgroup_parent=cgroup_parent,
                                           security_context=pb.LinuxSandboxSecurityContext(namespace_options=ns)))

    def run_pod(self, config):
        return self.rt.RunPodSandbox(self.pb.RunPodSandboxRequest(config=config), timeout=self.timeout).pod_sandbox_id

    def pod_status(self, pod_id):
        """The status and containerd's verbose info (pid of the pause process, runtime spec with
        the netns path, the CNI result)."""
        r = self.rt.PodSandboxStatus(self.pb.PodSandboxStatusRequest(pod_sandbox_id=pod_id, verbose=True),
                                     timeout=self.timeout)
        info = json.loads(r.info["info"]) if "info" in r.info else {}
        return r.status, info

    def stop_pod(self, pod_id):
        self.rt.StopPodSandbox(self.pb.StopPodSandboxRequest(pod_sandbox_id=pod_id), timeout=self.timeout)

    def remove_pod(self, pod_id):
        self.rt.RemovePodSandbox(self.pb.RemovePodSandboxRequest(pod_sandbox_id=pod_id), timeout=self.timeout)

    def list_pods(self):
        return self.rt.ListPodSandbox(self.pb.ListPodSandboxRequest(), timeout=self.timeout).items

    def create_container(self, pod_id, pod_config, name, image, command, args=()):
        pb = self.pb
        ns = pb.NamespaceOption(network=pb.POD, pid=pb.CONTAINER, ipc=pb.POD)
        config = pb.ContainerConfig(
            metadata=pb.ContainerMetadata(name=name, attempt=0), image=pb.ImageSpec(image=image),
            command=list(command), args=list(args), log_path=name + ".log",
            labels={"io.kubernetes.container.name": name},
            linux=pb.LinuxContainerConfig(security_context=pb.LinuxContainerSecurityContext(namespace_options=ns)))
        return self.rt.CreateContainer(pb.CreateContainerRequest(pod_sandbox_id=pod_id, config=config,
                                                                 sandbox_config=pod_config),
                                       timeout=self.timeout).container_id

    def start_container(self, cid):
        self.rt.StartContainer(self.pb.StartContainerRequest(container_id=cid), timeout=self.timeout)

    def stop_container(self, cid, grace=0):
        self.rt.StopContainer(self.pb.StopContainerRequest(container_id=cid, timeout=grace), timeout=self.timeout)

    def remove_container(self, cid):
        self.rt.RemoveContainer(self.pb.RemoveContainerRequest(container_id=cid), timeout=self.timeout)

    def exec_sync(self, cid, cmd, timeout=10):
        r = self.rt.ExecSync(self.pb.ExecSyncRequest(container_id=cid, cmd=list(cmd), timeout=timeout),
                             timeout=timeout + 10)
        return r.exit_code, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")
