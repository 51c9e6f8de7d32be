import Firewall
import NFTables
import NetAddress

/// The nftables backend's layout (ours: the reference has none). One `inet` table for both
/// families, shaped like the reference's iptables chains so that an admin finds the same places:
///
///     table inet cni_plugins_firewall {
///         comment "Firewall rules for plugins from github.com/containernetworking/plugins"
///         chain forward {
///             type filter hook forward priority filter; policy accept;
///             jump isolation_stage_1
///             jump containers
///         }
///         chain containers {
///             jump admin
///             ip daddr 10.88.0.2 ct state established,related accept comment "<tag>, net: mynet, if: eth0, id: ctr1"
///             ip saddr 10.88.0.2 accept comment "<tag>, net: mynet, if: eth0, id: ctr1"
///         }
///         chain admin { }                          # the admin's own rules; never touched by the plugin
///         chain isolation_stage_1 {                # ingressPolicy same-bridge / isolated, per bridge
///             iifname "cni0" oifname != "cni0" jump isolation_stage_2
///             iifname "cni0" oifname "cni0" drop     # isolated only
///         }
///         chain isolation_stage_2 { oifname "cni0" drop }
///         chain attachment-<tag> { comment "containers=2; net: mynet, if: eth0, id: ctr1" }
///     }
///
/// `<tag>` is `<h16(network)>-<h16(ifName:containerID)>` (the masquerade's and portmap's tag), so a
/// DEL removes exactly one attachment's rules and GC finds a network's rules by prefix.
///
/// Cost does not grow with the number of containers: each attachment has an empty "anchor" chain,
/// created in the ADD's transaction right before its rules. Handles are allocated in sequence
/// within a table while a transaction is applied, so its rules have the handles that follow the
/// anchor's; the anchor's comment records how many there are. DEL looks up one chain by name and
/// deletes those handles in one transaction: no chain is listed.
///
/// What nftables means here: every table's base chains see a packet, and an `accept` in one does
/// not overrule a `drop` in another. So the accept rules let container traffic past the rules of
/// this table (the admin chain's and the isolation's verdicts come first, as in iptables); a node
/// whose own forward chain drops by default must let container traffic through there itself.
enum NFTFirewallLayout {
    static let table = NFTTableRef(.inet, FirewallNames.firewallTable)
    static let forward = table.chain("forward")
    static let containers = table.chain("containers")
    static let admin = table.chain("admin")
    static let stage1 = table.chain("isolation_stage_1")
    static let stage2 = table.chain("isolation_stage_2")
    static let anchorPrefix = "attachment-"

    // MARK: shared objects

    static func forwardRules() -> [NFTRule] {
        [
            NFTRule(chain: forward) { $0.verdict(.jump(stage1.name)) },
            NFTRule(chain: forward) { $0.verdict(.jump(containers.name)) },
        ]
    }

    static func adminJump() -> NFTRule { NFTRule(chain: containers) { $0.verdict(.jump(admin.name)) } }

    /// Which shared objects exist: the chains by name, with `forward`'s rules (two).
    struct Skeleton: Sendable {
        var chains: Set<String> = []
        var forwardRules: [[NFTExpression]] = []
    }

    /// One lookup per shared chain and one listing of `forward`: the cost does not depend on the
    /// number of containers.
    static func probe(_ connection: NFTConnection) throws(NFTError) -> Skeleton {
        var out = Skeleton()
        for chain in [forward, containers, admin, stage1, stage2] where try connection.chain(chain) != nil {
            out.chains.insert(chain.name)
        }
        if out.chains.contains(forward.name) { out.forwardRules = try connection.rules(in: forward).map(\.expressions) }
        return out
    }

    /// The table and shared chains as they must be, minus what `existing` shows in place
    /// (re-adding an existing object is not free: the kernel records an update).
    static func skeleton(existing: Skeleton) -> [NFTBatch.Operation] {
        var ops: [NFTBatch.Operation] = []
        if existing.chains.isEmpty { ops.append(.addTable(NFTTable(table, comment: FirewallNames.firewallTableComment))) }
        for chain in [admin, stage1, stage2] where !existing.chains.contains(chain.name) {
            ops.append(.addChain(NFTChain(chain)))
        }
        if !existing.chains.contains(containers.name) {
            ops.append(.addChain(NFTChain(containers)))
            ops.append(.addRule(adminJump()))
        }
        let wanted = forwardRules()
        if !existing.chains.contains(forward.name) {
            ops.append(.addChain(NFTChain(forward, base: NFTBaseChain(type: .filter, hook: .forward, priority: NFTPriority.filter))))
            ops += wanted.map { .addRule($0) }
        } else if existing.forwardRules != wanted.map(\.expressions) {
            ops.append(.flushChain(forward))
            ops += wanted.map { .addRule($0) }
        }
        return ops
    }

    // MARK: one attachment

    static func anchor(_ a: FirewallAttachment) -> NFTChainRef { table.chain(anchorPrefix + a.tag) }

    /// `containers=<n>; net: <net>, if: <if>, id: <cid>` (cut to 128 bytes).
    static func anchorComment(_ a: FirewallAttachment, count: Int) -> String {
        "containers=\(count); net: \(a.network), if: \(a.ifName), id: \(a.containerID)".truncatedToUTF8(bytes: NFTRule.maxCommentLength)
    }

    /// The rule count an anchor's comment records; nil when it is not one of ours.
    static func recordedCount(_ comment: String?) -> Int? {
        guard let comment, comment.hasPrefix("containers="),
            let end = comment.firstIndex(of: ";")
        else { return nil }
        return Int(comment[comment.index(comment.startIndex, offsetBy: 11)..<end])
    }

    /// The attachment's rules, in the order they follow its anchor: per address, replies in and
    /// anything out.
    static func addressRules(_ a: FirewallAttachment) -> [NFTRule] {
        let comment = a.ruleComment
        return IPFamily.allCases.flatMap { a.hosts($0) }.flatMap { address in
            [
                NFTRule(chain: containers, comment: comment) {
                    $0.match(.destination, address: address)
                    $0.matchConntrackState([.established, .related])
                    $0.verdict(.accept)
                },
                NFTRule(chain: containers, comment: comment) {
                    $0.match(.source, address: address)
                    $0.verdict(.accept)
                },
            ]
        }
    }

    // MARK: isolation

    /// Stage 1's and stage 2's rules for `bridge`.
    static func isolationRules(_ bridge: String, policy: IngressPolicy) -> [NFTRule] {
        let comment = FirewallNames.firewallIsolationComment
        var rules = [
            NFTRule(chain: stage1, comment: comment) {
                $0.matchInterface(.input, name: bridge)
                $0.matchInterface(.output, .neq, name: bridge)
                $0.verdict(.jump(stage2.name))
            }
        ]
        if policy == .isolated {
            rules.append(
                NFTRule(chain: stage1, comment: comment) {
                    $0.matchInterface(.input, name: bridge)
                    $0.matchInterface(.output, name: bridge)
                    $0.verdict(.drop)
                })
        }
        rules.append(
            NFTRule(chain: stage2, comment: comment) {
                $0.matchInterface(.output, name: bridge)
                $0.verdict(.drop)
            })
        return rules
    }

    /// The isolation rules for `bridge` that are not in place yet (the stage chains hold one or
    /// two rules per isolated bridge, not per container).
    static func missingIsolation(
        _ bridge: String, policy: IngressPolicy, _ connection: NFTConnection, existing: Skeleton
    ) throws(NFTError) -> [NFTRule] {
        var present: [NFTChainRef: [[NFTExpression]]] = [:]
        for chain in [stage1, stage2] where existing.chains.contains(chain.name) {
            present[chain] = try connection.rules(in: chain).map(\.expressions)
        }
        return isolationRules(bridge, policy: policy).filter { !(present[$0.chain] ?? []).contains($0.expressions) }
    }
}
