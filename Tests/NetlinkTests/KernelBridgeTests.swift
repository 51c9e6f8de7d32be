import CNITestSupport
import Foundation
import LinuxNet
import Netlink
import Testing

/// Bridge, bridge-port and VLAN verbs against the real kernel, checked with `ip -j -d` and `bridge -j`.
@Suite(.enabled(if: isPrivileged)) struct KernelBridgeTests {
    @Test func bridgeAndPort() throws {
        try withNetlinkNamespace { ns, netlink in
            try netlink.addBridge(BridgeSpec(name: "br0", mtu: 1400))
            #expect(throws: NetlinkError.self) { try netlink.addBridge(BridgeSpec(name: "br0")) }
            let bridge = try #require(try netlink.link(named: "br0"))
            #expect(bridge.kind == .bridge && bridge.bridge?.vlanFiltering == false && bridge.mtu == 1400)
            #expect(try ns.ipLink("br0")["linkinfo", "info_data", "vlan_filtering"] as? Int == 0)

            try netlink.addVeth(VethSpec(name: "p0", peerName: "p1"))
            let port = try #require(try netlink.link(named: "p0"))
            try netlink.setMaster(port, bridge)
            #expect(try ns.ipLink("p0").string("master") == "br0")
            let enslaved = try #require(try netlink.link(named: "p0"))
            #expect(enslaved.masterIndex == bridge.index)
            #expect(enslaved.bridgePort?.learning == true && enslaved.bridgePort?.hairpin == false)

            try netlink.setMaster(port, nil)
            #expect(try ns.ipLink("p0").string("master") == nil)
        }
    }

    @Test func bridgePortFlags() throws {
        try withNetlinkNamespace { ns, netlink in
            try netlink.addBridge(BridgeSpec(name: "br0"))
            try netlink.addVeth(VethSpec(name: "p0", peerName: "p1"))
            let bridge = try #require(try netlink.link(named: "br0"))
            let port = try #require(try netlink.link(named: "p0"))
            try netlink.setMaster(port, bridge)

            try netlink.setBridgePort(port, BridgePortFlags(hairpin: true, isolated: true, learning: false))
            var slave = try ns.ipLink("p0")["linkinfo", "info_slave_data"] as? [String: Any] ?? [:]
            #expect(slave["hairpin"] as? Bool == true)
            #expect(slave["isolated"] as? Bool == true)
            #expect(slave["learning"] as? Bool == false)
            let info = try #require(try netlink.link(named: "p0")?.bridgePort)
            #expect(info.hairpin && info.isolated && !info.learning)

            try netlink.setBridgePort(port, BridgePortFlags(hairpin: false))
            slave = try ns.ipLink("p0")["linkinfo", "info_slave_data"] as? [String: Any] ?? [:]
            #expect(slave["hairpin"] as? Bool == false)
            #expect(slave["isolated"] as? Bool == true)  // untouched
        }
    }

    @Test func vlanFilteringBridge() throws {
        try withNetlinkNamespace { ns, netlink in
            do {
                try netlink.addBridge(BridgeSpec(name: "br0", vlanFiltering: true))
            } catch let error as NetlinkError where error.errno == .notSupportedOnSocket && !KernelFeature.bridgeVLANFiltering.isAvailable {
                return  // CONFIG_BRIDGE_VLAN_FILTERING is off: the refusal is the expected outcome.
            }
            #expect(try netlink.link(named: "br0")?.bridge?.vlanFiltering == true)
            #expect(try ns.ipLink("br0")["linkinfo", "info_data", "vlan_filtering"] as? Int == 1)
        }
    }

    @Test func vlanDumpWorksWithoutFiltering() throws {
        try withNetlinkNamespace { ns, netlink in
            try netlink.addBridge(BridgeSpec(name: "br0"))
            try netlink.addVeth(VethSpec(name: "p0", peerName: "p1"))
            let port = try #require(try netlink.link(named: "p0"))
            let bridge = try #require(try netlink.link(named: "br0"))
            try netlink.setMaster(port, bridge)
            let ports = try netlink.bridgeVLANs()
            #expect(ports.contains { $0.name == "p0" && $0.masterIndex != nil })
            if !KernelFeature.bridgeVLANFiltering.isAvailable {
                #expect(try netlink.bridgeVLANs(of: port).isEmpty)
                // The request gets as far as the bridge's VLAN code, which refuses like iproute2's.
                let ours = try #require(throws: NetlinkError.self) { try netlink.addBridgeVLAN(.access(100), to: port) }
                let theirs = try Command.run(["bridge", "-n", ns.name, "vlan", "add", "dev", "p0", "vid", "100", "pvid", "untagged", "master"])
                #expect(ours.errno == .notSupportedOnSocket)
                #expect(!theirs.succeeded && theirs.stderr.contains("Operation not supported"))
            }
        }
    }
}
