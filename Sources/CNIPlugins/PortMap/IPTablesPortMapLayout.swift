import Firewall
import NetAddress

/// The reference's iptables layout (Debian's 1.1.1 and upstream HEAD alike), in the nat table, as
/// iptables-save prints it (so rules compare equal to a dump):
///
///     -A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
///     -A OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
///     -A POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ
///     -A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \"net\" id: \"ctr\"" -m multiport --dports 8080 -j CNI-DN-…
///     -A CNI-DN-… -s 10.88.0.0/16 -p tcp -m tcp --dport 8080 -j CNI-HOSTPORT-SETMARK
///     -A CNI-DN-… -s 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j CNI-HOSTPORT-SETMARK
///     -A CNI-DN-… -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.88.0.2:80
///     -A CNI-HOSTPORT-MASQ -m mark --mark 0x2000/0x2000 -j MASQUERADE
///     -A CNI-HOSTPORT-SETMARK -m comment --comment "CNI portfwd masquerade mark" -j MARK --set-xmark 0x2000/0x2000
///
/// Port ranges: `--dport 8000:8009`; DNAT keeps the ports (`--to-destination 10.88.0.2`) or shifts
/// them with the kernel's offset mapping (`10.88.0.2:9000-9009/8000`), one rule either way.
/// As in the reference, the chain is named after network and container only (two interfaces of one
/// container on one network share it), and each entry rule lists the ports of every mapping of its
/// protocol, whatever their hostIP's family.
enum IPTablesPortMapLayout {
    static let dnatTop = FirewallNames.hostportDNAT

    static func dnatChain(_ a: PortMapAttachment) -> String {
        FirewallNames.portmapDNATChain(network: a.network, containerID: a.containerID)
    }

    static func oldSNATChain(_ a: PortMapAttachment) -> String {
        FirewallNames.portmapOldSNATChain(network: a.network, containerID: a.containerID)
    }

    static func setMarkChain(_ o: PortMapOptions) -> String { o.externalSetMarkChain ?? FirewallNames.hostportSetMark }

    static func setMarkRule(_ o: PortMapOptions) -> IPTablesNATRule {
        IPTablesNATRule(
            chain: FirewallNames.hostportSetMark,
            spec: ["-m", "comment", "--comment", FirewallNames.hostportSetMarkComment, "-j", "MARK", "--set-xmark", o.markSpec])
    }

    static func masqueradeRule(_ o: PortMapOptions) -> IPTablesNATRule {
        IPTablesNATRule(chain: FirewallNames.hostportMasquerade, spec: ["-m", "mark", "--mark", o.markSpec, "-j", "MASQUERADE"])
    }

    static let postroutingJump = IPTablesNATRule(
        chain: "POSTROUTING",
        spec: ["-m", "comment", "--comment", FirewallNames.hostportMasqueradeComment, "-j", FirewallNames.hostportMasquerade])

    static let localJumps = ["PREROUTING", "OUTPUT"].map {
        IPTablesNATRule(chain: $0, spec: ["-m", "addrtype", "--dst-type", "LOCAL", "-j", FirewallNames.hostportDNAT])
    }

    /// `8080` or `8000:8009`.
    static func portText(_ ports: ClosedRange<UInt16>) -> String {
        ports.count == 1 ? String(ports.lowerBound) : "\(ports.lowerBound):\(ports.upperBound)"
    }

    /// The entry rules in CNI-HOSTPORT-DNAT: per protocol (sorted), groups of at most 15 port slots
    /// (multiport's limit; a range takes two), each jumping to the container's chain.
    static func entryRules(_ a: PortMapAttachment, family: IPFamily) -> [IPTablesNATRule] {
        let comment = FirewallNames.portmapDNATComment(network: a.network, containerID: a.containerID)
        let conditions = a.options.conditions(family)
        var rules: [IPTablesNATRule] = []
        for proto in PortProtocol.allCases.sorted() {
            var groups: [[String]] = []
            var slots = 0
            for mapping in a.mappings where mapping.proto == proto {
                let weight = mapping.count == 1 ? 1 : 2
                if groups.isEmpty || slots + weight > 15 {
                    groups.append([])
                    slots = 0
                }
                groups[groups.count - 1].append(portText(mapping.hostPorts))
                slots += weight
            }
            for ports in groups {
                let spec =
                    ["-p", proto.rawValue, "-m", "comment", "--comment", comment, "-m", "multiport", "--dports",
                     ports.joined(separator: ",")] + conditions + ["-j", dnatChain(a)]
                rules.append(IPTablesNATRule(chain: dnatTop, spec: spec))
            }
        }
        return rules
    }

    /// The container chain's rules for its `family` address: per mapping the masquerade marks
    /// (hairpin from the container's subnet, or from anywhere with masqAll; v4 localhost) and the DNAT.
    static func chainRules(_ a: PortMapAttachment, family: IPFamily) -> [IPTablesNATRule] {
        guard let address = a.address(family) else { return [] }
        let chain = dnatChain(a)
        let o = a.options
        var rules: [IPTablesNATRule] = []
        for mapping in a.mappings(for: family) {
            let destination = mapping.destination.map { ["-d", "\($0)/\($0.bitWidth)"] } ?? []
            let ports = ["-p", mapping.proto.rawValue, "-m", mapping.proto.rawValue, "--dport", portText(mapping.hostPorts)]
            if o.snat {
                // iptables-save omits a /0 source, so masqAll's `-s 0.0.0.0/0` is no source at all.
                let source = o.masqAll ? [] : ["-s", address.network.description]
                rules.append(IPTablesNATRule(chain: chain, spec: source + destination + ports + ["-j", setMarkChain(o)]))
                if family == .v4 && !o.masqAll {
                    rules.append(
                        IPTablesNATRule(chain: chain, spec: ["-s", "127.0.0.1/32"] + destination + ports + ["-j", setMarkChain(o)]))
                }
            }
            rules.append(
                IPTablesNATRule(
                    chain: chain,
                    spec: destination + ports + ["-j", "DNAT", "--to-destination", dnatTarget(address.address, mapping)]))
        }
        return rules
    }

    /// `10.88.0.2:80`, `[fd00::2]:80`; a range: `10.88.0.2` (same ports) or `10.88.0.2:9000-9009/8000`.
    static func dnatTarget(_ address: IPAddress, _ m: PortMapping) -> String {
        if m.count > 1 && m.keepsPorts { return address.description }
        let host = address.family == .v4 ? address.description : "[\(address)]"
        if m.count == 1 { return "\(host):\(m.containerPorts.lowerBound)" }
        return "\(host):\(m.containerPorts.lowerBound)-\(m.containerPorts.upperBound)/\(m.hostPorts.lowerBound)"
    }

    /// The restore lines that bring `dump` to the layout with this attachment's rules for `family`:
    /// shared chains and rules only when missing (declaring an existing chain in --noflush mode
    /// flushes it), the container chain rewritten, and its entry rules put first in
    /// CNI-HOSTPORT-DNAT (the most recent ADD of a host port wins, as at the reference's HEAD).
    static func setupLines(_ dump: IPTablesNATDump, _ a: PortMapAttachment, family: IPFamily) -> [String] {
        var lines: [String] = []
        func ensureChain(_ name: String) {
            if !dump.hasChain(name) { lines.append(":\(name) - [0:0]") }
        }
        func ensureRule(_ rule: IPTablesNATRule) {
            if !dump.rules.contains(rule) { lines.append(rule.line()) }
        }
        let o = a.options
        if o.snat && o.externalSetMarkChain == nil {
            ensureChain(FirewallNames.hostportSetMark)
            ensureRule(setMarkRule(o))
            ensureChain(FirewallNames.hostportMasquerade)
            ensureRule(masqueradeRule(o))
            // First in POSTROUTING, so bridge/ptp masquerade chains cannot pre-empt it.
            if !dump.rules.contains(postroutingJump) { lines.append(postroutingJump.insertLine(at: 1)) }
        }
        ensureChain(dnatTop)
        localJumps.forEach(ensureRule)
        let chain = dnatChain(a)
        for rule in dump.rules where rule.target == chain && rule.chain != chain { lines.append(rule.line("-D")) }
        lines.append(":\(chain) - [0:0]")
        lines += chainRules(a, family: family).map { $0.line() }
        lines += entryRules(a, family: family).reversed().map { $0.insertLine(at: 1) }
        return lines
    }

    /// What CHECK finds missing from `dump` for `family`, as restore lines; empty when all is there.
    static func missing(_ dump: IPTablesNATDump, _ a: PortMapAttachment, family: IPFamily) -> [String] {
        var required = localJumps + chainRules(a, family: family)
        let o = a.options
        if o.snat && o.externalSetMarkChain == nil {
            required += [setMarkRule(o), masqueradeRule(o), postroutingJump]
        }
        var out = required.filter { !dump.rules.contains($0) }.map { $0.line() }
        // Entry rules: compared on protocol, ports and target (iptables-save reorders conditions).
        for entry in entryRules(a, family: family) {
            let found = dump.rules(in: dnatTop).contains { rule in
                rule.target == entry.target && value(after: "-p", in: rule.spec) == value(after: "-p", in: entry.spec)
                    && value(after: "--dports", in: rule.spec) == value(after: "--dports", in: entry.spec)
            }
            if !found { out.append(entry.line()) }
        }
        return out
    }

    private static func value(after flag: String, in spec: [String]) -> String? {
        guard let i = spec.firstIndex(of: flag), i + 1 < spec.count else { return nil }
        return spec[i + 1]
    }

    /// The container chains of `network` whose container is not in `alive`, recognised by the
    /// comments of their entry rules (`dnat name: "<net>" id: "<cid>"`) and by the name the
    /// comment's container ID hashes to.
    static func staleChains(_ dump: IPTablesNATDump, network: String, alive: Set<String>) -> [String] {
        let prefix = "dnat name: \"\(network)\" id: \""
        var stale: [String] = []
        for rule in dump.rules(in: dnatTop) {
            guard let comment = rule.comment, comment.hasPrefix(prefix), comment.hasSuffix("\""),
                let target = rule.target, !stale.contains(target)
            else { continue }
            let id = String(comment.dropFirst(prefix.count).dropLast())
            guard FirewallNames.portmapDNATChain(network: network, containerID: id) == target, !alive.contains(id)
            else { continue }
            stale.append(target)
        }
        return stale
    }

    /// The container addresses the UDP DNAT rules of `chain` send to (for the conntrack flush).
    static func udpDestinations(_ dump: IPTablesNATDump, chain: String) -> Set<IPAddress> {
        var out = Set<IPAddress>()
        for rule in dump.rules(in: chain) where value(after: "-p", in: rule.spec) == "udp" && rule.target == "DNAT" {
            guard var text = value(after: "--to-destination", in: rule.spec) else { continue }
            if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
                text = String(text[text.index(after: text.startIndex)..<close])
            } else if let colon = text.firstIndex(of: ":"), text.filter({ $0 == ":" }).count == 1 {
                text = String(text[..<colon])
            }
            if let ip = IPAddress(text) { out.insert(ip) }
        }
        return out
    }
}
