import Firewall
import NetAddress

/// The reference's filter-table layout, rule for rule as iptables-save prints it:
///
///     :CNI-ADMIN - [0:0]
///     :CNI-FORWARD - [0:0]
///     -A FORWARD -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD
///     -A CNI-FORWARD -m comment --comment "CNI firewall plugin admin overrides" -j CNI-ADMIN
///     -A CNI-FORWARD -d 10.88.0.2/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
///     -A CNI-FORWARD -s 10.88.0.2/32 -j ACCEPT
///
/// and, for `ingressPolicy: same-bridge` on bridge `cni0` (comment "CNI firewall plugin rules
/// (ingressPolicy: same-bridge)" on each rule, left out here):
///
///     -A FORWARD -j CNI-ISOLATION-STAGE-1                       (inserted first)
///     -A CNI-ISOLATION-STAGE-1 -i cni0 ! -o cni0 -j CNI-ISOLATION-STAGE-2
///     -A CNI-ISOLATION-STAGE-1 -j RETURN
///     -A CNI-ISOLATION-STAGE-2 -o cni0 -j DROP
///     -A CNI-ISOLATION-STAGE-2 -j RETURN
///
/// `isolated` adds `-A CNI-ISOLATION-STAGE-1 -i cni0 -o cni0 -j DROP` (inserted first). The
/// per-address rules carry no comment: the reference deletes them by their exact text, so ours
/// must be the same text for either side to remove the other's. Shared rules and chains stay on
/// DEL (other containers use them), as in the reference.
///
/// Ours besides: a chain nothing jumps to, recording who each address belongs to, written in the
/// same transaction as the address rules:
///
///     :CNI-FORWARD-OWNERS - [0:0]
///     -A CNI-FORWARD-OWNERS -s 10.88.0.2/32 -m comment --comment "<tag>, net: mynet, if: eth0, id: ctr1" -j RETURN
///
/// so that a DEL without prevResult (the runtime caches no result when a later plugin of the
/// chain failed or was killed) and GC still find the attachment's addresses, and an address two
/// attachments claim keeps its rules until the last one goes.
enum IPTablesFirewallLayout {
    static let table = "filter"

    static func comment(_ text: String) -> [String] { ["-m", "comment", "--comment", text] }

    /// `FORWARD → CNI-FORWARD`
    static var forwardJump: IPTablesNATRule {
        IPTablesNATRule(
            chain: "FORWARD", spec: comment(FirewallNames.firewallForwardComment) + ["-j", FirewallNames.firewallForward])
    }

    /// `CNI-FORWARD → <admin>`
    static func adminJump(_ admin: String) -> IPTablesNATRule {
        IPTablesNATRule(
            chain: FirewallNames.firewallForward, spec: comment(FirewallNames.firewallAdminComment) + ["-j", admin])
    }

    /// The two rules of one container address: replies in, anything out.
    static func addressRules(_ address: IPAddress) -> [IPTablesNATRule] {
        let host = IPNetwork(host: address).description
        return [
            IPTablesNATRule(
                chain: FirewallNames.firewallForward,
                spec: ["-d", host, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"]),
            IPTablesNATRule(chain: FirewallNames.firewallForward, spec: ["-s", host, "-j", "ACCEPT"]),
        ]
    }

    static func addressRules(_ a: FirewallAttachment, _ family: IPFamily) -> [IPTablesNATRule] {
        a.hosts(family).flatMap(addressRules)
    }

    // MARK: owners

    /// The record that `address` belongs to the attachment.
    static func ownerRule(_ address: IPAddress, _ a: FirewallAttachment) -> IPTablesNATRule {
        IPTablesNATRule(
            chain: FirewallNames.firewallOwners,
            spec: ["-s", IPNetwork(host: address).description] + comment(a.ruleComment) + ["-j", "RETURN"])
    }

    /// One owner rule as read back: the rule, the address, the comment naming the attachment.
    struct Owner {
        var rule: IPTablesNATRule
        var address: IPAddress
        var comment: String
    }

    /// The owner rules in `dump` (rules of another shape in the chain are not ours and are left).
    static func owners(_ dump: IPTablesNATDump) -> [Owner] {
        dump.rules(in: FirewallNames.firewallOwners).compactMap { rule in
            guard rule.spec.first == "-s", rule.spec.count > 1, let comment = rule.comment,
                let network = IPNetwork(rule.spec[1])
            else { return nil }
            return Owner(rule: rule, address: network.address, comment: comment)
        }
    }

    /// The lines deleting the address rules of `addresses` and of the owners going, unless an
    /// owner that stays claims the address, and the owners going: each rule as often as it is in
    /// its chain (duplicates from races go too). Empty when none is there. `all` is `owners(dump)`.
    static func releaseLines(_ dump: IPTablesNATDump, addresses: [IPAddress], going: [Owner], of all: [Owner]) -> [String] {
        let goingRules = Set(going.map(\.rule))
        let claimed = Set(all.filter { !goingRules.contains($0.rule) }.map(\.address))
        var doomed: [IPTablesNATRule] = []
        for address in addresses + going.map(\.address) where !claimed.contains(address) {
            for rule in addressRules(address) where !doomed.contains(rule) { doomed.append(rule) }
        }
        for owner in going where !doomed.contains(owner.rule) { doomed.append(owner.rule) }
        return doomed.flatMap { rule in Array(repeating: rule.line("-D"), count: dump.rules.filter { $0 == rule }.count) }
    }

    // MARK: isolation

    static func isolation(_ chain: String, _ spec: [String]) -> IPTablesNATRule {
        let target = Array(spec.suffix(2))
        return IPTablesNATRule(chain: chain, spec: Array(spec.dropLast(2)) + comment(FirewallNames.firewallIsolationComment) + target)
    }

    static var stage1Jump: IPTablesNATRule { isolation("FORWARD", ["-j", FirewallNames.firewallIsolationStage1]) }

    /// Stage 1's rules for `bridge` (inserted at its top, in this order) and its closing RETURN.
    static func stage1(_ bridge: String, policy: IngressPolicy) -> (bridge: [IPTablesNATRule], closing: IPTablesNATRule) {
        let s1 = FirewallNames.firewallIsolationStage1
        var rules = [isolation(s1, ["-i", bridge, "!", "-o", bridge, "-j", FirewallNames.firewallIsolationStage2])]
        if policy == .isolated { rules.append(isolation(s1, ["-i", bridge, "-o", bridge, "-j", "DROP"])) }
        return (rules, isolation(s1, ["-j", "RETURN"]))
    }

    static func stage2(_ bridge: String) -> (bridge: [IPTablesNATRule], closing: IPTablesNATRule) {
        let s2 = FirewallNames.firewallIsolationStage2
        return ([isolation(s2, ["-o", bridge, "-j", "DROP"])], isolation(s2, ["-j", "RETURN"]))
    }

    // MARK: scripts (pure)

    /// The restore lines that bring `dump` to the layout: chains declared only when missing (in
    /// --noflush mode declaring an existing chain flushes it), shared rules inserted first when
    /// missing (as the reference's ensureFirstChainRule/InsertUnique), each address rule appended
    /// unless present (AppendUnique). Empty when all is in place.
    static func setupLines(
        _ dump: IPTablesNATDump, _ a: FirewallAttachment, _ family: IPFamily, addresses: Bool = true,
        isolation bridge: String?
    ) -> [String] {
        var lines: [String] = []
        func declare(_ chain: String) {
            if !dump.hasChain(chain) { lines.append(":\(chain) - [0:0]") }
        }
        func insert(_ rule: IPTablesNATRule) {
            if !dump.rules.contains(rule) { lines.append(rule.insertLine()) }
        }
        func append(_ rule: IPTablesNATRule) {
            if !dump.rules.contains(rule) && !lines.contains(rule.line()) { lines.append(rule.line()) }
        }
        if addresses {
            declare(FirewallNames.firewallForward)
            declare(a.adminChain)
            declare(FirewallNames.firewallOwners)
            insert(forwardJump)
            insert(adminJump(a.adminChain))
            a.hosts(family).forEach { append(ownerRule($0, a)) }
            addressRules(a, family).forEach(append)
        }
        if let bridge {
            declare(FirewallNames.firewallIsolationStage1)
            declare(FirewallNames.firewallIsolationStage2)
            insert(stage1Jump)
            for stage in [stage1(bridge, policy: a.ingressPolicy), stage2(bridge)] {
                stage.bridge.forEach(insert)
                append(stage.closing)
            }
        }
        return lines
    }

    /// The lines deleting the attachment's rules of `family`: those of its prevResult addresses
    /// and of the addresses its owner rules record (all it had, when prevResult is missing), and
    /// those owner rules. An address another attachment also claims keeps its rules.
    static func teardownLines(_ dump: IPTablesNATDump, _ a: FirewallAttachment, _ family: IPFamily) -> [String] {
        let (tag, all) = (a.tag, owners(dump))
        let mine = all.filter { $0.address.family == family && $0.comment.hasPrefix(tag) }
        return releaseLines(dump, addresses: a.hosts(family), going: mine, of: all)
    }

    /// GC: the lines deleting the rules of the network's attachments that are not valid, as
    /// their owner rules record them.
    static func collectionLines(_ dump: IPTablesNATDump, _ stale: StaleAttachments) -> [String] {
        let all = owners(dump)
        return releaseLines(dump, addresses: [], going: all.filter { stale.isStale(comment: $0.comment) }, of: all)
    }

    /// What CHECK requires, in order of dependency: the chains, the jumps, the address rules and
    /// (with an isolating policy) the bridge's isolation rules.
    static func missing(_ dump: IPTablesNATDump, _ a: FirewallAttachment, _ family: IPFamily, isolation bridge: String?) -> String? {
        for chain in [FirewallNames.firewallForward, a.adminChain] where !dump.hasChain(chain) {
            return "chain \(chain)"
        }
        var required = [forwardJump, adminJump(a.adminChain)] + addressRules(a, family)
        if let bridge {
            required.append(stage1Jump)
            required += stage1(bridge, policy: a.ingressPolicy).bridge + stage2(bridge).bridge
        }
        return required.first { !dump.rules.contains($0) }.map { "rule \($0.line())" }
    }
}
