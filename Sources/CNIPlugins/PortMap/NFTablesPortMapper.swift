import CNI
import Firewall
import NFTables
import NetAddress
import Netlink

/// portmap over nftables (libnftnl, in-process), in the reference HEAD's `cni_hostport` layout (see
/// `NFTPortMapLayout`). ADD, DEL and GC are each one transaction covering both families.
///
/// Cost per operation, N containers on the node: ADD and DEL look up the attachment's anchor chain
/// (one request per family) and its recorded rules (one request each), then commit; nothing lists a
/// shared chain, so they do not grow with N. Listing happens only on fallbacks (an anchor whose
/// rules were changed by hand; the reference's untagged rules), in CHECK and in GC.
public struct NFTablesPortMapper: PortMapper {
    public var kind: PortMapBackendKind { .nftables }

    /// The last socket stays open while the mapper lives (``NFTSocketKeeper``).
    private let keeper = NFTSocketKeeper()

    /// Opens the netfilter sockets, in the host namespace.
    public var netfilter: TransportOpener

    public init(netfilter: TransportOpener = .callingThread(.netfilter)) {
        self.netfilter = netfilter
    }

    public func isPresent() -> Bool { NodeFirewallProbe.kernelHasNFTables(netfilter) }

    public func checkUsable() throws(PortMapError) {
        do {
            _ = try NFTConnection(netfilter).tableExists(NFTPortMapLayout.table(.v4))
        } catch {
            throw PortMapError(.unavailable, "nftables backend unavailable: \(error)")
        }
    }

    // MARK: ADD

    public func forward(_ a: PortMapAttachment) throws(PortMapError) {
        let what = "unable to set up nftables rules for port mappings of \(a.label)"
        var plan: [IPFamily: NFTPortMapLayout.AttachmentRules] = [:]
        for family in IPFamily.allCases {
            plan[family] = try NFTPortMapLayout.rules(for: a, family: family)
        }
        do {
            let connection = try NFTConnection(netfilter)
            try connection.transact { (connection) throws(NFTError) in
                var batch = NFTBatch()
                for family in IPFamily.allCases {
                    // Rules of an earlier ADD of the same attachment go, in the same transaction
                    // (of both families: the attachment may have lost one).
                    for op in try removal(of: a, family: family, connection, includeUntagged: false).operations {
                        batch.append(op)
                    }
                    guard let rules = plan[family], !rules.isEmpty, let address = a.address(family) else { continue }
                    let existing = try NFTPortMapLayout.probe(family, connection)
                    for op in NFTPortMapLayout.skeleton(family, snat: a.options.snat, existing: existing) { batch.append(op) }
                    // The anchor right before the rules: their handles follow its handle.
                    let udp = a.mappings(for: family).contains { $0.proto == .udp }
                    let record = AnchorRecord(rules, address: address.address, udp: udp)
                    batch.add(NFTChain(NFTPortMapLayout.anchor(for: a, family: family), comment: record.comment(for: a)))
                    // DNAT rules go first in hostports (inserted, so in reverse to keep their order):
                    // the latest ADD of a host port wins, as iptables' entry rules do at the
                    // reference's HEAD. Masquerade rules do not compete; they are appended.
                    for rule in rules.hostports.reversed() { batch.append(.insertRule(rule)) }
                    for rule in rules.masquerading { batch.add(rule) }
                }
                return batch
            }
            keeper.keep(connection)
        } catch {
            throw PortMapError(what, error)
        }
    }

    // MARK: DEL

    public func unforward(_ a: PortMapAttachment) throws(PortMapError) -> StaleFlows {
        let what = "error deleting nftables rules of \(a.label)"
        do {
            let connection = try NFTConnection(netfilter)
            let stale = try connection.transact { (connection) throws(NFTError) in
                var batch = NFTBatch()
                var stale = StaleFlows()
                for family in IPFamily.allCases {
                    // The reference's own rules (comment = container ID) are looked for only when
                    // we have no anchor and the runtime passed mappings: that is when the reference
                    // itself would have acted, and it keeps a DEL of a pod without ports from
                    // listing every rule of the node.
                    let found = try removal(of: a, family: family, connection, includeUntagged: !a.mappings.isEmpty)
                    for op in found.operations { batch.append(op) }
                    stale.formUnion(found.stale)
                    if found.untaggedFound, let address = a.address(family),
                        a.mappings(for: family).contains(where: { $0.proto == .udp })
                    {
                        stale.udpDestinations.insert(address.address)
                    }
                }
                return (batch, stale)
            }
            keeper.keep(connection)
            return stale
        } catch {
            throw PortMapError(what, error)
        }
    }

    /// The operations deleting an attachment's rules of one family, and what they leave stale.
    struct Removal {
        var operations: [NFTBatch.Operation] = []
        var stale = StaleFlows()
        /// Rules without our tag (the reference's, comment = container ID) were among them.
        var untaggedFound = false
    }

    /// Finds the attachment's rules of `family`: through its anchor (verifying each recorded rule
    /// carries the attachment's tag), or, when the anchor's record does not hold, by listing the
    /// rule chains for the tag. With `includeUntagged` and no anchor, the reference's rules of the
    /// same container (comment = container ID) are listed and removed too.
    func removal(
        of a: PortMapAttachment, family: IPFamily, _ connection: NFTConnection, includeUntagged: Bool
    ) throws(NFTError) -> Removal {
        var out = Removal()
        let tag = NFTPortMapLayout.tag(a)
        let anchorRef = NFTPortMapLayout.anchor(for: a, family: family)
        guard let anchor = try connection.chain(anchorRef) else {
            guard includeUntagged else { return out }
            for chain in NFTPortMapLayout.ruleChains(family) {
                let doomed = try connection.rules(in: chain) { $0 == a.containerID || $0?.hasPrefix(tag) == true }
                for rule in doomed {
                    out.operations.append(.deleteRule(rule.chain, handle: rule.handle))
                    if rule.comment == a.containerID { out.untaggedFound = true }
                }
            }
            return out
        }
        let record = anchor.comment.flatMap(AnchorRecord.init(comment:))
        if let record, record.udp, let address = record.address { out.stale.udpDestinations.insert(address) }
        var handles: [(NFTChainRef, UInt64)] = []
        var verified = record != nil
        for (chain, handle) in record?.handles(after: anchor.handle) ?? [] {
            let ref = NFTPortMapLayout.chain(family, chain)
            guard let rule = try connection.rule(in: ref, handle: handle), rule.comment?.hasPrefix(tag) == true else {
                verified = false
                break
            }
            handles.append((ref, handle))
        }
        if !verified {
            // Someone changed the rules since ADD: find ours by their tag.
            handles = []
            for chain in NFTPortMapLayout.ruleChains(family) {
                for rule in try connection.rules(in: chain, whereComment: { $0?.hasPrefix(tag) == true }) {
                    handles.append((chain, rule.handle))
                }
            }
        }
        out.operations = handles.map { .deleteRule($0.0, handle: $0.1) } + [.deleteChain(anchorRef)]
        return out
    }

    // MARK: CHECK

    public func check(_ a: PortMapAttachment) throws(PortMapError) {
        let what = "nftables rules of \(a.label)"
        do {
            let connection = try NFTConnection(netfilter)
            for family in IPFamily.allCases {
                let expected = try NFTPortMapLayout.rules(for: a, family: family)
                guard !expected.isEmpty else { continue }
                let table = NFTPortMapLayout.table(family)
                // The entry path: prerouting and output lead to hostports_all, which leads to hostports.
                for base in [FirewallNames.portmapPrerouting, FirewallNames.portmapOutput] {
                    let ref = table.chain(base)
                    let want = NFTPortMapLayout.entryRule(ref).expressions
                    guard try connection.rules(in: ref).contains(where: { $0.expressions == want }) else {
                        throw PortMapError(.checkFailed, "\(what): chain \(ref) does not lead to \(FirewallNames.portmapHostPortsAll)")
                    }
                }
                let allRef = table.chain(FirewallNames.portmapHostPortsAll)
                let wantAll = NFTPortMapLayout.hostPortsAllRules(family).map(\.expressions)
                guard try connection.rules(in: allRef).map(\.expressions) == wantAll else {
                    throw PortMapError(.checkFailed, "\(what): chain \(allRef) does not lead to \(FirewallNames.portmapHostPorts)")
                }
                // The attachment's rules, exactly as ADD would write them now.
                let tag = NFTPortMapLayout.tag(a)
                var present: [NFTListedRule] = []
                for chain in NFTPortMapLayout.ruleChains(family) {
                    present += try connection.rules(in: chain, whereComment: { $0?.hasPrefix(tag) == true })
                }
                for rule in expected.all
                where !present.contains(where: { $0.chain == rule.chain && Self.comparable($0.expressions) == Self.comparable(rule.expressions) }) {
                    throw PortMapError(.checkFailed, "\(what): a rule is missing from \(rule.chain) (\(describe(rule)))")
                }
                if present.count != expected.all.count {
                    throw PortMapError(
                        .checkFailed, "\(what): \(present.count) rules in \(table), \(expected.all.count) expected")
                }
                guard try connection.chain(NFTPortMapLayout.anchor(for: a, family: family)) != nil else {
                    throw PortMapError(.checkFailed, "\(what): anchor chain missing from \(table)")
                }
            }
        } catch let error as PortMapError {
            throw error
        } catch let error as NFTError {
            throw PortMapError("check \(what)", error)
        } catch {
            throw PortMapError(.firewall, "check \(what)", cause: error)
        }
    }

    /// Expressions as the kernel lists them back: a nat with an address register also carries
    /// NF_NAT_RANGE_MAP_IPS (1), which the kernel sets itself.
    static func comparable(_ expressions: [NFTExpression]) -> [NFTExpression] {
        expressions.map { e in
            guard case .nat(let type, let family, let address, let port, let flags) = e, address != nil else { return e }
            return .nat(type, family: family, addressRegister: address, portRegister: port, flags: flags | 1)
        }
    }

    private func describe(_ rule: NFTRule) -> String {
        rule.expressions.compactMap { expression -> String? in
            switch expression {
            case .immediate(_, let data) where data.count == 2: return "port \(Int(data[0]) << 8 | Int(data[1]))"
            case .immediate(_, let data): return IPAddress(bytes: data).map { "to \($0)" }
            case .masquerade: return "masquerade"
            default: return nil
            }
        }.joined(separator: " ")
    }

    // MARK: GC

    public func gc(network: String, keeping valid: [ValidAttachment]) throws(PortMapError) -> StaleFlows {
        let networkPrefix = FirewallNames.masqueradeNetworkHash(network: network) + "-"
        let keep = Set(valid.map { FirewallNames.portmapTag(network: network, ifName: $0.ifName, containerID: $0.containerID) })
        func isStale(_ tag: Substring) -> Bool { tag.hasPrefix(networkPrefix) && !keep.contains(String(tag)) }
        let tagLength = networkPrefix.utf8.count + 16
        do {
            return try NFTConnection(netfilter).transact { (connection) throws(NFTError) in
                var batch = NFTBatch()
                var stale = StaleFlows()
                for family in IPFamily.allCases {
                    for chain in NFTPortMapLayout.ruleChains(family) {
                        let doomed = try connection.rules(in: chain) { comment in
                            guard let comment, comment.utf8.count >= tagLength else { return false }
                            return isStale(comment.prefix(tagLength))
                        }
                        for rule in doomed { batch.append(.deleteRule(chain, handle: rule.handle)) }
                    }
                    for chain in try connection.chains(in: NFTPortMapLayout.table(family)) {
                        guard chain.ref.name.hasPrefix(FirewallNames.portmapAnchorPrefix) else { continue }
                        let tag = chain.ref.name.dropFirst(FirewallNames.portmapAnchorPrefix.count)
                        guard isStale(tag) else { continue }
                        batch.append(.deleteChain(chain.ref))
                        if let record = chain.comment.flatMap(AnchorRecord.init(comment:)), record.udp,
                            let address = record.address
                        {
                            stale.udpDestinations.insert(address)
                        }
                    }
                }
                return (batch, stale)
            }
        } catch {
            throw PortMapError("garbage-collect nftables port mappings of network \(network)", error)
        }
    }
}
