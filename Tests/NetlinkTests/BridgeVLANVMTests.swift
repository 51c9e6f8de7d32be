import CNITestSupport
import Foundation
import LinuxNet
import Netlink
import Testing

/// Per-port bridge VLANs on a kernel with VLAN filtering (`CONFIG_BRIDGE_VLAN_FILTERING`), which the
/// development machines' kernel lacks: scripts/vm/test.sh runs this suite in the VM. Without it,
/// `KernelBridgeTests` checks that the same requests are refused as iproute2's are.
@Suite(.needsKernel(.bridgeVLANFiltering)) struct BridgeVLANVMTests {
    @Test func portVLANsAddDeleteAndDump() throws {
        try withNetlinkNamespace { ns, netlink in
            try netlink.addBridge(BridgeSpec(name: "br0", vlanFiltering: true))
            try netlink.addVeth(VethSpec(name: "p0", peerName: "p1"))
            let bridge = try #require(try netlink.link(named: "br0"))
            let port = try #require(try netlink.link(named: "p0"))
            try netlink.setMaster(port, bridge)
            // A new port starts in the default VLAN 1 (PVID, untagged).
            #expect(try netlink.bridgeVLANs(of: port) == [BridgeVLAN(id: 1, flags: [.pvid, .untagged])])

            try netlink.deleteBridgeVLAN(.tagged(1), from: port)
            try netlink.addBridgeVLAN(.access(100), to: port)
            try netlink.addBridgeVLAN(.tagged(200), to: port)
            try netlink.addBridgeVLAN(.tagged(201), to: port)
            let vlans = try netlink.bridgeVLANs(of: port)
            #expect(vlans == [.access(100), .tagged(200), .tagged(201)])

            let json = try ns.bridgeJSON(["vlan", "show", "dev", "p0"])
            let entries = (json.first?["vlans"] as? [[String: Any]]) ?? []
            #expect(entries.compactMap { $0.int("vlan") } == [100, 200, 201])
            #expect(entries.first?.strings("flags").sorted() == ["Egress Untagged", "PVID"])

            try netlink.deleteBridgeVLAN(.tagged(200), from: port)
            #expect(try netlink.bridgeVLANs(of: port).map(\.id) == [100, 201])
            #expect(try netlink.bridgeVLANs().contains { $0.index == bridge.index })
        }
    }
}
