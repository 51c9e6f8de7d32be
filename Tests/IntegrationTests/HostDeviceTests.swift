import CNITestSupport
import Foundation
import Testing

/// host-device against the kernel. The "device" is the veth `uplink0` of a throwaway node, its
/// peer `wire0` the far end of the cable: traffic over it proves the device works after each move.
///
/// What the kernel does when a container's namespace is deleted with a moved device inside depends
/// on the device: a physical NIC (no `rtnl_link_ops`, or `netns_refund`) goes back to the
/// *initial* namespace, under its container name (or `dev<N>`) and with our alias; a veth is
/// destroyed with its peer. A test cannot make a physical NIC, and the initial namespace is the
/// machine's own, so `reclaimsADeviceTheKernelReturned` puts a device in the node namespace in the
/// state the kernel leaves a returned NIC in, and checks that DEL finds it and names it back.
@Suite(.enabled(if: isPrivileged), .serialized)
struct HostDeviceTests {
    @Test func roundTripKeepsTheDeviceWorking() throws {
        let lab = try InterfaceLab(plugin: "host-device")
        defer { lab.delete() }
        let ctr = try lab.container()
        let far = try lab.container()  // the other end of the cable
        try lab.host.check(["ip", "link", "set", "wire0", "netns", far.path])
        try far.check(["ip", "addr", "add", "10.66.0.9/24", "dev", "wire0"])
        try far.check(["ip", "link", "set", "wire0", "up"])
        try lab.host.check(["ip", "link", "set", "uplink0", "alias", "hostdev1"])  // our alias replaces it
        let mac = try #require(InterfaceLab.link(lab.host, "uplink0")?["address"] as? String)
        let config = lab.config(["hwaddr": mac], ipam: lab.ipam(["10.66.0.0/24"]))
        let result = try lab.add(ctr, config, ifName: "net1")
        #expect((result["interfaces"] as? [[String: Any]])?.first?["mac"] as? String == mac)
        #expect(InterfaceLab.link(lab.host, "uplink0") == nil)
        let inside = try #require(InterfaceLab.link(ctr, "net1"))
        #expect(inside["ifalias"] as? String == "uplink0")
        #expect(try ctr.run(["ping", "-c", "1", "-W", "2", "10.66.0.9"]).succeeded)
        let withPrev = try PTPNetwork.adding(prevResult: PTPNetwork.json(result), to: config)
        #expect(try lab.run("CHECK", ctr, withPrev, ifName: "net1").status == 0)
        #expect(try lab.run("DEL", ctr, withPrev, ifName: "net1").status == 0)
        let back = try #require(InterfaceLab.link(lab.host, "uplink0"))
        #expect(back["ifalias"] == nil && back["address"] as? String == mac)
        #expect(lab.leases() == [])
        // Back on the node it works again, and DEL a second time is done.
        try lab.host.check(["ip", "link", "set", "uplink0", "up"])
        try lab.host.check(["ip", "addr", "add", "10.66.0.8/24", "dev", "uplink0"])
        #expect(try lab.host.run(["ping", "-c", "1", "-W", "2", "10.66.0.9"]).succeeded)
        #expect(try lab.run("DEL", ctr, withPrev, ifName: "net1").status == 0)
    }

    @Test func useInterfaceNetworkCarriesAddressesAndRoutes() throws {
        let lab = try InterfaceLab(plugin: "host-device")
        defer { lab.delete() }
        let ctr = try lab.container()
        try lab.host.check(["ip", "addr", "add", "10.67.0.5/24", "dev", "uplink0"])
        try lab.host.check(["ip", "route", "add", "10.68.0.0/16", "via", "10.67.0.1", "dev", "uplink0"])
        try lab.host.check(["ip", "addr", "add", "10.67.0.1/24", "dev", "wire0"])
        let config = lab.config(["device": "uplink0", "useInterfaceNetwork": true], ipam: nil)
        let result = try lab.add(ctr, config, ifName: "net1")
        let ips = (result["ips"] as? [[String: Any]] ?? []).compactMap { $0["address"] as? String }
        #expect(ips == ["10.67.0.5/24"])
        let routes = (result["routes"] as? [[String: Any]] ?? []).compactMap { $0["dst"] as? String }
        #expect(routes == ["10.68.0.0/16"])
        #expect(try routeLines(ctr, family: "-4").contains("10.68.0.0/16 via 10.67.0.1 dev net1"))
        #expect(try ctr.run(["ping", "-c", "1", "-W", "2", "10.67.0.1"]).succeeded)
        #expect(try lab.run("DEL", ctr, config, ifName: "net1").status == 0)
        #expect(InterfaceLab.link(lab.host, "uplink0") != nil)
    }

    @Test func reclaimsADeviceTheKernelReturned() throws {
        let lab = try InterfaceLab(plugin: "host-device")
        defer { lab.delete() }
        // As the kernel leaves a physical NIC whose container namespace went away: down, under the
        // container's name, with the alias our ADD gave it.
        try lab.host.check(["ip", "link", "set", "uplink0", "down"])
        try lab.host.check(["ip", "link", "set", "uplink0", "name", "net1"])
        try lab.host.check(["ip", "link", "set", "net1", "alias", "uplink0"])
        let config = lab.config(["device": "uplink0"], ipam: nil)
        #expect(try lab.run("DEL", nil, config, ifName: "net1").status == 0)
        let back = try #require(InterfaceLab.link(lab.host, "uplink0"))
        #expect(back["ifalias"] == nil)
        #expect(InterfaceLab.link(lab.host, "net1") == nil)
    }

    @Test func deletedNamespaceWithAVethAndRollback() throws {
        let lab = try InterfaceLab(plugin: "host-device")
        defer { lab.delete() }
        let ctr = try lab.container()
        // A failing IPAM: the device comes back under its name.
        let failing = lab.config(["device": "uplink0"], ipam: ["type": "no-such-ipam"])
        #expect(try lab.run("ADD", ctr, failing, ifName: "net1").status != 0)
        #expect(InterfaceLab.link(lab.host, "uplink0")?["ifalias"] == nil)
        #expect(try InterfaceLab.links(ctr) == [])
        // Selection errors.
        #expect(InterfaceLab.code(try lab.run("ADD", ctr, lab.config([:], ipam: nil), ifName: "net1")) == 7)
        #expect(InterfaceLab.code(try lab.run("ADD", ctr, lab.config(["kernelpath": "/tmp/x"], ipam: nil), ifName: "net1")) == 7)
        #expect(InterfaceLab.code(try lab.run("ADD", ctr, lab.config(["device": "gone0"], ipam: nil), ifName: "net1")) == 999)
        // A veth dies with the namespace (the kernel destroys virtual devices): DEL still succeeds.
        let config = lab.config(["device": "uplink0"])
        try lab.add(ctr, config, ifName: "net1")
        ctr.delete()
        #expect(try lab.run("DEL", ctr, config, ifName: "net1").status == 0)
        #expect(lab.leases() == [])
        // The kernel destroys the pair asynchronously.
        let deadline = Date().addingTimeInterval(5)
        while try !InterfaceLab.links(lab.host).isEmpty && Date() < deadline { usleep(20_000) }
        #expect(try InterfaceLab.links(lab.host) == [])
    }
}
