import CNITestSupport
import Bridge
import CNI
import NFTables
import NetAddress
import Netlink
import Testing

/// From config to netlink requests, without a kernel: the port settings ADD sends for each VLAN
/// option are exactly the requests `ip link set master`, `bridge link set` and `bridge vlan`
/// send (those builders are pinned byte for byte to iproute2 in NetlinkTests). This is how VLANs
/// are proven on kernels without CONFIG_BRIDGE_VLAN_FILTERING, where the kernel tests skip.
@Suite struct BridgePortRequestTests {
    let port = Link(index: 7, name: "veth0a0b0c0d", kind: .veth, flags: .up)
    let bridge = Link(index: 3, name: "cni0", kind: .bridge, flags: .up)

    func config(_ extra: String) throws -> BridgeConfig {
        let text = #"{"cniVersion":"1.0.0","name":"n","type":"bridge""# + extra + "}"
        return try BridgeConfig(NetworkConfig(bytes: Array(text.utf8)), args: CNIArgs(""))
    }

    /// An AF_BRIDGE RTM_NEWLINK as a `bridge vlan show` dump lists a port with `vlans`.
    func vlanDumpEntry(index: Int32, vlans: [BridgeVLAN]) -> NetlinkMessage {
        func attribute(_ type: UInt16, _ payload: [UInt8]) -> [UInt8] {
            var out = le(UInt16(4 + payload.count)) + le(type) + payload
            while out.count % 4 != 0 { out.append(0) }
            return out
        }
        var header: [UInt8] = [7, 0] + le(UInt16(1)) + le(index) + le(UInt32(0)) + le(UInt32(0))  // ifinfomsg, AF_BRIDGE
        header += attribute(3, Array("veth0a0b0c0d".utf8) + [0])  // IFLA_IFNAME
        header += attribute(10, le(UInt32(3)))  // IFLA_MASTER
        let infos = vlans.flatMap { attribute(2, le($0.flags.rawValue) + le($0.id)) }  // IFLA_BRIDGE_VLAN_INFO
        header += attribute(26, infos)  // IFLA_AF_SPEC
        return NetlinkMessage(type: 16, payload: header)
    }

    func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }

    /// Applies the settings of `extra` to a port that has `existing` VLANs; returns what was sent.
    func requests(_ extra: String, existing: [BridgeVLAN] = [.access(1)]) throws -> [[UInt8]] {
        let transport = FunctionTransport { request in
            if request.flags & 0x300 == 0x300 {  // NLM_F_DUMP: the VLAN dump
                return [
                    NetlinkReplies.multipart(
                        [self.vlanDumpEntry(index: 7, vlans: existing)], answering: request, done: true)
                ]
            }
            return [NetlinkReplies.ack(to: request)]
        }
        try BridgePortSettings(config(extra)).apply(to: port, bridge: bridge, netlink: RouteNetlink(transport: transport))
        return transport.requests.map { message in
            var m = message
            m.sequence = 0
            m.portID = 0
            return m.bytes
        }
    }

    var master: [UInt8] { NetlinkRequest.setLink(index: 7, name: port.name, LinkChanges(masterIndex: 3)).bytes }
    func flags(hairpin: Bool, isolated: Bool? = nil) -> [UInt8] {
        NetlinkRequest.setBridgePort(index: 7, name: port.name, BridgePortFlags(hairpin: hairpin, isolated: isolated)).bytes
    }
    func add(_ vlan: BridgeVLAN) -> [UInt8] { NetlinkRequest.bridgeVLAN(add: true, vlan, port: 7, name: port.name).bytes }
    func delete(_ id: UInt16) -> [UInt8] { NetlinkRequest.bridgeVLAN(add: false, BridgeVLAN(id: id), port: 7, name: port.name).bytes }
    var dump: [UInt8] { NetlinkRequest.dumpBridgeVLANs().bytes }

    @Test func plainPortIsMasterAndHairpinOnly() throws {
        #expect(try requests("") == [master, flags(hairpin: false)])
        #expect(try requests(#","hairpinMode":true"#) == [master, flags(hairpin: true)])
        #expect(try requests(#","portIsolation":true"#) == [master, flags(hairpin: false, isolated: true)])
    }

    @Test func accessVLANReplacesTheDefaultVLAN() throws {
        #expect(try requests(#","vlan":100"#, existing: [.access(1)]) == [master, flags(hairpin: false), dump, delete(1), add(.access(100))])
    }

    @Test func preserveDefaultVlanKeepsIt() throws {
        #expect(try requests(#","vlan":100,"preserveDefaultVlan":true"#) == [master, flags(hairpin: false), add(.access(100))])
    }

    @Test func trunkWithoutVLANGetsNativeVLAN1() throws {
        let sent = try requests(#","vlanTrunk":[{"minID":20,"maxID":22},{"id":1}]"#, existing: [.access(1), .tagged(5)])
        #expect(sent == [master, flags(hairpin: false), dump, delete(1), delete(5), add(.access(1)), add(.tagged(20)), add(.tagged(21)), add(.tagged(22))])
    }

    @Test func trunkWithVLANUsesItAsNative() throws {
        let sent = try requests(#","vlan":30,"vlanTrunk":[{"id":30},{"id":40}],"preserveDefaultVlan":true"#)
        #expect(sent == [master, flags(hairpin: false), add(.access(30)), add(.tagged(40))])
    }

    @Test func vlanPlanValues() {
        #expect(PortVLANPlan(vlan: 0, trunk: [], preserveDefaultVlan: false).isEmpty)
        #expect(PortVLANPlan(vlan: 5, trunk: [], preserveDefaultVlan: false) == PortVLANPlan(clearExisting: true, vlans: [.access(5)]))
    }

    @Test func bridgeRequestTurnsOnVLANFilteringOnlyWithVLANs() throws {
        #expect(try config(#","vlan":3"#).usesVLANs)
        #expect(try config(#","vlanTrunk":[{"id":3}]"#).usesVLANs)
        #expect(try !config("").usesVLANs)
    }
}

/// The spoof-check rules are the reference's, expression for expression (as `nft` encodes
/// `iifname "…" jump …` and `ether saddr … return` in the bridge family).
@Suite struct SpoofCheckRuleTests {
    @Test func layout() throws {
        let check = SpoofCheck(containerID: "ctr1", ifName: "eth0")
        #expect(check.comment == "macspoofchk-ctr1-eth0")
        #expect(check.interfaceChain.description == "bridge nat cni-br-iface-ctr1-eth0")
        #expect(check.macChain.description == "bridge nat cni-br-iface-ctr1-eth0-mac")
        let rules = check.rules(hostInterface: "veth1234", mac: MACAddress("0a:58:0a:00:00:02")!)
        #expect(rules.map(\.chain.name) == ["PREROUTING", "cni-br-iface-ctr1-eth0", "cni-br-iface-ctr1-eth0-mac", "cni-br-iface-ctr1-eth0-mac"])
        #expect(rules.allSatisfy { $0.comment == "macspoofchk-ctr1-eth0" })
        // nft --debug=netlink: [ meta load iifname => reg 1 ] [ cmp eq reg 1 0x68746576 0x34333231 0x0 0x0 ]
        #expect(rules[0].expressions == [
            .meta(.iifname, register: 1), .cmp(.eq, register: 1, data: Array("veth1234".utf8) + [UInt8](repeating: 0, count: 8)),
            .verdict(.jump("cni-br-iface-ctr1-eth0")),
        ])
        #expect(rules[1].expressions == [.verdict(.jump("cni-br-iface-ctr1-eth0-mac"))])
        // [ payload load 6b @ link header + 6 => reg 1 ] [ cmp eq reg 1 0x000a580a 0x00000200 ] [ immediate reg 0 return ]
        #expect(rules[2].expressions == [
            .payload(.link, offset: 6, length: 6, register: 1), .cmp(.eq, register: 1, data: [0x0a, 0x58, 0x0a, 0, 0, 2]),
            .verdict(.return),
        ])
        #expect(rules[3].expressions == [.verdict(.drop)])
    }
}
