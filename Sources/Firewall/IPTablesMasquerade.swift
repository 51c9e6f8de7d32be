import NetAddress

/// The reference's iptables ipMasq layout (Debian's 1.1.1 and upstream HEAD alike), in the nat table:
///
///     :CNI-<24 hex of sha512(network + containerID)> - [0:0]
///     -A POSTROUTING -s 10.88.0.2/32 -m comment --comment "name: \"mynet\" id: \"ctr1\"" -j CNI-...
///     -A CNI-... -d 10.88.0.0/16 -m comment --comment "name: \"mynet\" id: \"ctr1\"" -j ACCEPT
///     -A CNI-... ! -d 224.0.0.0/4 -m comment --comment "name: \"mynet\" id: \"ctr1\"" -j MASQUERADE
///
/// (`ff00::/8` for IPv6). Each operation reads the table once with iptables-save and applies its changes
/// in one iptables-restore transaction per family (the reference runs ~8 iptables commands per address);
/// a first setup and a teardown with known addresses skip the read.
///
/// Differences from the reference, all compatible with its state: with two addresses of one family the
/// second subnet's ACCEPT goes before the MASQUERADE rule (the reference appends it after, where it never
/// matches); teardown removes every rule that jumps to the chain, so it needs no addresses and also
/// removes duplicated jumps; GC exists (the reference has none).
public struct IPTablesMasquerade: MasqueradeBackend {
    public var kind: MasqueradeBackendKind { .iptables }
    public var tools: IPTablesTools

    public init(tools: IPTablesTools = .locate()) {
        self.tools = tools
    }

    public func isPresent() -> Bool { tools.isPresent }

    /// A first setup (the attachment's chain absent) needs no iptables-save: without the chain
    /// there can be no jump to it either (iptables refuses a jump to a missing chain), so the
    /// script is known. That saves one exec per ADD on iptables-nft hosts.
    public func setup(_ attachment: MasqueradeAttachment) throws(FirewallError) {
        let chain = FirewallNames.iptablesChain(network: attachment.network, containerID: attachment.containerID)
        for family in IPFamily.allCases {
            let addresses = attachment.addresses.filter { $0.family == family }
            guard !addresses.isEmpty else { continue }
            let what = "set up iptables masquerade for \(attachment.label)"
            let dump = tools.natMayHaveChain(chain, family) ? try tools.saveNAT(family) : IPTablesDump(parsing: "")
            try tools.restoreNAT(family, Self.setupLines(dump, attachment, addresses), what: what)
        }
    }

    /// Without the attachment's chain there is nothing to remove (every rule of the layout is in
    /// it or jumps to it), and nothing is run: runtimes repeat DEL (containerd up to three times
    /// per pod), and only the first finds rules.
    ///
    /// With the addresses known (from the deleted link or prevResult), the common case is one
    /// exec: an iptables-restore transaction with exactly the layout's POSTROUTING jumps, `-F` and
    /// `-X` of the chain. It is all or nothing, and fails whenever the table differs from the
    /// layout (a jump missing, a duplicate or the older `-s <ip>/<prefix>` form still referencing
    /// the chain, another address); then the table is read and every jump to the chain removed,
    /// as without addresses (two execs).
    public func teardown(_ attachment: MasqueradeAttachment) throws(FirewallError) {
        let chain = FirewallNames.iptablesChain(network: attachment.network, containerID: attachment.containerID)
        let families = attachment.addresses.isEmpty ? IPFamily.allCases : IPFamily.allCases.filter { family in
            attachment.addresses.contains { $0.family == family }
        }
        let what = "tear down iptables masquerade for \(attachment.label)"
        for family in families where tools.natMayHaveChain(chain, family) {
            let addresses = attachment.addresses.filter { $0.family == family }
            if !addresses.isEmpty, (try? tools.restoreNAT(family, Self.teardownLines(attachment, addresses), what: what)) != nil {
                continue
            }
            try removeChains(family, what: what, { _ in [chain] })
        }
    }

    public func gc(network: String, keeping valid: [AttachmentID]) throws(FirewallError) {
        // The iptables layout ignores the interface name: a container is alive if any of its attachments is.
        let alive = Set(valid.map(\.containerID))
        for family in IPFamily.allCases {
            try removeChains(family, what: "garbage-collect iptables masquerade chains of network \(network)") {
                Self.staleChains($0, network: network, alive: alive)
            }
        }
    }

    public func check(_ attachment: MasqueradeAttachment) throws(FirewallError) {
        let what = "check iptables masquerade for \(attachment.label)"
        for family in IPFamily.allCases {
            let addresses = attachment.addresses.filter { $0.family == family }
            guard !addresses.isEmpty else { continue }
            let dump = try tools.saveNAT(family)
            let layout = Self.layout(attachment, addresses)
            let required = layout.accepts + [layout.masquerade] + layout.jumps
            if let missing = required.first(where: { !dump.rules.contains($0) }) {
                throw FirewallError(.checkFailed, what, detail: "missing rule: \(missing.line())")
            }
        }
    }

    /// Deletes the chains `select` picks from the current dump, with every rule that jumps to them, in one
    /// transaction. Skips families whose tools are absent or whose nat table cannot hold rules. A rule that
    /// vanished between the read and the write fails the transaction; reading again settles it.
    private func removeChains(
        _ family: IPFamily, what: String, _ select: (IPTablesDump) -> [String]
    ) throws(FirewallError) {
        guard tools.tools(for: family) != nil, tools.natMayHaveRules(family) else { return }
        try tools.updateNATDump(family, what: what) { dump in (Self.removalLines(dump, chains: select(dump)), ()) }
    }

    // MARK: scripts (pure, unit-tested)

    static func multicast(_ family: IPFamily) -> String { family == .v4 ? "224.0.0.0/4" : "ff00::/8" }

    /// The restore lines that bring `dump` to the layout for `addresses` (all of one family): the chain is
    /// declared when missing, and rewritten (declaring an existing chain in --noflush mode flushes it) only
    /// when a rule is missing, keeping foreign rules and putting every ACCEPT before the MASQUERADE; one
    /// POSTROUTING jump per address unless it is there. Empty when everything is in place.
    static func setupLines(_ dump: IPTablesDump, _ a: MasqueradeAttachment, _ addresses: [IPNetwork]) -> [String] {
        let (chain, accepts, masquerade, jumps) = layout(a, addresses)
        var lines: [String] = []
        let existing = dump.rules(in: chain)
        if !dump.hasChain(chain) {
            lines.append(":\(chain) - [0:0]")
            lines += (accepts + [masquerade]).map { $0.line() }
        } else {
            let kept = existing.filter { $0 != masquerade }
            let desired = kept + accepts.filter { !kept.contains($0) } + [masquerade]
            if desired != existing {
                lines.append(":\(chain) - [0:0]")
                lines += desired.map { $0.line() }
            }
        }
        for jump in jumps where !dump.rules.contains(jump) && !lines.contains(jump.line()) {
            lines.append(jump.line())
        }
        return lines
    }

    /// The rules of one family's addresses: the chain, its ACCEPT rules (one per subnet), its MASQUERADE
    /// rule, and the POSTROUTING jumps (one per address).
    static func layout(_ a: MasqueradeAttachment, _ addresses: [IPNetwork]) -> (
        chain: String, accepts: [IPTablesRule], masquerade: IPTablesRule, jumps: [IPTablesRule]
    ) {
        let family = addresses.first?.family ?? .v4
        let chain = FirewallNames.iptablesChain(network: a.network, containerID: a.containerID)
        let comment = ["-m", "comment", "--comment", FirewallNames.iptablesComment(network: a.network, containerID: a.containerID)]
        let masquerade = IPTablesRule(chain: chain, spec: ["!", "-d", multicast(family)] + comment + ["-j", "MASQUERADE"])
        var accepts: [IPTablesRule] = [], jumps: [IPTablesRule] = []
        for address in addresses {
            let accept = IPTablesRule(chain: chain, spec: ["-d", address.network.description] + comment + ["-j", "ACCEPT"])
            if !accepts.contains(accept) { accepts.append(accept) }
            let jump = IPTablesRule(
                chain: "POSTROUTING", spec: ["-s", IPNetwork(host: address.address).description] + comment + ["-j", chain])
            if !jumps.contains(jump) { jumps.append(jump) }
        }
        return (chain, accepts, masquerade, jumps)
    }

    /// The restore lines that remove the layout for `addresses` (all of one family) as setup wrote
    /// it, without reading the table: each POSTROUTING jump, then the chain's rules and the chain.
    static func teardownLines(_ a: MasqueradeAttachment, _ addresses: [IPNetwork]) -> [String] {
        let (chain, _, _, jumps) = layout(a, addresses)
        return jumps.map { $0.line("-D") } + ["-F \(chain)", "-X \(chain)"]
    }

    /// The restore lines that delete `chains` (those that exist) and every rule jumping to them.
    static func removalLines(_ dump: IPTablesDump, chains: [String]) -> [String] {
        let doomed = Set(chains.filter { dump.hasChain($0) })
        let jumps = dump.rules.filter { rule in rule.target.map { doomed.contains($0) } ?? false }
        guard !doomed.isEmpty || !jumps.isEmpty else { return [] }
        return jumps.filter { !doomed.contains($0.chain) }.map { $0.line("-D") }
            + chains.filter { doomed.contains($0) }.flatMap { ["-F \($0)", "-X \($0)"] }
    }

    /// The ipMasq chains of `network` whose container is not alive, recognised by the comments of their
    /// rules (or of the rules jumping to them) and by the name the comment's container ID hashes to.
    static func staleChains(_ dump: IPTablesDump, network: String, alive: Set<String>) -> [String] {
        var stale: [String] = []
        for chain in dump.chains where chain.hasPrefix("CNI-") && chain.utf8.count == 28 && !stale.contains(chain) {
            let related = dump.rules.filter { $0.chain == chain || $0.target == chain }
            for rule in related {
                guard let comment = rule.comment, let owner = parseMasqueradeComment(comment),
                    owner.network == network,
                    FirewallNames.iptablesChain(network: network, containerID: owner.containerID) == chain
                else { continue }
                if !alive.contains(owner.containerID) { stale.append(chain) }
                break
            }
        }
        return stale
    }
}
