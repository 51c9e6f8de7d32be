import CNITestSupport
import Foundation
import Testing

/// Three nodes, two pods each, made with cnitool through flannel → bridge → host-local (then
/// portmap), the way kubelet's runtime makes them (see ``ClusterLab``). Every pod reaches every
/// other pod by its address over v4 and v6, across nodes through the host-gw routes, and
/// reaches "the outside" with its node's address (masquerade); removing a node's pods leaves
/// that node as it was.
///
/// On a real cluster the same binaries run unchanged: flanneld (host-gw backend) writes
/// /run/flannel/subnet.env and the routes, kube-flannel's DaemonSet installs the same conflist
/// in /etc/cni/net.d, and kubelet → containerd (CRI) → libcni execs flannel from /opt/cni/bin
/// for each pod sandbox, exactly as cnitool does here. Only the paths differ (the test gives
/// each node its own subnet file, data dirs and cache, since its nodes share one filesystem).
@Suite(.enabled(if: isPrivileged, "needs root for namespaces")) struct ThreeNodeClusterTests {
    @Test func podsReachEachOtherAcrossNodesAndTheOutside() throws {
        try withCluster { lab, podNamespaces in
            for node in lab.nodes {
                for ns in podNamespaces[node.index - 1] {
                    try lab.addPod(ClusterLab.Pod(ns: ns, node: node.index), on: node)
                }
            }
            // Addresses come from each node's own subnet; gateways are the nodes' bridges.
            for pod in lab.pods {
                #expect(pod.v4.hasPrefix("10.244.\(pod.node)."), "\(pod.v4)")
                #expect(pod.v6.hasPrefix("fd00:244:0:\(pod.node)::"), "\(pod.v6)")
            }
            #expect(Set(lab.pods.map(\.v4)).count == 6 && Set(lab.pods.map(\.v6)).count == 6)

            // Every pod reaches every other pod, on its own node and across nodes, both families.
            for pod in lab.pods {
                let others = lab.pods.filter { $0 !== pod }.flatMap { [$0.v4, $0.v6] }
                #expect(try lab.unreachable(from: pod, others) == [], "from \(pod.v4)")
            }

            // The outside sees each pod's traffic coming from the pod's node (the bridge's
            // masquerade), and answers it.
            let servers = try PeerEcho.start(in: lab.outside, on: [ClusterLab.outsideV4, ClusterLab.outsideV6])
            defer { PeerEcho.stop(servers) }
            for pod in lab.pods {
                let node = lab.nodes[pod.node - 1]
                #expect(try PeerEcho.connect(from: pod.ns, to: ClusterLab.outsideV4) == node.underlayV4)
                #expect(try PeerEcho.connect(from: pod.ns, to: ClusterLab.outsideV6) == node.underlayV6)
            }

            // Pod-to-pod latency across nodes (node1 → node2, through both bridges and the
            // underlay), beside the same-node figure, from the test's own pings.
            let pod1 = lab.nodes[0].pods[0], sameNode = lab.nodes[0].pods[1], pod2 = lab.nodes[1].pods[0]
            let across4 = try lab.rtt(from: pod1, to: pod2.v4), across6 = try lab.rtt(from: pod1, to: pod2.v6)
            let local4 = try lab.rtt(from: pod1, to: sameNode.v4)
            print(String(format: "cluster latency (50 pings, ms min/avg/max): across nodes v4 %.3f/%.3f/%.3f, v6 %.3f/%.3f/%.3f; same node v4 %.3f/%.3f/%.3f",
                         across4.min, across4.avg, across4.max, across6.min, across6.avg, across6.max, local4.min, local4.avg, local4.max))
            #expect(across4.avg > 0 && across6.avg > 0)

            // CHECK through the whole chain, from cnitool's cache.
            for node in lab.nodes {
                for pod in node.pods {
                    let check = try node.cnitool(["check", "cbr0", pod.ns.path])
                    #expect(check.succeeded, "\(check.stderr)\(check.stdout)")
                }
            }

            // Remove node1's pods after flanneld gave the node another lease (a new subnet file):
            // DEL uses the delegate configs flannel stored at ADD, so nothing of them is left
            // there, and the other nodes' pods still reach each other across nodes.
            let node1 = lab.nodes[0]
            let gone = node1.pods
            try node1.subnetEnv.replacingOccurrences(of: "10.244.1.1/24", with: "10.244.9.1/24")
                .write(toFile: node1.subnetFile, atomically: true, encoding: .utf8)
            try lab.removePods(of: node1)
            #expect(try node1.podLinks() == [])
            #expect(try files(node1.flannelDir) == [])
            #expect(try files(node1.ipamDir + "/cbr0").filter { $0.first?.isNumber == true || $0.contains(":") } == [])
            #expect(try files(node1.cache + "/results") == [])
            let nft = try node1.ns.check(["nft", "list", "ruleset"])
            for pod in gone {
                #expect(!nft.contains(pod.v4) && !nft.contains(pod.v6), "\(nft)")
            }
            for pod in gone {
                #expect(try pod.ns.ipJSON(["link", "show"]).compactMap { $0["ifname"] as? String } == ["lo"])
            }
            let p2 = lab.nodes[1].pods[0], p3 = lab.nodes[2].pods[0]
            #expect(try lab.unreachable(from: p2, [p3.v4, p3.v6]) == [])
        }
    }

    private func files(_ dir: String) throws -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
    }
}
