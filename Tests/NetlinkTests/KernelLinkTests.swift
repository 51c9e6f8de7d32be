import CNITestSupport
import Foundation
import LinuxNet
import NetAddress
import Netlink
import SystemPackage
import Testing

/// Link verbs against the real kernel, each in its own throwaway namespace, checked with `ip -j`.
@Suite(.enabled(if: isPrivileged)) struct KernelLinkTests {
    @Test func lookupsAndDumpAgreeWithIproute2() throws {
        try withNetlinkNamespace { ns, netlink in
            try ns.ip("link", "add", "dummy0", "mtu", "1300", "type", "ifb")
            #expect(try netlink.link(named: "missing0") == nil)
            #expect(try netlink.link(index: 9999) == nil)
            let dummy = try #require(try netlink.link(named: "dummy0"))
            let json = try ns.ipLink("dummy0")
            #expect(Int(dummy.index) == json.int("ifindex"))
            #expect(dummy.mtu == 1300)
            #expect(dummy.mac?.description == json.string("address"))
            #expect(dummy.kind == .other("ifb"))
            #expect(try netlink.link(index: dummy.index) == dummy)
            let lo = try #require(try netlink.link(named: "lo"))
            #expect(lo.kind == nil && lo.flags.contains(.loopback) && lo.isUp)
            let all = try netlink.links()
            #expect(Set(all.map(\.name)) == Set(try ns.ipJSON(["link", "show"]).compactMap { $0.string("ifname") }))
        }
    }

    @Test func addVethInOneNamespaceAndDelete() throws {
        try withNetlinkNamespace { ns, netlink in
            let mac = MACAddress("02:42:ac:11:00:02")!
            try netlink.addVeth(VethSpec(name: "ve0", peerName: "ve1", mtu: 1400, mac: mac))
            let a = try #require(try netlink.link(named: "ve0"))
            let b = try #require(try netlink.link(named: "ve1"))
            #expect(a.kind == .veth && b.kind == .veth)
            #expect(a.mac == mac && a.mtu == 1400 && b.mtu == 1400)
            #expect(a.linkIndex == b.index && b.linkIndex == a.index && a.linkNetNSID == nil)
            let json = try ns.ipLink("ve0")
            #expect(json.string("address") == "02:42:ac:11:00:02")
            #expect(json["linkinfo", "info_kind"] as? String == "veth")
            #expect(json.int("mtu") == 1400)

            // EEXIST is reported as such, with the kernel's reason.
            let error = try #require(throws: NetlinkError.self) {
                try netlink.addVeth(VethSpec(name: "ve0", peerName: "ve2"))
            }
            #expect(error.isExists)

            try netlink.deleteLink(a)
            #expect(try netlink.link(named: "ve0") == nil)
            #expect(try netlink.link(named: "ve1") == nil)  // deleting one end removes the pair
            let gone = try #require(throws: NetlinkError.self) { try netlink.deleteLink(a) }
            #expect(gone.isNotFound)
        }
    }

    @Test func vethPeerDirectlyInAnotherNamespace() throws {
        try withTestNamespaces(2, prefix: "nl") { namespaces in
            let (ctrNS, hostNS) = (namespaces[0], namespaces[1])
            let container = try NetworkNamespace.open(path: ctrNS.path)
            let host = try NetworkNamespace.open(path: hostNS.path)
            let ctrNetlink = try container.openNetlink()
            let hostNetlink = try host.openNetlink()
            try ctrNetlink.addVeth(VethSpec(name: "eth0", peerName: "vethpeer0", peerNamespaceFD: host.descriptor, mtu: 1450))
            let ctrEnd = try #require(try ctrNetlink.link(named: "eth0"))
            let hostEnd = try #require(try hostNetlink.link(named: "vethpeer0"))
            #expect(try ctrNetlink.link(named: "vethpeer0") == nil)
            #expect(try hostNetlink.link(named: "eth0") == nil)
            // Each end names its peer by the peer's index in the peer's namespace.
            #expect(ctrEnd.linkIndex == hostEnd.index && hostEnd.linkIndex == ctrEnd.index)
            #expect(ctrEnd.linkNetNSID != nil && hostEnd.linkNetNSID != nil)
            #expect(try ctrNS.ipLink("eth0").int("mtu") == 1450)
            #expect(try hostNS.ipLink("vethpeer0").int("mtu") == 1450)
        }
    }

    @Test func setUpDownMTUMACPromiscuous() throws {
        try withNetlinkNamespace { ns, netlink in
            try ns.ip("link", "add", "d0", "type", "veth", "peer", "name", "d1")
            var link = try #require(try netlink.link(named: "d0"))
            try netlink.setUp(link)
            #expect(try ns.ipLink("d0").strings("flags").contains("UP"))
            #expect(try netlink.link(named: "d0")?.isUp == true)
            try netlink.setDown(link)
            #expect(try !ns.ipLink("d0").strings("flags").contains("UP"))
            try netlink.setMTU(link, 1280)
            #expect(try ns.ipLink("d0").int("mtu") == 1280)
            try netlink.setMAC(link, MACAddress("0a:58:0a:f4:00:01")!)
            #expect(try ns.ipLink("d0").string("address") == "0a:58:0a:f4:00:01")
            try netlink.setPromiscuous(link, true)
            #expect(try ns.ipLink("d0").strings("flags").contains("PROMISC"))
            link = try #require(try netlink.link(named: "d0"))
            #expect(link.flags.contains(.promiscuous))
            try netlink.setPromiscuous(link, false)
            #expect(try !ns.ipLink("d0").strings("flags").contains("PROMISC"))
            // Several changes in one request.
            try netlink.setLink(link, LinkChanges(up: true, mtu: 1400))
            let json = try ns.ipLink("d0")
            #expect(json.int("mtu") == 1400 && json.strings("flags").contains("UP"))
        }
    }

    @Test func kernelExtendedAckReachesTheError() throws {
        try withNetlinkNamespace { ns, netlink in
            try ns.ip("link", "add", "d0", "type", "veth", "peer", "name", "d1")
            let link = try #require(try netlink.link(named: "d0"))
            let error = try #require(throws: NetlinkError.self) { try netlink.setMTU(link, 70000) }
            #expect(error.errno == .invalidArgument)
            #expect(error.extendedAck?.isEmpty == false)
            #expect(error.description.hasPrefix("netlink set link d0 mtu 70000: Invalid argument (kernel: \""))
        }
    }
}
