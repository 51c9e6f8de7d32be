import Firewall
import NFTables
import NetAddress

/// The reference HEAD's nftables layout, one table per family, object for object:
///
///     table ip cni_hostport {
///         comment "CNI portmap plugin"
///         chain hostports {
///             tcp dport 8080 dnat to 10.88.0.2:80 comment "<tag>, net: mynet, if: eth0, id: ctr1"
///         }
///         chain hostip_hostports { }
///         chain hostports_all { jump hostip_hostports; jump hostports }
///         chain prerouting { type nat hook prerouting priority dstnat; fib daddr type local jump hostports_all }
///         chain output { type nat hook output priority -100; fib daddr type local jump hostports_all }
///         chain masquerading {
///             type nat hook postrouting priority srcnat;
///             ip saddr 10.88.0.0/16 ip daddr 10.88.0.2 ct status dnat masquerade comment "<tag>, ..."
///             ip saddr 127.0.0.1 ip daddr 10.88.0.2 masquerade comment "<tag>, ..."
///         }
///         chain attachment-<tag> { comment "hostports=1 masquerading=2 address=10.88.0.2; net: ..." }
///     }
///
/// Our additions, invisible to the reference (which only ever touches its named chains and deletes
/// rules whose comment is exactly a container ID):
/// - Each rule's comment is the attachment's tag (network, interface and container), not the bare
///   container ID, so DEL removes exactly one attachment's rules.
/// - An empty "anchor" chain per attachment, created in the ADD's batch just before the
///   attachment's rules. Handles are allocated in sequence within a table while the batch is
///   applied, so its rules have the handles that follow the anchor's; its comment records how many
///   rules went to which chain. DEL looks up one chain by name and deletes those handles: its cost
///   does not grow with the number of containers on the node (listing `hostports` does).
/// - DNAT rules are inserted at the top of `hostports` (the reference appends them): the most
///   recent ADD of a host port wins, as with iptables' entry rules at the reference's HEAD, so a
///   leaked rule of a dead container cannot shadow a new one.
/// - Hairpin masquerading covers the container's whole subnet (a neighbour reaching the container
///   through a host port needs it as much as the container itself; iptables' `-s <subnet>` does the
///   same), limited to DNATed connections (`ct status dnat`) so that direct traffic between
///   containers of a bridge with br_netfilter is never masqueraded.
enum NFTPortMapLayout {
    static func table(_ family: IPFamily) -> NFTTableRef {
        NFTTableRef(family == .v4 ? .ip : .ip6, FirewallNames.portmapTable)
    }

    static func chain(_ family: IPFamily, _ name: String) -> NFTChainRef { table(family).chain(name) }

    static func hostports(_ family: IPFamily) -> NFTChainRef { chain(family, FirewallNames.portmapHostPorts) }
    static func masquerading(_ family: IPFamily) -> NFTChainRef { chain(family, FirewallNames.portmapMasquerading) }

    /// The chains an attachment's rules can be in (ours: the first and last; the reference's
    /// before v1.9.0 also the second).
    static func ruleChains(_ family: IPFamily) -> [NFTChainRef] {
        [hostports(family), chain(family, FirewallNames.portmapHostIPHostPorts), masquerading(family)]
    }

    // MARK: shared objects

    /// The table, its chains and their entry rules, as the reference's every ADD writes them (the
    /// base chains' single rules flushed and rewritten in the same transaction), minus what
    /// `existing` shows already in place. Leaving existing objects alone matters beyond saving
    /// work: a transaction that deletes a rule or updates a chain leaves work for the kernel to
    /// finish after an RCU grace period, and closing the socket waits for it (milliseconds).
    static func skeleton(_ family: IPFamily, snat: Bool, existing: Skeleton = Skeleton()) -> [NFTBatch.Operation] {
        let t = table(family)
        var ops: [NFTBatch.Operation] = []
        if existing.chains.isEmpty { ops.append(.addTable(NFTTable(t, comment: FirewallNames.portmapTableComment))) }
        func chain(_ name: String, base: NFTBaseChain? = nil, rules: [NFTRule] = []) {
            let ref = Self.chain(family, name)
            let exists = existing.chains[name] != nil
            if !exists { ops.append(.addChain(NFTChain(ref, base: base))) }
            guard !rules.isEmpty, existing.chains[name] != rules.map(\.expressions) else { return }
            if exists { ops.append(.flushChain(ref)) }
            ops += rules.map { .addRule($0) }
        }
        chain(FirewallNames.portmapHostPorts)
        chain(FirewallNames.portmapHostIPHostPorts)
        chain(FirewallNames.portmapHostPortsAll, rules: hostPortsAllRules(family))
        for (name, hook) in [(FirewallNames.portmapPrerouting, NFTHook.prerouting), (FirewallNames.portmapOutput, .output)] {
            let base = Self.chain(family, name)
            chain(name, base: NFTBaseChain(type: .nat, hook: hook, priority: NFTPriority.dstnat), rules: [entryRule(base)])
        }
        if snat {
            chain(FirewallNames.portmapMasquerading, base: NFTBaseChain(type: .nat, hook: .postrouting, priority: NFTPriority.srcnat))
        }
        return ops
    }

    /// Which shared chains exist, with the rules of those whose content the layout fixes.
    struct Skeleton: Sendable {
        /// Chain name → its rules' expressions (empty for the chains whose rules are not read).
        var chains: [String: [[NFTExpression]]] = [:]
    }

    /// Reads the shared chains of `family`'s table: one lookup per chain, one listing per chain
    /// with fixed content (a single rule or two), so the cost does not depend on the mappings.
    static func probe(_ family: IPFamily, _ connection: NFTConnection) throws(NFTError) -> Skeleton {
        var out = Skeleton()
        let fixed: Set = [FirewallNames.portmapHostPortsAll, FirewallNames.portmapPrerouting, FirewallNames.portmapOutput]
        for name in [FirewallNames.portmapHostPorts, FirewallNames.portmapHostIPHostPorts, FirewallNames.portmapHostPortsAll,
                     FirewallNames.portmapPrerouting, FirewallNames.portmapOutput, FirewallNames.portmapMasquerading] {
            let ref = chain(family, name)
            guard try connection.chain(ref) != nil else { continue }
            out.chains[name] = fixed.contains(name) ? try connection.rules(in: ref).map(\.expressions) : []
        }
        return out
    }

    /// `jump hostip_hostports`, `jump hostports`.
    static func hostPortsAllRules(_ family: IPFamily) -> [NFTRule] {
        let all = chain(family, FirewallNames.portmapHostPortsAll)
        return [
            NFTRule(chain: all) { $0.verdict(.jump(FirewallNames.portmapHostIPHostPorts)) },
            NFTRule(chain: all) { $0.verdict(.jump(FirewallNames.portmapHostPorts)) },
        ]
    }

    /// `fib daddr type local jump hostports_all`: only traffic to this host's own addresses.
    static func entryRule(_ base: NFTChainRef) -> NFTRule {
        NFTRule(chain: base) {
            $0.matchDestinationIsLocal()
            $0.verdict(.jump(FirewallNames.portmapHostPortsAll))
        }
    }

    // MARK: one attachment

    /// An attachment's rules of one family, in the order they are added after its anchor.
    struct AttachmentRules: Sendable {
        var hostports: [NFTRule] = []
        var masquerading: [NFTRule] = []
        var all: [NFTRule] { hostports + masquerading }
        var isEmpty: Bool { hostports.isEmpty && masquerading.isEmpty }
    }

    /// The DNAT and masquerade rules of `attachment` for its `family` address (none when it has no
    /// address of that family or no mapping applies to it).
    static func rules(for a: PortMapAttachment, family: IPFamily) throws(PortMapError) -> AttachmentRules {
        guard let address = a.address(family) else { return AttachmentRules() }
        let mappings = a.mappings(for: family)
        guard !mappings.isEmpty else { return AttachmentRules() }
        let key = family == .v4 ? "conditionsV4" : "conditionsV6"
        let conditions = try NFTConditions(a.options.conditions(family), family: family, key: key)
        let comment = FirewallNames.portmapComment(network: a.network, ifName: a.ifName, containerID: a.containerID)
        var out = AttachmentRules()
        let hostports = hostports(family)
        for mapping in mappings {
            // A range that keeps its ports is one interval match; a shifted one is a rule per port
            // (nftables cannot add an offset to a port).
            let pieces: [(ClosedRange<UInt16>, UInt16?)] =
                mapping.count == 1
                ? [(mapping.hostPorts, mapping.containerPorts.lowerBound)]
                : mapping.keepsPorts ? [(mapping.hostPorts, nil)] : mapping.pairs.map { ($0.host...$0.host, $0.container) }
            for (ports, containerPort) in pieces {
                out.hostports.append(
                    NFTRule(chain: hostports, comment: comment) {
                        conditions.apply(to: &$0)
                        if let destination = mapping.destination { $0.match(.destination, address: destination) }
                        $0.matchProtocol(NFTIPProtocol(name: mapping.proto.rawValue)!)
                        $0.matchPorts(.destination, ports)
                        $0.dnat(to: address.address, port: containerPort)
                    })
            }
        }
        guard a.options.snat else { return out }
        let masquerading = masquerading(family)
        if a.options.masqAll {
            out.masquerading.append(
                NFTRule(chain: masquerading, comment: comment) {
                    $0.match(.destination, address: address.address)
                    $0.matchConntrackStatus(.destinationNAT)
                    $0.masquerade()
                })
        } else {
            out.masquerading.append(
                NFTRule(chain: masquerading, comment: comment) {
                    $0.match(.source, address.network)
                    $0.match(.destination, address: address.address)
                    $0.matchConntrackStatus(.destinationNAT)
                    $0.masquerade()
                })
            if family == .v4 {
                out.masquerading.append(
                    NFTRule(chain: masquerading, comment: comment) {
                        $0.match(.source, address: IPAddress(v4: 0x7f00_0001))
                        $0.match(.destination, address: address.address)
                        $0.masquerade()
                    })
            }
        }
        return out
    }

    static func anchor(for a: PortMapAttachment, family: IPFamily) -> NFTChainRef {
        chain(family, FirewallNames.portmapAnchorChain(network: a.network, ifName: a.ifName, containerID: a.containerID))
    }

    static func tag(_ a: PortMapAttachment) -> String {
        FirewallNames.portmapTag(network: a.network, ifName: a.ifName, containerID: a.containerID)
    }
}
