import CNI
import Firewall
import NFTables
import NetAddress
import Netlink

/// The nftables backend (`NFTFirewallLayout`), in-process over libnftnl: ADD, DEL and GC are each
/// one transaction. ADD and DEL do not list any chain that grows with the number of containers.
public struct NFTablesFirewall: IsolatingFirewall {
    public var kind: FirewallRulesBackend { .nftables }

    /// The last socket stays open while the backend lives (``NFTSocketKeeper``).
    private let keeper = NFTSocketKeeper()

    /// Opens the netfilter sockets, in the host namespace.
    public var netfilter: TransportOpener

    public init(netfilter: TransportOpener = .callingThread(.netfilter)) {
        self.netfilter = netfilter
    }

    public func isPresent() -> Bool { NodeFirewallProbe.kernelHasNFTables(netfilter) }

    public func checkUsable() throws(FirewallPluginError) {
        do {
            _ = try NFTConnection(netfilter).tableExists(NFTFirewallLayout.table)
        } catch {
            throw FirewallPluginError(.unavailable, "nftables backend unavailable: \(error)")
        }
    }

    public func add(_ a: FirewallAttachment) throws(FirewallPluginError) {
        try apply(a, addresses: true)
    }

    public func addIsolation(_ a: FirewallAttachment) throws(FirewallPluginError) {
        try apply(a, addresses: false)
    }

    private func apply(_ a: FirewallAttachment, addresses: Bool) throws(FirewallPluginError) {
        let bridge = try a.isolatedBridge()
        let rules = addresses ? NFTFirewallLayout.addressRules(a) : []
        guard !rules.isEmpty || bridge != nil else { return }
        try transaction("failed to set up nftables rules for \(a.label)") { (connection) throws(NFTError) in
            var batch = NFTBatch()
            let existing = try NFTFirewallLayout.probe(connection)
            for op in NFTFirewallLayout.skeleton(existing: existing) { batch.append(op) }
            if addresses {
                // The rules of an earlier ADD of the same attachment go in the same transaction.
                for op in try removal(of: a, connection) { batch.append(op) }
                if !rules.isEmpty {
                    // The anchor right before the rules: their handles follow its handle.
                    batch.add(NFTChain(NFTFirewallLayout.anchor(a), comment: NFTFirewallLayout.anchorComment(a, count: rules.count)))
                    for rule in rules { batch.add(rule) }
                }
            }
            if let bridge {
                for rule in try NFTFirewallLayout.missingIsolation(bridge, policy: a.ingressPolicy, connection, existing: existing) {
                    // Bridge rules go first in their stage, as iptables inserts them.
                    batch.append(.insertRule(rule))
                }
            }
            return batch
        }
    }

    /// One transaction planned by `build` (``NFTConnection/transact(_:)``: planned again when a
    /// concurrent change makes the kernel refuse it); the socket is kept open afterwards.
    private func transaction(
        _ what: String, _ build: (NFTConnection) throws(NFTError) -> NFTBatch
    ) throws(FirewallPluginError) {
        do {
            let connection = try NFTConnection(netfilter)
            try connection.transact(build)
            keeper.keep(connection)
        } catch {
            throw FirewallPluginError(what, error)
        }
    }

    /// The operations deleting an attachment's rules and anchor: through the anchor's record when
    /// the recorded handles still hold the attachment's rules, else by listing `containers` for
    /// its tag. Nothing when there is no anchor (no ADD of ours, or already deleted).
    func removal(of a: FirewallAttachment, _ connection: NFTConnection) throws(NFTError) -> [NFTBatch.Operation] {
        let anchorRef = NFTFirewallLayout.anchor(a)
        guard let anchor = try connection.chain(anchorRef) else { return [] }
        let tag = a.tag
        var handles: [UInt64] = []
        if let count = NFTFirewallLayout.recordedCount(anchor.comment) {
            for handle in anchor.handle + 1..<anchor.handle + 1 + UInt64(count) {
                guard let rule = try connection.rule(in: NFTFirewallLayout.containers, handle: handle),
                    rule.comment?.hasPrefix(tag) == true
                else {
                    handles = []
                    break
                }
                handles.append(handle)
            }
            if handles.count != count { handles = [] }
        }
        if handles.isEmpty {
            handles = try connection.rules(in: NFTFirewallLayout.containers) { $0?.hasPrefix(tag) == true }.map(\.handle)
        }
        return handles.map { .deleteRule(NFTFirewallLayout.containers, handle: $0) } + [.deleteChain(anchorRef)]
    }

    public func remove(_ a: FirewallAttachment) throws(FirewallPluginError) {
        try transaction("failed to remove nftables rules of \(a.label)") { (connection) throws(NFTError) in
            NFTBatch(try removal(of: a, connection))
        }
    }

    public func check(_ a: FirewallAttachment) throws(FirewallPluginError) {
        let what = "nftables rules of \(a.label)"
        do {
            let connection = try NFTConnection(netfilter)
            let existing = try NFTFirewallLayout.probe(connection)
            guard existing.forwardRules == NFTFirewallLayout.forwardRules().map(\.expressions) else {
                throw FirewallPluginError(.checkFailed, "\(what): chain \(NFTFirewallLayout.forward) does not lead to \(NFTFirewallLayout.containers.name)")
            }
            let tag = a.tag
            let listed = try connection.rules(in: NFTFirewallLayout.containers) { $0 == nil || $0?.hasPrefix(tag) == true }
            guard listed.first?.expressions == NFTFirewallLayout.adminJump().expressions else {
                throw FirewallPluginError(.checkFailed, "\(what): chain \(NFTFirewallLayout.containers) does not start with jump \(NFTFirewallLayout.admin.name)")
            }
            let present = listed.filter { $0.comment != nil }.map(\.expressions)
            for rule in NFTFirewallLayout.addressRules(a) where !present.contains(rule.expressions) {
                throw FirewallPluginError(.checkFailed, "\(what): a rule is missing from \(NFTFirewallLayout.containers)")
            }
            if let bridge = try a.isolatedBridge(),
                !(try NFTFirewallLayout.missingIsolation(bridge, policy: a.ingressPolicy, connection, existing: existing)).isEmpty
            {
                throw FirewallPluginError(.checkFailed, "\(what): isolation rules of bridge \(bridge) missing")
            }
        } catch let error as FirewallPluginError {
            throw error
        } catch let error as NFTError {
            throw FirewallPluginError("check \(what)", error)
        } catch {
            throw FirewallPluginError(.firewall, "check \(what): \(error)")
        }
    }

    /// Removes the rules and anchors of `network`'s attachments that are not in `valid`: one
    /// listing of `containers` and of the table's chains, one transaction.
    public func gc(network: String, keeping valid: [ValidAttachment]) throws(FirewallPluginError) {
        let stale = StaleAttachments(network: network, keeping: valid)
        try transaction("garbage-collect nftables firewall rules of network \(network)") { (connection) throws(NFTError) in
            var batch = NFTBatch()
            let doomed = try connection.rules(in: NFTFirewallLayout.containers) { stale.isStale(comment: $0) }
            for rule in doomed { batch.deleteRule(rule) }
            for chain in try connection.chains(in: NFTFirewallLayout.table)
            where chain.ref.name.hasPrefix(NFTFirewallLayout.anchorPrefix)
                && stale.isStale(comment: chain.ref.name.dropFirst(NFTFirewallLayout.anchorPrefix.count))
            {
                batch.append(.deleteChain(chain.ref))
            }
            return batch
        }
    }
}
