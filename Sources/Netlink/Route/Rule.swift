import CNetlinkShim
import NetAddress

/// A routing policy rule (`RTM_NEWRULE`), as `ip rule show` lists it: which table a lookup goes
/// to for packets that match. Also the input of `RouteNetlink.addRule(_:)` and `deleteRule(_:)`.
///
/// Only what the plugins here set and read is modelled (source and destination prefixes, table,
/// priority, TOS, action); attributes of other rules (`iif`, `fwmark`, `l3mdev`, …) are kept as
/// ``otherAttributes`` types so a rule is never mistaken for a plainer one.
public struct Rule: Hashable, Sendable {
    /// IPv4 or IPv6 (`frh.family`).
    public var family: IPFamily
    /// `from <prefix>` (`FRA_SRC`, `src_len`); nil for `from all`.
    public var source: IPNetwork?
    /// `to <prefix>` (`FRA_DST`, `dst_len`).
    public var destination: IPNetwork?
    /// `lookup <table>` (`frh.table`, or `FRA_TABLE` for tables above 255).
    public var table: RouteTable
    /// `pref <n>` (`FRA_PRIORITY`); nil lets the kernel pick one below the first existing rule.
    public var priority: UInt32?
    /// `tos <n>` (`frh.tos`).
    public var tos: UInt8
    /// What a match does (`frh.action`); `FR_ACT_TO_TBL` (lookup) by default.
    public var action: RuleAction
    /// Attribute types present beyond the modelled ones (`FRA_IIFNAME`, `FRA_L3MDEV`, …), decoded only.
    public var otherAttributes: [UInt16]

    public init(
        family: IPFamily, source: IPNetwork? = nil, destination: IPNetwork? = nil, table: RouteTable,
        priority: UInt32? = nil, tos: UInt8 = 0, action: RuleAction = .lookup
    ) {
        self.family = family
        self.source = source
        self.destination = destination
        self.table = table
        self.priority = priority
        self.tos = tos
        self.action = action
        self.otherAttributes = []
    }

    /// `from <address>/32` (or /128) `lookup <table>`: the source-based rule of one address.
    public static func from(_ address: IPAddress, table: RouteTable) -> Rule {
        Rule(family: address.family, source: IPNetwork(host: address), table: table)
    }
}

/// A rule's action (`frh.action`, `FR_ACT_*`).
public struct RuleAction: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Left open (deletion matches any action). The corresponding C constant is `FR_ACT_UNSPEC`.
    public static let unspecified = RuleAction(rawValue: u8(FR_ACT_UNSPEC))
    /// Look the route up in the rule's table. The corresponding C constant is `FR_ACT_TO_TBL`.
    public static let lookup = RuleAction(rawValue: u8(FR_ACT_TO_TBL))
    /// The corresponding C constant is `FR_ACT_UNREACHABLE`.
    public static let unreachable = RuleAction(rawValue: u8(FR_ACT_UNREACHABLE))
    /// The corresponding C constant is `FR_ACT_PROHIBIT`.
    public static let prohibit = RuleAction(rawValue: u8(FR_ACT_PROHIBIT))
}

extension Rule {
    /// Decodes an `RTM_NEWRULE` message.
    public init(message: NetlinkMessage) throws(NetlinkDecodingError) {
        let payload = message.payload
        guard payload.count >= MemoryLayout<fib_rule_hdr>.size else {
            throw NetlinkDecodingError("fib_rule_hdr truncated (\(payload.count) bytes)", messageType: message.type)
        }
        guard let family = IPFamily(rawValue: payload[0]) else {
            throw NetlinkDecodingError("rule family \(payload[0]) is not IPv4 or IPv6", messageType: message.type)
        }
        let attributes = try AttributeList(parsing: payload, from: netlinkAlign(MemoryLayout<fib_rule_hdr>.size))
        func prefix(_ type: Int, length: UInt8) -> IPNetwork? {
            guard let address = attributes[ty(type)]?.ipAddress, address.family == family else { return nil }
            return IPNetwork(address: address, prefixLength: Int(length))
        }
        self.init(
            family: family, source: prefix(FRA_SRC, length: payload[2]), destination: prefix(FRA_DST, length: payload[1]),
            table: RouteTable(attributes[ty(FRA_TABLE)]?.u32 ?? UInt32(payload[4])),
            priority: attributes[ty(FRA_PRIORITY)]?.u32, tos: payload[3], action: RuleAction(rawValue: payload[7]))
        let modelled: Set<UInt16> = [ty(FRA_SRC), ty(FRA_DST), ty(FRA_TABLE), ty(FRA_PRIORITY), ty(FRA_PROTOCOL)]
        otherAttributes = attributes.map(\.type).filter { !modelled.contains($0) }
    }

    /// The rule as an `RTM_NEWRULE` message (fake replies and round-trip tests).
    public var message: NetlinkMessage {
        try! NetlinkMessage.split(NetlinkRequest.rule(self, type: ty(RTM_NEWRULE), flags: 0, verb: "add").bytes)[0]
    }
}

extension NetlinkRequest {
    /// `RTM_NEWRULE` adding `rule` (`ip rule add [from P] [to P] [pref N] lookup T`); fails with
    /// `EEXIST` when an identical rule exists.
    ///
    /// ```
    /// fib_rule_hdr | [FRA_DST] | [FRA_SRC] | [FRA_PRIORITY] | [FRA_TABLE when > 255]
    /// ```
    public static func newRule(_ rule: Rule) -> NetlinkRequest {
        Self.rule(rule, type: ty(RTM_NEWRULE), flags: RequestFlags.createExclusive, verb: "add")
    }

    /// `RTM_DELRULE` removing the rule matching `rule` (`ip rule del ...`). As iproute2 does, the
    /// action is left open; the prefixes, table and (when set) priority pick the rule.
    public static func deleteRule(_ rule: Rule) -> NetlinkRequest {
        var identity = rule
        identity.action = .unspecified
        return Self.rule(identity, type: ty(RTM_DELRULE), flags: RequestFlags.change, verb: "delete")
    }

    /// `RTM_GETRULE` dump of one family's rules (`ip [-6] rule show`).
    public static func dumpRules(family: IPFamily) -> NetlinkRequest {
        NetlinkRequest("dump ipv\(family.versionString) rules", type: ty(RTM_GETRULE), flags: RequestFlags.dumpRequest) { b in
            b.append(header: fib_rule_hdr(
                family: family.rawValue, dst_len: 0, src_len: 0, tos: 0, table: 0, res1: 0, res2: 0, action: 0, flags: 0))
        }
    }

    static func rule(_ rule: Rule, type: UInt16, flags: UInt16, verb: String) -> NetlinkRequest {
        var label = "\(verb) rule"
        label += rule.source.map { " from \($0)" } ?? " from all"
        if let destination = rule.destination { label += " to \(destination)" }
        if let priority = rule.priority { label += " pref \(priority)" }
        label += " lookup \(rule.table)"
        let table = rule.table.rawValue
        return NetlinkRequest(label, type: type, flags: flags) { b in
            b.append(header: fib_rule_hdr(
                family: rule.family.rawValue, dst_len: UInt8(rule.destination?.prefixLength ?? 0),
                src_len: UInt8(rule.source?.prefixLength ?? 0), tos: rule.tos,
                table: table < 256 ? UInt8(table) : u8(RT_TABLE_UNSPEC.rawValue), res1: 0, res2: 0,
                action: rule.action.rawValue, flags: 0))
            if let destination = rule.destination { b.put(ty(FRA_DST), bytes: destination.address.bytes) }
            if let source = rule.source { b.put(ty(FRA_SRC), bytes: source.address.bytes) }
            if let priority = rule.priority { b.put(ty(FRA_PRIORITY), u32: priority) }
            if table >= 256 { b.put(ty(FRA_TABLE), u32: table) }
        }
    }
}
