import CNITestSupport
import Foundation
import Testing

/// A small cluster made of namespaces, as a flannel host-gw cluster is laid out:
///
/// ```
///            underlay bridge ul0 (namespace "underlay"), 192.168.100.0/24 + fd00:100::/64
///   ┌─────────────────┬──────────────────┬──────────────────┬────────────────────┐
/// node1 .1          node2 .2           node3 .3          outside .254
/// cni0 10.244.1.1   cni0 10.244.2.1    cni0 10.244.3.1   203.0.113.10, 2001:db8:ff::10
///  └ pods            └ pods             └ pods            (the "internet": only here)
/// ```
///
/// Each node has what flanneld would give it: a subnet file (its pod subnets out of
/// 10.244.0.0/16 and fd00:244::/48, FLANNEL_IPMASQ=false so the bridge masquerades), host-gw
/// routes to the other nodes' pod subnets via their underlay addresses, and a default route to
/// "outside". Pods are made with cnitool, as a runtime makes them (kubelet → containerd →
/// libcni), through the network list kube-flannel installs: flannel (→ bridge → host-local),
/// then portmap. Each node has its own config dir, cache dir and data dirs under one temp dir.
/// Every namespace and file is removed by ``withCluster(nodes:podsPerNode:_:)``.
final class ClusterLab: @unchecked Sendable {
    let underlay: TestNamespace
    let outside: TestNamespace
    let nodes: [Node]
    let root: String

    static let outsideV4 = "203.0.113.10"
    static let outsideV6 = "2001:db8:ff::10"

    final class Node: @unchecked Sendable {
        let index: Int
        let ns: TestNamespace
        let dir: String
        var pods: [Pod] = []

        init(index: Int, ns: TestNamespace, dir: String) {
            self.index = index
            self.ns = ns
            self.dir = dir
        }

        var underlayV4: String { "192.168.100.\(index)" }
        var underlayV6: String { "fd00:100::\(index)" }
        var podSubnetV4: String { "10.244.\(index).0/24" }
        var podSubnetV6: String { "fd00:244:0:\(index)::/64" }
        var netconf: String { dir + "/net.d" }
        var cache: String { dir + "/cache" }
        var flannelDir: String { dir + "/flannel" }
        var ipamDir: String { dir + "/ipam" }
        var subnetFile: String { dir + "/subnet.env" }

        /// The subnet file flanneld writes for this node.
        var subnetEnv: String {
            """
            FLANNEL_NETWORK=10.244.0.0/16
            FLANNEL_SUBNET=10.244.\(index).1/24
            FLANNEL_IPV6_NETWORK=fd00:244::/48
            FLANNEL_IPV6_SUBNET=fd00:244:0:\(index)::1/64
            FLANNEL_MTU=1500
            FLANNEL_IPMASQ=false

            """
        }

        /// kube-flannel's CNI config (its `cni-conf.json`), with this node's paths.
        var conflist: String {
            #"""
            {"name":"cbr0","cniVersion":"1.0.0","plugins":[
              {"type":"flannel","subnetFile":"\#(subnetFile)","dataDir":"\#(flannelDir)","ipam":{"dataDir":"\#(ipamDir)"},
               "delegate":{"hairpinMode":true,"isDefaultGateway":true}},
              {"type":"portmap","capabilities":{"portMappings":true}}]}
            """#
        }

        /// Runs cnitool on this node (in its namespace, with its config and cache).
        @discardableResult
        func cnitool(_ args: [String]) throws -> CommandOutput {
            let env = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "NETCONFPATH": netconf, "CNI_PATH": Binaries.directory]
            return try Command.run(
                ["nsenter", "--net=\(ns.path)", "--", Binaries.path("cnitool"), "--cache-dir", cache] + args, environment: env)
        }

        /// Links of the node besides lo, the underlay end and the bridge.
        func podLinks() throws -> [String] {
            try ns.ipJSON(["link", "show"]).compactMap { $0["ifname"] as? String }.filter { !["lo", "eth0", "cni0"].contains($0) }
        }
    }

    final class Pod: @unchecked Sendable {
        let ns: TestNamespace
        let node: Int
        var v4 = ""
        var v6 = ""

        init(ns: TestNamespace, node: Int) {
            self.ns = ns
            self.node = node
        }
    }

    init(underlay: TestNamespace, outside: TestNamespace, nodes: [Node], root: String) {
        self.underlay = underlay
        self.outside = outside
        self.nodes = nodes
        self.root = root
    }

    /// The underlay, "outside", and every node with its routes, subnet file and CNI config.
    func build() throws {
        try underlay.check(["ip", "link", "add", "ul0", "type", "bridge"])
        try underlay.check(["ip", "link", "set", "ul0", "up"])
        for node in nodes {
            try attach(node.ns, as: "n\(node.index)", v4: node.underlayV4, v6: node.underlayV6)
            for dir in [node.netconf, node.cache] { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            try node.subnetEnv.write(toFile: node.subnetFile, atomically: true, encoding: .utf8)
            try node.conflist.write(toFile: node.netconf + "/10-flannel.conflist", atomically: true, encoding: .utf8)
            for peer in nodes where peer.index != node.index {
                try node.ns.check(["ip", "route", "add", peer.podSubnetV4, "via", peer.underlayV4])
                try node.ns.check(["ip", "-6", "route", "add", peer.podSubnetV6, "via", peer.underlayV6])
            }
            try node.ns.check(["ip", "route", "add", "default", "via", "192.168.100.254"])
            try node.ns.check(["ip", "-6", "route", "add", "default", "via", "fd00:100::254"])
        }
        try attach(outside, as: "out", v4: "192.168.100.254", v6: "fd00:100::254")
        try outside.check(["ip", "addr", "add", Self.outsideV4 + "/32", "dev", "lo"])
        try outside.check(["ip", "addr", "add", Self.outsideV6 + "/128", "dev", "lo"])
    }

    /// A veth from `ns` (its end named eth0) to the underlay bridge.
    private func attach(_ ns: TestNamespace, as name: String, v4: String, v6: String) throws {
        try underlay.check(["ip", "link", "add", name, "type", "veth", "peer", "name", "eth0", "netns", ns.path])
        try underlay.check(["ip", "link", "set", name, "master", "ul0", "up"])
        try ns.check(["ip", "addr", "add", v4 + "/24", "dev", "eth0"])
        try ns.check(["ip", "addr", "add", v6 + "/64", "dev", "eth0", "nodad"])
        try ns.check(["ip", "link", "set", "eth0", "up"])
    }

    /// `cnitool add cbr0 <pod>` on `node`; records the pod's addresses from the result.
    func addPod(_ pod: Pod, on node: Node) throws {
        let out = try node.cnitool(["--json", "add", "cbr0", pod.ns.path])
        guard out.succeeded, let result = jsonObject(out.stdout) else {
            throw CommandError(command: ["cnitool", "add", "cbr0", pod.ns.path, "(node\(node.index))"], output: out)
        }
        for ip in (result["ips"] as? [[String: Any]]) ?? [] {
            let address = String((ip["address"] as? String ?? "").split(separator: "/")[0])
            if address.contains(":") { pod.v6 = address } else { pod.v4 = address }
        }
        node.pods.append(pod)
    }

    /// `cnitool del cbr0 <pod>` for every pod of `node`.
    func removePods(of node: Node) throws {
        for pod in node.pods {
            let out = try node.cnitool(["del", "cbr0", pod.ns.path])
            guard out.succeeded else { throw CommandError(command: ["cnitool", "del", "cbr0", pod.ns.path, "(node\(node.index))"], output: out) }
        }
        node.pods = []
    }

    var pods: [Pod] { nodes.flatMap(\.pods) }

    /// Targets that `from` cannot ping (v4 and v6 addresses of `targets`).
    func unreachable(from pod: Pod, _ targets: [String]) throws -> [String] {
        try Ping.unreachable(from: pod.ns, targets)
    }

    /// Round-trip times (min, avg, max in ms) of `count` pings from `pod` to `address`.
    func rtt(from pod: Pod, to address: String, count: Int = 50) throws -> (min: Double, avg: Double, max: Double) {
        let ping = try pod.ns.run(["ping", "-n", "-q", "-c", String(count), "-i", "0.005", "-W", "2", address])
        let out = ping.stdout
        // rtt min/avg/max/mdev = 0.040/0.052/0.101/0.010 ms
        guard let line = out.split(separator: "\n").first(where: { $0.contains("min/avg/max") }),
            let values = line.split(separator: "=").last?.split(separator: " ").first?.split(separator: "/").compactMap({ Double($0) }),
            values.count >= 3
        else { throw CommandError(command: ["ping", address], output: ping) }
        return (values[0], values[1], values[2])
    }
}

/// Makes a cluster of `nodes` nodes with `podsPerNode` pod namespaces each, builds it, runs
/// `body`, and removes everything whether `body` throws or not.
func withCluster<T>(nodes count: Int = 3, podsPerNode: Int = 2, _ body: (ClusterLab, [[TestNamespace]]) throws -> T) throws -> T {
    let root = NSTemporaryDirectory() + "swcni-cluster-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: root) }
    return try withTestNamespaces(2 + count + count * podsPerNode, prefix: "cl") { ns in
        let nodes = (1...count).map { i in ClusterLab.Node(index: i, ns: ns[1 + i], dir: root + "/node\(i)") }
        let lab = ClusterLab(underlay: ns[0], outside: ns[1], nodes: nodes, root: root)
        try lab.build()
        let podNamespaces = (0..<count).map { n in Array(ns[(2 + count + n * podsPerNode)..<(2 + count + (n + 1) * podsPerNode)]) }
        return try body(lab, podNamespaces)
    }
}
