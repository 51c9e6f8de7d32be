import DomainErrors
import CNI
import NetAddress
import Netlink
import PluginKit
import Testing

@testable import SBR
@testable import VRF

/// sbr's and vrf's options and the pure parts of their logic (which addresses, which routes).
struct SBRAndVRFConfigTests {
    static func conf(_ type: String, _ members: String) throws -> NetworkConfig {
        try NetworkConfig(bytes: Array(#"{"cniVersion":"1.0.0","name":"n","type":"\#(type)"\#(members.isEmpty ? "" : ",")\#(members)}"#.utf8))
    }

    @Test func sbrOptions() throws {
        let c = try SBRConfig(Self.conf("sbr", #""table":500,"gateways":["10.0.0.1","fd00::1"],"AddSourceHints":true"#))
        #expect(c.table == 500 && c.gatewayV4 == IPAddress("10.0.0.1") && c.gatewayV6 == IPAddress("fd00::1") && c.addSourceHints)
        #expect(try SBRConfig(Self.conf("sbr", #""table":null"#)).table == nil)
        for bad in [#""table":0"#, #""table":4294967296"#, #""gateways":["10.0.0.1","10.0.0.2"]"#, #""gateways":["x"]"#,
                    #""gateways":["10.0.0.1","fd00::1","fd00::2"]"#] {
            #expect(throws: PluginError.self, "\(bad)") { try SBRConfig(Self.conf("sbr", bad)) }
        }
        #expect(SBRConfig(lenient: try Self.conf("sbr", #""table":7,"gateways":5"#)).table == 7)
        let ip = CNIResult.IPConfig(interface: 0, address: IPNetwork("10.1.0.2/24")!, gateway: IPAddress("10.1.0.1"))
        #expect(c.gateway(for: ip) == IPAddress("10.0.0.1"))
        #expect(try SBRConfig(Self.conf("sbr", "")).gateway(for: ip) == IPAddress("10.1.0.1"))
    }

    @Test func sbrAddressesAndRoutesFollowTheReference() throws {
        let result = CNIResult(
            interfaces: [.init(name: "eth0", sandbox: "/x"), .init(name: "net1", sandbox: "/x")],
            ips: [
                .init(interface: 0, address: IPNetwork("10.1.0.2/24")!), .init(interface: 1, address: IPNetwork("10.2.0.2/24")!),
                .init(address: IPNetwork("10.3.0.2/24")!), .init(interface: 9, address: IPNetwork("10.4.0.2/24")!),
            ])
        // The interface's own, those naming no interface and those with an index out of range.
        #expect(result.sourceRoutedIPs(ifName: "net1").map(\.address.description) == ["10.2.0.2/24", "10.3.0.2/24", "10.4.0.2/24"])
        let subnet = IPNetwork("10.1.0.2/24")!
        #expect(SourceRouting.belongs(Netlink.Route(destination: IPNetwork("0.0.0.0/0")!, gateway: IPAddress("10.1.0.1")), to: subnet))
        #expect(SourceRouting.belongs(Netlink.Route(destination: IPNetwork("10.1.0.0/24")!, preferredSource: IPAddress("10.1.0.2")), to: subnet))
        #expect(SourceRouting.belongs(Netlink.Route(destination: IPNetwork("fd01::/64")!), to: subnet), "a connected prefix of any family")
        #expect(!SourceRouting.belongs(Netlink.Route(destination: IPNetwork("0.0.0.0/0")!, gateway: IPAddress("10.9.0.1")), to: subnet))
        #expect(SourceRouting.freeTable(from: 100, used: [100, 101, 103]) == 102)
    }

    @Test func vrfOptions() throws {
        let c = try VRFConfig(Self.conf("vrf", #""VRFName":"blue","table":42"#))
        #expect(c.vrfName == "blue" && c.table == 42)
        #expect(try VRFConfig(Self.conf("vrf", #""vrfname":"blue","table":0"#)).table == nil)
        for (bad, kind) in [("", ErrorKind.invalidConfig), (#""vrfname":"""#, .invalidConfig), (#""vrfname":"a/b""#, .invalidConfig),
                            (#""vrfname":"blue","table":-1"#, .decoding), (#""vrfname":5"#, .decoding)] {
            let error = try #require(throws: PluginError.self, "\(bad)") { try VRFConfig(Self.conf("vrf", bad)) }
            #expect(error.kind == kind, "\(bad)")
        }
        #expect(VRFConfig.lenient(try Self.conf("vrf", #""vrfname":"blue","table":"x""#)) == "blue")
        #expect(VRFConfig.lenient(try Self.conf("vrf", #""vrfname":5"#)) == nil)
    }
}
