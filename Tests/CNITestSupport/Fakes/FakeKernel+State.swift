import Netlink

/// What a fake namespace holds, copied out for assertions.
public struct FakeNamespaceState: Sendable {
    /// Links as the kernel reports them (operational state included).
    public var links: [Link]
    public var addresses: [Address]
    public var routes: [Route]
    /// The sysctls written (or set by the test).
    public var sysctls: [String: String]
    /// Each bridge port's VLANs, by port name.
    public var vlans: [String: [BridgeVLAN]]
    /// The nftables ruleset, one line per object, as `nft -a list ruleset` would name them:
    /// `table inet t`, `chain inet t c`, `rule inet t c "comment"` (without handles, so that two
    /// states compare equal when they hold the same objects).
    public var nftables: [String]
    /// conntrack requests received (their message types).
    public var conntrackRequests: [UInt16]

    /// The link named `name`.
    public func link(_ name: String) -> Link? { links.first { $0.name == name } }
    /// The names of the links other than `lo`.
    public var linkNames: [String] { links.map(\.name).filter { $0 != "lo" } }
}

extension FakeKernel {
    /// What `namespace` holds now.
    public func state(_ namespace: FakeNamespace) -> FakeNamespaceState {
        locked {
            let ruleset = namespace.nftables
            let family = { (f: UInt8) in [1: "inet", 2: "ip", 3: "arp", 5: "netdev", 7: "bridge", 10: "ip6"][f] ?? "\(f)" }
            var nftables = ruleset.tables.map { "table \(family($0.family)) \($0.table)" }
            nftables += ruleset.chains.map { "chain \(family($0.family)) \($0.table) \($0.name ?? "")" }
            nftables += ruleset.rules.map { rule in
                let comment = rule.attributes[t(7)].flatMap { Self.comment($0.payload) }.map { " \"\($0)\"" } ?? ""  // NFTA_RULE_USERDATA
                return "rule \(family(rule.family)) \(rule.table) \(rule.chain ?? "")\(comment)"
            }
            return FakeNamespaceState(
                links: namespace.links.map { reported($0, in: namespace) }, addresses: namespace.addresses,
                routes: namespace.routes, sysctls: namespace.sysctlValues,
                vlans: Dictionary(uniqueKeysWithValues: namespace.links.filter { !$0.vlans.isEmpty }.map { ($0.link.name, $0.vlans) }),
                nftables: nftables, conntrackRequests: namespace.conntrackRequests.map(\.type))
        }
    }

    /// The comment in nftables userdata (`NFTNL_UDATA_*_COMMENT`, type 0: type, length, text).
    static func comment(_ userdata: [UInt8]) -> String? {
        var i = 0
        while i + 2 <= userdata.count {
            let type = userdata[i], length = Int(userdata[i + 1])
            guard i + 2 + length <= userdata.count else { return nil }
            if type == 0 { return String(decoding: userdata[(i + 2)..<(i + 2 + length)].prefix { $0 != 0 }, as: UTF8.self) }
            i += 2 + length
        }
        return nil
    }
}
