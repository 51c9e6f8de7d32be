import CNI
import Firewall
import NetAddress

/// The reference's iptables layout (`IPTablesFirewallLayout`): per family one iptables-save of
/// the filter table and one `iptables-restore --noflush --wait` transaction holding every change
/// (the reference runs an iptables command per check and per rule, each taking the xtables lock).
public struct IPTablesFirewall: IsolatingFirewall {
    public var kind: FirewallRulesBackend { .iptables }
    public var tools: IPTablesTools

    public init(tools: IPTablesTools = .locate()) {
        self.tools = tools
    }

    public func isPresent() -> Bool { tools.isPresent }

    public func checkUsable() throws(FirewallPluginError) {
        guard tools.isPresent else {
            throw FirewallPluginError(.unavailable, "iptables backend unavailable: iptables-save/iptables-restore not found")
        }
        do {
            _ = try tools.read(.v4, table: IPTablesFirewallLayout.table)
        } catch {
            throw FirewallPluginError(.unavailable, "iptables backend unavailable: \(error)")
        }
    }

    /// The families the attachment has addresses of (the reference's findProtos).
    private func families(_ a: FirewallAttachment) -> [IPFamily] {
        IPFamily.allCases.filter { !a.hosts($0).isEmpty }
    }

    public func add(_ a: FirewallAttachment) throws(FirewallPluginError) {
        try apply(a, addresses: true)
    }

    public func addIsolation(_ a: FirewallAttachment) throws(FirewallPluginError) {
        try apply(a, addresses: false)
    }

    /// One transaction per family; a later family's failure removes what the earlier ones added.
    private func apply(_ a: FirewallAttachment, addresses: Bool) throws(FirewallPluginError) {
        let bridge = try a.isolatedBridge()
        let what = "failed to set up iptables rules for \(a.label)"
        var done: [IPFamily] = []
        for family in families(a) {
            do {
                let dump = try tools.read(family, table: IPTablesFirewallLayout.table)
                let lines = IPTablesFirewallLayout.setupLines(dump, a, family, addresses: addresses, isolation: bridge)
                try tools.apply(family, table: IPTablesFirewallLayout.table, lines, what: what)
                done.append(family)
            } catch {
                if addresses { for earlier in done { try? remove(a, family: earlier) } }
                throw FirewallPluginError(what, error)
            }
        }
    }

    /// Removes the attachment's address rules and owner rules: in the families of prevResult's
    /// addresses, or in both without prevResult (the owner rules then say which addresses were
    /// the attachment's). A filter table that cannot hold CNI-FORWARD or the owner chain (looked
    /// up over netlink for iptables-nft) is not read at all.
    public func remove(_ a: FirewallAttachment) throws(FirewallPluginError) {
        let chains = [FirewallNames.firewallForward, FirewallNames.firewallOwners]
        for family in a.addresses.isEmpty ? IPFamily.allCases : families(a)
        where tools.mayHold(family, table: IPTablesFirewallLayout.table, chains: chains) {
            do {
                try remove(a, family: family)
            } catch {
                throw FirewallPluginError("failed to remove iptables rules of \(a.label)", error)
            }
        }
    }

    /// One read and one transaction (read again once when a concurrent change fails it).
    private func remove(_ a: FirewallAttachment, family: IPFamily) throws(FirewallError) {
        try tools.update(family, table: IPTablesFirewallLayout.table, what: "remove iptables rules of \(a.label)") { dump in
            (IPTablesFirewallLayout.teardownLines(dump, a, family), ())
        }
    }

    public func check(_ a: FirewallAttachment) throws(FirewallPluginError) {
        let bridge = try a.isolatedBridge()
        for family in families(a) {
            let dump: IPTablesNATDump
            do {
                dump = try tools.read(family, table: IPTablesFirewallLayout.table)
            } catch {
                throw FirewallPluginError("check iptables rules of \(a.label)", error)
            }
            if let missing = IPTablesFirewallLayout.missing(dump, a, family, isolation: bridge) {
                throw FirewallPluginError(
                    .checkFailed, "iptables rules of \(a.label): \(missing) not found in table filter (\(family))")
            }
        }
    }

    /// Removes the rules of `network`'s attachments that are not in `valid`, as their owner rules
    /// record them (the address rules themselves name no container): one read and one
    /// transaction per family that may hold the owner chain.
    public func gc(network: String, keeping valid: [ValidAttachment]) throws(FirewallPluginError) {
        let stale = StaleAttachments(network: network, keeping: valid)
        for family in IPFamily.allCases
        where tools.mayHold(family, table: IPTablesFirewallLayout.table, chains: [FirewallNames.firewallOwners]) {
            do {
                try tools.update(family, table: IPTablesFirewallLayout.table, what: "garbage-collect iptables rules of network \(network)") {
                    (IPTablesFirewallLayout.collectionLines($0, stale), ())
                }
            } catch {
                throw FirewallPluginError("failed to garbage-collect iptables rules of network \(network)", error)
            }
        }
    }
}
