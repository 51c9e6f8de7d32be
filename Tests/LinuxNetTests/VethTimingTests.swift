import CNITestSupport
import CNetlinkShim
import LinuxNet
import Netlink
import Testing

/// Measures what the design choices buy: creating the peer directly in the host namespace versus
/// creating both ends in the container and moving one (the pre-`PeerNamespace` way), and the
/// cost of a plugin-shaped sequence. A benchmark: runs only with `SWCNI_BENCH=1`
/// (`SWCNI_BENCH=1 scripts/isolated.sh swift test --filter VethTimingTests`), prints figures, and
/// asserts that every round did its work (and, for the comparison, that the direct way wins).
@Suite(.enabled(if: isPrivileged && isBenchmarkRun), .serialized) struct VethTimingTests {
    static let rounds = 15

    @Test func directPlacementVersusMove() throws {
        try withHostAndContainer { _, _, host, container in
            var direct: [Double] = []
            var moved: [Double] = []
            for round in 0..<Self.rounds {
                var start = ContinuousClock.now
                let pair = try VethPair.create(VethPair.Configuration(containerName: "eth0", container: container, host: host))
                direct.append(elapsed(since: start))
                _ = try VethPair.delete(named: "eth0", in: container)
                _ = pair

                // Same result the old way: both ends in the container, then move the host end.
                start = ContinuousClock.now
                let hostName = "vmove\(round)"
                try container.netlink.addVeth(VethSpec(name: "eth0", peerName: hostName))
                let peer = try #require(try container.netlink.link(named: hostName))
                try container.netlink.connection.execute(Self.moveRequest(index: peer.index, to: host.namespace.descriptor))
                let hostEnd = try #require(try host.netlink.link(named: hostName))
                try host.netlink.setUp(hostEnd)
                moved.append(elapsed(since: start))
                _ = try VethPair.delete(named: "eth0", in: container)
            }
            let d = Self.median(direct), m = Self.median(moved)
            print("veth create, peer placed directly (VethPair.create, incl. lookups, up, accept_ra): median \(Self.ms(d)) ms, min \(Self.ms(direct.min()!)) ms")
            print("veth create then move host end (+ lookups, up):                                 median \(Self.ms(m)) ms, min \(Self.ms(moved.min()!)) ms")
            #expect(d < m)
        }
    }

    @Test func pluginShapedSequence() throws {
        try withTestNamespaces(2, prefix: "ln") { namespaces in
            var samples: [(open: Double, create: Double, configure: Double, delete: Double)] = []
            let host = try NetworkStack(namespace: NetworkNamespace.open(path: namespaces[0].path))
            for _ in 0..<Self.rounds {
                var start = ContinuousClock.now
                let container = try NetworkStack(namespace: NetworkNamespace.open(path: namespaces[1].path))
                let open = elapsed(since: start)
                start = ContinuousClock.now
                let pair = try VethPair.create(VethPair.Configuration(containerName: "eth0", mtu: 1500, container: container, host: host))
                let create = elapsed(since: start)
                start = ContinuousClock.now
                let link = try InterfaceConfiguration(
                    interfaceName: "eth0",
                    addresses: [.init(address: .init("10.22.0.5/16")!, gateway: .init("10.22.0.1"))],
                    routes: [.init(destination: .init("0.0.0.0/0")!)]
                ).apply(in: container)
                let configure = elapsed(since: start)
                #expect(link.isUp && pair.container.mtu == 1500)
                start = ContinuousClock.now
                let deleted = try VethPair.delete(named: "eth0", in: container)
                samples.append((open, create, configure, elapsed(since: start)))
                #expect(deleted != nil)
                #expect(try host.netlink.link(named: pair.host.name) == nil)
            }
            #expect(samples.count == Self.rounds)
            print("open container netns + netlink socket on a dedicated thread: median \(Self.ms(Self.median(samples.map(\.open)))) ms")
            print("VethPair.create: median \(Self.ms(Self.median(samples.map(\.create)))) ms")
            print("InterfaceConfiguration.apply (IPv4 address, up, default route): median \(Self.ms(Self.median(samples.map(\.configure)))) ms")
            print("VethPair.delete (with address listing): median \(Self.ms(Self.median(samples.map(\.delete)))) ms")
        }
    }

    /// `ip link set <index> netns <fd>`: RTM_SETLINK with IFLA_NET_NS_FD.
    static func moveRequest(index: Int32, to namespaceFD: Int32) -> NetlinkRequest {
        let bytes = MessageBuilder.build(type: 19, flags: 0x5) { b in
            b.append(header: ifinfomsg(ifi_family: 0, __ifi_pad: 0, ifi_type: 0, ifi_index: index, ifi_flags: 0, ifi_change: 0))
            b.put(28, u32: UInt32(bitPattern: namespaceFD))  // IFLA_NET_NS_FD
        }
        return NetlinkRequest(operation: "move link #\(index)", bytes: bytes)
    }

    static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
    static func ms(_ seconds: Double) -> String {
        let hundredths = Int((seconds * 100_000).rounded())
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
    }
}
