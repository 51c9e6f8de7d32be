import CNITestSupport
import Foundation
import LinuxNet
import NetAddress
import Netlink
import Testing

/// dummy, vlan, ipvlan and vrf links made through ``RouteNetlink/addLink(_:)`` in throwaway
/// namespaces, read back through our decoding and checked against `ip -d -j link`. The
/// development machines' kernel lacks these kinds: scripts/vm/test.sh runs this suite in the VM.
@Suite(.needsKernel(.dummy, .vlan, .ipvlan, .vrf)) struct LinkTypeVMTests {
    @Test func everyKindInOneNamespace() throws {
        try withNetlinkNamespace { ns, netlink in
            let mac = MACAddress("02:00:00:00:01:01")!
            try netlink.addLink(LinkSpec(name: "uplink0", type: .dummy, mtu: 9000, mac: mac))
            let uplink = try #require(try netlink.link(named: "uplink0"))
            #expect(uplink.linkType == .dummy && uplink.kind == LinkType.dummy.kind)
            #expect(uplink.mtu == 9000 && uplink.mac == mac)

            try netlink.addLink(LinkSpec(name: "uplink0.100", type: .vlan(id: 100), parentIndex: uplink.index, mtu: 1400))
            try netlink.addLink(LinkSpec(name: "ipvl0", type: .ipvlan(mode: .l3, flag: .private), parentIndex: uplink.index))
            try netlink.addLink(LinkSpec(name: "blue", type: .vrf(table: 1001)))

            let vlan = try #require(try netlink.link(named: "uplink0.100"))
            #expect(vlan.linkType == .vlan(id: 100) && vlan.linkIndex == uplink.index && vlan.mtu == 1400)
            let ipvlan = try #require(try netlink.link(named: "ipvl0"))
            #expect(ipvlan.linkType == .ipvlan(mode: .l3, flag: .private) && ipvlan.linkIndex == uplink.index)
            #expect(ipvlan.mac == mac)  // an ipvlan always wears its parent's address
            let vrf = try #require(try netlink.link(named: "blue"))
            #expect(vrf.linkType == .vrf(table: 1001))

            // iproute2's view of the same links.
            #expect(try ns.ipLink("uplink0")["linkinfo", "info_kind"] as? String == "dummy")
            let vlanJSON = try ns.ipLink("uplink0.100")
            #expect(vlanJSON["linkinfo", "info_kind"] as? String == "vlan")
            #expect(vlanJSON["linkinfo", "info_data", "id"] as? Int == 100)
            #expect(vlanJSON["linkinfo", "info_data", "protocol"] as? String == "802.1Q")
            #expect(vlanJSON.string("link") == "uplink0")
            let ipvlanJSON = try ns.ipLink("ipvl0")
            #expect(ipvlanJSON["linkinfo", "info_kind"] as? String == "ipvlan")
            #expect(ipvlanJSON["linkinfo", "info_data", "mode"] as? String == "l3")
            #expect(ipvlanJSON["linkinfo", "info_data", "private"] as? Bool == true)
            #expect(ipvlanJSON.string("link") == "uplink0")
            let vrfJSON = try ns.ipLink("blue")
            #expect(vrfJSON["linkinfo", "info_kind"] as? String == "vrf")
            #expect(vrfJSON["linkinfo", "info_data", "table"] as? Int == 1001)

            // The dump decodes the same values as the lookups.
            let dumped = Dictionary(uniqueKeysWithValues: try netlink.links().map { ($0.name, $0.linkType) })
            #expect(dumped["uplink0.100"] == .vlan(id: 100) && dumped["blue"] == .vrf(table: 1001))

            // Refusals come back as typed errors with the kernel's reason.
            let exists = try #require(throws: NetlinkError.self) {
                try netlink.addLink(LinkSpec(name: "uplink0.100", type: .vlan(id: 101), parentIndex: uplink.index))
            }
            #expect(exists.isExists)
            #expect(throws: NetlinkError.self) { try netlink.addLink(LinkSpec(name: "orphan0", type: .vlan(id: 7))) }
        }
    }

    /// What the vlan and ipvlan plugins do: the parent stays in the node's namespace and the new
    /// link is born in the container's, named as the container wants it.
    @Test func vlanAndIPVLANStraightIntoAnotherNamespace() throws {
        try withTestNamespaces(2, prefix: "nl") { namespaces in
            let (hostNS, ctrNS) = (namespaces[0], namespaces[1])
            let host = try NetworkNamespace.open(path: hostNS.path)
            let container = try NetworkNamespace.open(path: ctrNS.path)
            let hostNetlink = try host.openNetlink()
            let ctrNetlink = try container.openNetlink()
            try hostNetlink.addLink(LinkSpec(name: "uplink0", type: .dummy))
            let uplink = try #require(try hostNetlink.link(named: "uplink0"))

            let into = container.descriptor
            try hostNetlink.addLink(LinkSpec(name: "eth0", type: .vlan(id: 42), parentIndex: uplink.index, namespaceFD: into, mtu: 1450))
            try hostNetlink.addLink(LinkSpec(name: "eth1", type: .ipvlan(mode: .l2), parentIndex: uplink.index, namespaceFD: into))
            #expect(try hostNetlink.link(named: "eth0") == nil && hostNetlink.link(named: "eth1") == nil)

            let vlan = try #require(try ctrNetlink.link(named: "eth0"))
            #expect(vlan.linkType == .vlan(id: 42) && vlan.mtu == 1450 && vlan.linkNetNSID != nil)
            let ipvlan = try #require(try ctrNetlink.link(named: "eth1"))
            #expect(ipvlan.linkType == .ipvlan(mode: .l2, flag: .bridge) && ipvlan.linkNetNSID != nil)
            #expect(try ctrNS.ipLink("eth0")["linkinfo", "info_data", "id"] as? Int == 42)
            #expect(try ctrNS.ipLink("eth1")["linkinfo", "info_data", "mode"] as? String == "l2")
        }
    }
}
