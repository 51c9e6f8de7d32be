import Firewall
import NFTables
import NetAddress
import Netlink

/// `macspoofchk`: frames entering the bridge from the container's port must carry the container's
/// MAC. The reference's layout (`pkg/link/spoofcheck.go`, libvirt's ebtables scheme) object for
/// object, so either implementation tears down the other's rules:
///
///     table bridge nat {
///         chain PREROUTING {
///             type filter hook prerouting priority -300; policy accept;
///             iifname "veth1a2b3c4d" jump cni-br-iface-<cid>-<ifname> comment "macspoofchk-<cid>-<ifname>"
///         }
///         chain cni-br-iface-<cid>-<ifname> {
///             jump cni-br-iface-<cid>-<ifname>-mac comment "macspoofchk-<cid>-<ifname>"
///         }
///         chain cni-br-iface-<cid>-<ifname>-mac {
///             ether saddr 0a:58:0a:01:00:02 return comment "macspoofchk-<cid>-<ifname>"
///             drop comment "macspoofchk-<cid>-<ifname>"
///         }
///     }
///
/// The reference writes this in two `nft` transactions and appends the PREROUTING jump again on
/// every setup; here setup is one listing plus one atomic batch that also replaces an earlier
/// jump of the same attachment, so a repeated ADD leaves one copy. Works in the calling thread's
/// network namespace.
public struct SpoofCheck: Sendable {
    public var containerID: String
    public var ifName: String
    /// Opens the netfilter sockets, in the host namespace.
    public var netfilter: TransportOpener

    public init(containerID: String, ifName: String, netfilter: TransportOpener = .callingThread(.netfilter)) {
        self.containerID = containerID
        self.ifName = ifName
        self.netfilter = netfilter
    }

    public static let table = NFTTableRef(.bridge, "nat")
    public static let prerouting = table.chain("PREROUTING")
    static let commentPrefix = "macspoofchk-"

    /// `<containerID>-<ifname>`, the reference's `uniqueID`.
    var id: String { "\(containerID)-\(ifName)" }
    public var comment: String { Self.commentPrefix + id }
    public var interfaceChain: NFTChainRef { Self.table.chain("cni-br-iface-\(id)") }
    public var macChain: NFTChainRef { Self.table.chain("cni-br-iface-\(id)-mac") }

    /// The rules for host port `hostInterface` and container MAC `mac`, in order.
    public func rules(hostInterface: String, mac: MACAddress) -> [NFTRule] {
        [
            NFTRule(chain: Self.prerouting, comment: comment) {
                $0.matchInterface(.input, name: hostInterface)
                $0.verdict(.jump(interfaceChain.name))
            },
            NFTRule(chain: interfaceChain, comment: comment) { $0.verdict(.jump(macChain.name)) },
            NFTRule(chain: macChain, comment: comment) {
                // `ether saddr <mac>`: the bridge family needs no link-layer dependency.
                $0.append(.payload(.link, offset: 6, length: 6, register: nftRegister1))
                $0.append(.cmp(.eq, register: nftRegister1, data: mac.bytes))
                $0.verdict(.return)
            },
            NFTRule(chain: macChain, comment: comment) { $0.verdict(.drop) },
        ]
    }

    /// Installs the rules (ADD). Idempotent.
    ///
    /// Objects that exist are not declared again: re-adding a table or chain, like flushing or
    /// deleting, leaves work the kernel finishes after an RCU grace period, which closing the
    /// socket waits for (4–20 ms, see `NFTablesMasquerade.setup`). A new attachment on a node
    /// that has the table therefore only adds its two chains and four rules.
    public func setup(hostInterface: String, mac: MACAddress) throws(BridgeError) {
        try transact("set up spoof check for \(id)") { (connection) throws(NFTError) in
            let stale = try connection.rules(in: Self.prerouting) { $0 == comment }
            var batch = NFTBatch()
            if try !connection.chainExists(Self.prerouting) {
                batch.add(NFTTable(Self.table))
                batch.add(NFTChain(Self.prerouting, base: NFTBaseChain(type: .filter, hook: .prerouting, priority: -300, policy: .accept)))
            }
            for chain in [interfaceChain, macChain] {
                if try connection.chainExists(chain) {
                    batch.append(.flushChain(chain))
                } else {
                    batch.add(NFTChain(chain))
                }
            }
            for rule in stale { batch.deleteRule(rule) }
            for rule in rules(hostInterface: hostInterface, mac: mac) { batch.add(rule) }
            return batch
        }
    }

    /// Removes the rules and chains (DEL). Idempotent: nothing there is success.
    public func teardown() throws(BridgeError) {
        try transact("tear down spoof check for \(id)") { (connection) throws(NFTError) in
            let jumps = try connection.rules(in: Self.prerouting) { $0 == comment }
            var batch = NFTBatch()
            for rule in jumps { batch.deleteRule(rule) }
            for chain in [interfaceChain, macChain] where try connection.chainExists(chain) {
                batch.append(.deleteChain(chain))
            }
            return batch
        }
    }

    /// Verifies the rules for `hostInterface` and `mac` are in place (CHECK).
    public func check(hostInterface: String, mac: MACAddress) throws(BridgeError) {
        let wanted = rules(hostInterface: hostInterface, mac: mac)
        let what = "check spoof check for \(id)"
        do {
            let connection = try NFTConnection(netfilter)
            for chain in [Self.prerouting, interfaceChain, macChain] {
                let present = try connection.rules(in: chain) { $0 == comment }.map(\.expressions)
                for rule in wanted where rule.chain == chain && !present.contains(rule.expressions) {
                    throw BridgeError(.firewall, "\(what): rule missing from \(chain)")
                }
            }
        } catch let error as BridgeError {
            throw error
        } catch {
            throw BridgeError(.firewall, what, cause: error)
        }
    }

    /// Plans a batch from what the kernel holds and commits it (``NFTConnection/transact(_:)``:
    /// planned again when it loses a race with a concurrent change).
    private func transact(_ what: String, _ plan: (NFTConnection) throws(NFTError) -> NFTBatch) throws(BridgeError) {
        do {
            try NFTConnection(netfilter).transact(plan)
        } catch {
            throw BridgeError(.firewall, what, cause: error)
        }
    }
}

extension SpoofCheck {
    /// GC: removes the spoof checks of attachments not in `valid` whose host port no longer exists
    /// (`portExists` answers for a name). The rules do not name their network, so a rule whose port
    /// is still there may belong to another network's live attachment and is always kept.
    public static func collectGarbage(
        keeping valid: [AttachmentID], netfilter: TransportOpener = .callingThread(.netfilter), portExists: (String) -> Bool
    ) throws(BridgeError) {
        let keep = Set(valid.map { SpoofCheck(containerID: $0.containerID, ifName: $0.ifName).comment })
        do {
            try NFTConnection(netfilter).transact { (connection) throws(NFTError) in
                let jumps = try connection.rules(in: prerouting) { ($0?.hasPrefix(commentPrefix) ?? false) && !keep.contains($0!) }
                var batch = NFTBatch()
                var doomed: [String] = []
                for rule in jumps {
                    guard let port = interfaceName(of: rule), !portExists(port), case .verdict(.jump(let chain))? = rule.expressions.last
                    else { continue }
                    batch.deleteRule(rule)
                    doomed.append(chain)
                }
                for chain in doomed {
                    for ref in [table.chain(chain), table.chain(chain + "-mac")] where try connection.chainExists(ref) {
                        batch.append(.deleteChain(ref))
                    }
                }
                return batch
            }
        } catch {
            throw BridgeError(.firewall, "garbage-collect spoof checks", cause: error)
        }
    }

    /// The name an `iifname "<name>"` match of `rule` compares with.
    static func interfaceName(of rule: NFTListedRule) -> String? {
        let e = rule.expressions
        for i in e.indices.dropLast() {
            guard case .meta(.iifname, let register) = e[i], case .cmp(.eq, register, let data) = e[i + 1] else { continue }
            return String(decoding: data.prefix { $0 != 0 }, as: UTF8.self)
        }
        return nil
    }
}
