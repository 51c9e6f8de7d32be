import CNI
import NetAddress
import Testing

@testable import PortMap

/// Config parsing, mappings (ranges included), the backend rule and the choice of container addresses.
struct PortMapConfigTests {
    static let prev = #"""
        {"cniVersion":"1.0.0","interfaces":[{"name":"cni0"},{"name":"veth1"},{"name":"eth0","sandbox":"/run/netns/c"}],
         "ips":[{"interface":2,"address":"10.88.0.2/16","gateway":"10.88.0.1"},{"interface":2,"address":"fd00:88::2/64"}]}
        """#

    static func config(_ extra: String = "", mappings: String? = nil, prev: String? = prev) throws -> PortMapConfig {
        var text = #"{"cniVersion":"1.0.0","name":"mynet","type":"portmap""#
        if let mappings { text += #","runtimeConfig":{"portMappings":\#(mappings)}"# }
        if let prev { text += #","prevResult":\#(prev)"# }
        text += extra + "}"
        return try PortMapConfig(NetworkConfig(bytes: Array(text.utf8)))
    }

    static func error(_ extra: String = "", mappings: String? = nil) -> PortMapError? {
        do {
            _ = try config(extra, mappings: mappings)
            return nil
        } catch let e as PortMapError {
            return e
        } catch {
            return PortMapError(.system, "\(error)")
        }
    }

    @Test func defaultsAreTheReferences() throws {
        let c = try Self.config()
        #expect(c.options.snat && !c.options.masqAll)
        #expect(c.options.markMasqBit == 13 && c.options.markSpec == "0x2000/0x2000")
        #expect(c.backend == nil && c.mappings.isEmpty)
        #expect(try Self.config(#","markMasqBit":0"#).options.markSpec == "0x1/0x1")
        #expect(try Self.config(#","markMasqBit":31"#).options.markSpec == "0x80000000/0x80000000")
    }

    @Test func mappingsParseWithRangesAndHostIP() throws {
        let c = try Self.config(
            mappings: #"""
                [{"hostPort":8080,"containerPort":80,"protocol":"tcp"},
                 {"hostPort":53,"containerPort":5353,"protocol":"UDP","hostIP":"192.168.1.1"},
                 {"hostPort":9000,"containerPort":9100,"protocol":"sctp","range":3},
                 {"hostPort":7000,"containerPort":7000,"range":5,"hostIP":"::"},
                 {"hostPort":6000,"containerPort":6000,"protocol":"tcp","hostIP":""}]
                """#)
        #expect(c.mappings.count == 5)
        #expect(c.mappings[0] == PortMapping(proto: .tcp, hostPort: 8080, containerPort: 80))
        #expect(c.mappings[1].proto == .udp && c.mappings[1].hostIP == IPAddress("192.168.1.1"))
        #expect(c.mappings[1].applies(to: .v4) && !c.mappings[1].applies(to: .v6))
        #expect(c.mappings[2].hostPorts == 9000...9002 && c.mappings[2].containerPorts == 9100...9102 && !c.mappings[2].keepsPorts)
        #expect(c.mappings[2].pairs.map { "\($0.host)>\($0.container)" } == ["9000>9100", "9001>9101", "9002>9102"])
        // No protocol means tcp; "::" publishes on IPv6 only, on every address.
        #expect(c.mappings[3].proto == .tcp && c.mappings[3].keepsPorts && c.mappings[3].count == 5)
        #expect(!c.mappings[3].applies(to: .v4) && c.mappings[3].applies(to: .v6) && c.mappings[3].destination == nil)
        #expect(c.mappings[4].hostIP == nil && c.mappings[4].applies(to: .v4) && c.mappings[4].applies(to: .v6))
    }

    /// containerd fills the capability from an untagged Go struct; Go's decoder folds the keys.
    @Test func containerdsCapitalisedKeysAreRead() throws {
        let c = try Self.config(mappings: #"[{"HostPort":18480,"ContainerPort":80,"Protocol":"tcp","HostIP":""}]"#)
        #expect(c.mappings == [PortMapping(proto: .tcp, hostPort: 18480, containerPort: 80)])
        // The same for the options, with null keeping the defaults of the reference's pointers.
        let o = try Self.config(#","SNAT":null,"MarkMasqBit":null,"masqall":"true","ConditionsV4":null"#)
        #expect(o.options.snat && o.options.markMasqBit == 13 && o.options.masqAll && o.options.conditionsV4 == nil)
        #expect(try Self.config(#","snat":"false""#).options.snat == false)
        // A repeated runtimeConfig merges; a repeated portMappings takes the last one's length.
        let merged = try Self.config(
            #","runtimeConfig":{"portMappings":[{"hostPort":1,"containerPort":2},{"hostPort":3,"containerPort":4}]},"RuntimeConfig":{"portMappings":[{"protocol":"udp"}]}"#)
        #expect(merged.mappings == [PortMapping(proto: .udp, hostPort: 1, containerPort: 2)])
        // An externalSetMarkChain of "" is still set (a Go *string), so it conflicts with markMasqBit.
        #expect(Self.error(#","externalSetMarkChain":"","markMasqBit":1"#)?.message == "Cannot specify externalSetMarkChain and markMasqBit")
    }

    @Test func badMappingsGetTheReferencesMessages() {
        #expect(Self.error(mappings: #"[{"hostPort":0,"containerPort":80}]"#)?.message == "Invalid host port number: 0")
        #expect(Self.error(mappings: #"[{"hostPort":80,"containerPort":-1}]"#)?.message == "Invalid container port number: -1")
        #expect(Self.error(mappings: #"[{"hostPort":70000,"containerPort":80}]"#)?.message == "Invalid host port number: 70000")
        #expect(Self.error(mappings: #"[{"hostPort":80}]"#)?.message == "Invalid container port number: 0")
        let proto = Self.error(mappings: #"[{"hostPort":80,"containerPort":80,"protocol":"icmp"}]"#)
        #expect(proto?.kind == .invalidConfig && proto?.message.contains(#"unsupported protocol "icmp""#) == true)
        let range = Self.error(mappings: #"[{"hostPort":65530,"containerPort":80,"range":10}]"#)
        #expect(range?.kind == .invalidConfig && range?.message.contains("ends past 65535") == true)
        #expect(Self.error(mappings: #"[{"hostPort":80,"containerPort":80,"range":0}]"#)?.kind == .invalidConfig)
        #expect(Self.error(mappings: #"[{"hostPort":80,"containerPort":80,"hostIP":"nope"}]"#)?.message.contains("invalid hostIP") == true)
        #expect(Self.error(mappings: #"[{"hostPort":"80","containerPort":80}]"#)?.kind == .decoding)
        #expect(Self.error(mappings: #"{"hostPort":80}"#)?.kind == .decoding)
    }

    @Test func optionConflictsGetTheReferencesMessages() {
        #expect(Self.error(#","markMasqBit":5,"externalSetMarkChain":"KUBE-MARK-MASQ""#)?.message
            == "Cannot specify externalSetMarkChain and markMasqBit")
        #expect(Self.error(#","markMasqBit":32"#)?.message == "MasqMarkBit must be between 0 and 31")
        #expect(Self.error(#","backend":"ebtables""#)?.message == #"unrecognized backend "ebtables""#)
        #expect(Self.error(#","snat":"yes""#)?.kind == .decoding)
    }

    @Test func backendRule() throws {
        // Unset: the node's default (FirewallBackendKind.nodeDefault, tested in FirewallTests).
        #expect(try Self.config().backend(nodeDefault: .iptables) == .iptables)
        #expect(try Self.config().backend(nodeDefault: .nftables) == .nftables)
        // Explicit wins.
        #expect(try Self.config(#","backend":"nftables""#).backend(nodeDefault: .iptables) == .nftables)
        #expect(try Self.config(#","backend":"iptables""#).backend(nodeDefault: .nftables) == .iptables)
        // Unset with backend-specific options: the backend they are written for.
        #expect(try Self.config(#","conditionsV4":["ip","saddr","10.0.0.0/8"]"#).backend(nodeDefault: .iptables) == .nftables)
        #expect(try Self.config(#","conditionsV4":["-s","10.0.0.0/8"]"#).backend(nodeDefault: .nftables) == .iptables)
        #expect(try Self.config(#","conditionsV6":["!","-s","fd00::/8"]"#).backend(nodeDefault: .nftables) == .iptables)
        #expect(try Self.config(#","externalSetMarkChain":"KUBE-MARK-MASQ""#).backend(nodeDefault: .nftables) == .iptables)
        #expect(try Self.config(#","conditionsV4":[""]"#).backend(nodeDefault: .nftables) == .nftables)
        // Options for the other backend are refused, with the reference's message.
        #expect(throws: PortMapError.self) {
            try Self.config(#","backend":"nftables","externalSetMarkChain":"X""#).backend(nodeDefault: .iptables)
        }
        do {
            _ = try Self.config(#","backend":"iptables","conditionsV4":["ip","saddr","1.2.3.4"]"#).backend(nodeDefault: .iptables)
            Issue.record("accepted nftables conditions with the iptables backend")
        } catch let error as PortMapError {
            #expect(error.message == "iptables backend was requested but configuration contains nftables-specific options [conditionsV4]")
        }
        #expect(throws: PortMapError.self) {
            try Self.config(#","conditionsV4":["-s","1.2.3.4"],"conditionsV6":["ip6","saddr","::1"]"#).backend(nodeDefault: .iptables)
        }
    }

    @Test func containerAddressesFollowTheReferencesRule() throws {
        let c = try Self.config()
        #expect(c.containerAddresses(ifName: "eth0") == [IPNetwork("10.88.0.2/16")!, IPNetwork("fd00:88::2/64")!])
        // Another ifname: its IPs point at an interface of another name, so none is ours.
        #expect(c.containerAddresses(ifName: "net1").isEmpty)
        // Host-side interfaces (no sandbox) are skipped; IPs without an interface index count; the
        // first of each family wins.
        let prev = #"""
            {"cniVersion":"1.0.0","interfaces":[{"name":"eth0"},{"name":"eth0","sandbox":"/x"}],
             "ips":[{"interface":0,"address":"10.1.0.1/24"},{"address":"10.2.0.2/24"},{"interface":1,"address":"10.3.0.3/24"},
                    {"interface":7,"address":"fd00::7/64"}]}
            """#
        let other = try Self.config(prev: prev)
        #expect(other.containerAddresses(ifName: "eth0") == [IPNetwork("10.2.0.2/24")!, IPNetwork("fd00::7/64")!])
        #expect(try Self.config(prev: nil).containerAddresses(ifName: "eth0").isEmpty)
    }
}
