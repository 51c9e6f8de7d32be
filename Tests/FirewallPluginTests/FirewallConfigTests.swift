import CNI
import Firewall
import NetAddress
import Testing

@testable import FirewallPlugin

/// The reference's FirewallNetConf read with Go's rules, and what we refuse up front.
struct FirewallConfigTests {
    static let prev = #"""
        {"cniVersion":"1.0.0","interfaces":[{"name":"cni0"},{"name":"veth1"},{"name":"eth0","sandbox":"/run/netns/c"}],
         "ips":[{"interface":2,"address":"10.88.0.2/16","gateway":"10.88.0.1"},{"interface":2,"address":"fd00:88::2/64"}]}
        """#

    static func config(_ extra: String = "", prev: String? = prev) throws -> FirewallConfig {
        var text = #"{"cniVersion":"1.0.0","name":"mynet","type":"firewall""#
        if let prev { text += #","prevResult":\#(prev)"# }
        text += extra + "}"
        return try FirewallConfig(NetworkConfig(bytes: Array(text.utf8)))
    }

    static func error(_ extra: String) -> CNIError? {
        do {
            _ = try config(extra)
            return nil
        } catch let e as FirewallPluginError {
            return e.cniError
        } catch {
            return CNIError(.internal, "\(error)")
        }
    }

    @Test func defaultsAreTheReferences() throws {
        let c = try Self.config()
        #expect(c.backend == nil && c.adminChain == "CNI-ADMIN" && c.zone == "trusted" && c.ingressPolicy == .open)
        let a = c.attachment(containerID: "ctr1", ifName: "eth0")
        #expect(a.bridge == "cni0")
        #expect(a.hosts(.v4) == [IPAddress("10.88.0.2")!] && a.hosts(.v6) == [IPAddress("fd00:88::2")!])
        #expect(try a.isolatedBridge() == nil)
    }

    @Test func optionsAndKeyCase() throws {
        let c = try Self.config(
            #","Backend":"nftables","IPTABLESADMINCHAINNAME":"MY-ADMIN","firewalldzone":"public","IngressPolicy":"isolated""#)
        #expect(c.backend == .nftables && c.adminChain == "MY-ADMIN" && c.zone == "public" && c.ingressPolicy == .isolated)
        // null and "" keep the defaults.
        let d = try Self.config(#","backend":null,"iptablesAdminChainName":"","firewalldZone":null,"ingressPolicy":"""#)
        #expect(d.backend == nil && d.adminChain == "CNI-ADMIN" && d.zone == "trusted" && d.ingressPolicy == .open)
        #expect(try Self.config(#","backend":"firewalld""#).backend == .firewalld)
        #expect(try Self.config(#","ingressPolicy":"same-bridge""#).ingressPolicy == .sameBridge)
    }

    @Test func refusedUpFront() {
        #expect(Self.error(#","backend":"pf""#)?.code == .invalidNetworkConfig)
        #expect(Self.error(#","ingressPolicy":"closed""#)?.msg == #"unknown ingress policy: "closed""#)
        #expect(Self.error(#","ingressPolicy":"closed""#)?.code == .invalidNetworkConfig)
        for name in ["MY ADMIN", "-X", String(repeating: "A", count: 29), "ACCEPT", "a\"b"] {
            #expect(Self.error(#","iptablesAdminChainName":\#(goQuote(name))"#)?.code == .invalidNetworkConfig, "\(name)")
        }
        #expect(Self.error(#","iptablesAdminChainName":"\#(String(repeating: "A", count: 28))""#) == nil)
        #expect(Self.error(#","backend":5"#)?.code == .decodingFailure)
        #expect(Self.error(#","ingressPolicy":true"#)?.code == .decodingFailure)
    }

    @Test func isolationNeedsABridge() throws {
        let c = try Self.config(#","ingressPolicy":"same-bridge""#, prev: #"{"cniVersion":"1.0.0","ips":[{"address":"10.88.0.2/16"}]}"#)
        #expect(throws: FirewallPluginError.self) { try c.attachment(containerID: "c", ifName: "eth0").isolatedBridge() }
    }

    @Test func versionsFrom040() {
        #expect(FirewallPlugin().supportedVersions == ["0.4.0", "1.0.0", "1.1.0"])
    }
}
