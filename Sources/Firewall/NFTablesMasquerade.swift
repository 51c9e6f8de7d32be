import NFTables
import NetAddress
import Netlink

/// The reference's nftables ipMasq layout (containernetworking/plugins v1.6+), object for object:
///
///     table inet cni_plugins_masquerade {
///         comment "Masquerading for plugins from github.com/containernetworking/plugins"
///         chain masq_checks {
///             comment "Masquerade traffic from certain IPs to any (non-multicast) IP outside their subnet"
///             ip saddr 10.88.0.2 ip daddr != 10.88.0.0/16 masquerade comment "<h16(net)>-<h16(if:id)>, net: ..."
///         }
///         chain postrouting {
///             type nat hook postrouting priority srcnat; policy accept;
///             ip daddr 224.0.0.0/4 return
///             ip6 daddr ff00::/8 return
///             goto masq_checks
///         }
///     }
///
/// Each setup, teardown and GC is one list of `masq_checks` plus at most one batch.
public struct NFTablesMasquerade: MasqueradeBackend {
    public var kind: MasqueradeBackendKind { .nftables }

    public static let table = NFTTableRef(.inet, FirewallNames.masqueradeTable)
    public static let checks = table.chain(FirewallNames.masqueradeChain)
    public static let postrouting = table.chain(FirewallNames.masqueradePostrouting)

    /// The socket of the last change stays open until the process exits: its release would wait for
    /// the kernel's deferred freeing of deleted rules, which instead overlaps the rest of the plugin's
    /// work (``NFTSocketKeeper``; bridge DEL 37 -> 20 ms).
    private static let keeper = NFTSocketKeeper()

    /// Opens the netfilter sockets, in the namespace the rules live in.
    public var netfilter: TransportOpener

    public init(netfilter: TransportOpener = .callingThread(.netfilter)) {
        self.netfilter = netfilter
    }

    public func isPresent() -> Bool { NodeFirewallProbe.kernelHasNFTables(netfilter) }

    /// Equivalent to the reference's `nft -f` of: add table/chains, flush and refill `postrouting`, delete
    /// this attachment's stale rules, add one rule per address; all in one transaction.
    public func setup(_ attachment: MasqueradeAttachment) throws(FirewallError) {
        let prefix = instanceHash(attachment)
        let wanted = attachment.addresses.map { Self.rule(for: $0, attachment) }
        do {
            let connection = try NFTConnection(netfilter)
            try connection.transact { (connection) throws(NFTError) in
                let stale = try connection.rules(in: Self.checks) { $0?.hasPrefix(prefix) == true }
                // The reference rewrites the table, chains and `postrouting` on every ADD. We do so only when
                // `postrouting` is not already right: updating an existing chain or deleting rules queues
                // work the kernel finishes after an RCU grace period, and closing the socket (at our exit)
                // waits for it, 4-20 ms. A batch of new rules alone is released at once.
                let entry = try connection.rules(in: Self.postrouting)
                var batch = entry.map(\.expressions) == Self.postroutingRules().map(\.expressions) ? NFTBatch() : Self.skeleton()
                // Rules already exactly as wanted stay where they are (a repeated ADD changes nothing).
                if stale.map(\.expressions) != wanted.map(\.expressions) || stale.map(\.comment) != wanted.map(\.comment) {
                    for rule in stale { batch.deleteRule(rule) }
                    for rule in wanted { batch.add(rule) }
                }
                return batch
            }
            Self.keeper.keep(connection)
        } catch {
            throw FirewallError("set up nftables masquerade for \(attachment.label)", error)
        }
    }

    /// Deletes the rules whose comment starts with the attachment's instance hash; needs no addresses.
    public func teardown(_ attachment: MasqueradeAttachment) throws(FirewallError) {
        let prefix = instanceHash(attachment)
        try deleteRules(what: "tear down nftables masquerade for \(attachment.label)") {
            $0?.hasPrefix(prefix) == true
        }
    }

    /// Deletes the rules of `network` whose comment is not that of a valid attachment.
    public func gc(network: String, keeping valid: [AttachmentID]) throws(FirewallError) {
        let prefix = FirewallNames.masqueradeNetworkHash(network: network)
        let keep = Set(
            valid.map {
                FirewallNames.masqueradeComment(network: network, ifName: $0.ifName, containerID: $0.containerID)
            })
        try deleteRules(what: "garbage-collect nftables masquerade rules of network \(network)") {
            guard let comment = $0, comment.hasPrefix(prefix) else { return false }
            return !keep.contains(comment)
        }
    }

    /// Every address has its rule (same expressions, same comment) and `postrouting` leads to `masq_checks`.
    public func check(_ attachment: MasqueradeAttachment) throws(FirewallError) {
        let what = "check nftables masquerade for \(attachment.label)"
        let rules: [NFTListedRule], entry: [NFTListedRule]
        do {
            let connection = try NFTConnection(netfilter)
            rules = try connection.rules(in: Self.checks)
            entry = try connection.rules(in: Self.postrouting)
        } catch {
            throw FirewallError(what, error)
        }
        if entry.map(\.expressions) != Self.postroutingRules().map(\.expressions) {
            throw FirewallError(.checkFailed, what, detail: "chain \(Self.postrouting) does not lead to \(Self.checks)")
        }
        for address in attachment.addresses {
            let want = Self.rule(for: address, attachment)
            if !rules.contains(where: { $0.comment == want.comment && $0.expressions == want.expressions }) {
                throw FirewallError(
                    .checkFailed, what, detail: "no rule for \(address.address) in \(Self.checks)")
            }
        }
    }

    // MARK: layout

    private func instanceHash(_ a: MasqueradeAttachment) -> String {
        FirewallNames.masqueradeInstanceHash(network: a.network, ifName: a.ifName, containerID: a.containerID)
    }

    /// The table, both chains and a freshly written `postrouting`, in the reference's order (`masq_checks`
    /// first, so that `nft list ruleset` lists the chains in the same order).
    static func skeleton() -> NFTBatch {
        var batch = NFTBatch()
        batch.add(NFTTable(table, comment: FirewallNames.masqueradeTableComment))
        batch.add(NFTChain(checks, comment: FirewallNames.masqueradeChainComment))
        batch.add(
            NFTChain(postrouting, base: NFTBaseChain(type: .nat, hook: .postrouting, priority: NFTPriority.srcnat)))
        batch.append(.flushChain(postrouting))
        for rule in postroutingRules() { batch.add(rule) }
        return batch
    }

    /// `ip daddr 224.0.0.0/4 return`, `ip6 daddr ff00::/8 return`, `goto masq_checks`.
    static func postroutingRules() -> [NFTRule] {
        [
            NFTRule(chain: postrouting) {
                $0.match(.destination, IPNetwork(address: IPAddress(v4: 0xe000_0000), prefixLength: 4)!)
                $0.verdict(.return)
            },
            NFTRule(chain: postrouting) {
                $0.match(.destination, IPNetwork(address: IPAddress(v6High: 0xff00 << 48, low: 0), prefixLength: 8)!)
                $0.verdict(.return)
            },
            NFTRule(chain: postrouting) { $0.verdict(.goto(FirewallNames.masqueradeChain)) },
        ]
    }

    /// `ip saddr <ip> ip daddr != <subnet> masquerade comment "<instance comment>"`.
    static func rule(for address: IPNetwork, _ a: MasqueradeAttachment) -> NFTRule {
        let comment = FirewallNames.masqueradeComment(network: a.network, ifName: a.ifName, containerID: a.containerID)
        return NFTRule(chain: checks, comment: comment) {
            $0.match(.source, address: address.address)
            $0.match(.destination, .neq, address.network)
            $0.masquerade()
        }
    }

    /// Lists `masq_checks` and deletes the rules whose comment matches in one batch (none: no batch). A missing table
    /// lists as empty, so this is idempotent.
    private func deleteRules(what: String, where matches: (String?) -> Bool) throws(FirewallError) {
        do {
            let connection = try NFTConnection(netfilter)
            try connection.transact { (connection) throws(NFTError) in
                var batch = NFTBatch()
                for rule in try connection.rules(in: Self.checks, whereComment: matches) { batch.deleteRule(rule) }
                return batch
            }
            Self.keeper.keep(connection)
        } catch {
            throw FirewallError(what, error)
        }
    }
}
