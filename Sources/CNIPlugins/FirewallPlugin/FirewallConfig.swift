import CNI
import Firewall
import NetAddress

/// Where the plugin's rules go; the raw values are the config's `backend`.
public enum FirewallRulesBackend: String, Sendable, Hashable, CaseIterable {
    /// The reference's filter-table chains, through iptables-restore.
    case iptables
    /// Our `inet cni_plugins_firewall` table, in-process.
    case nftables
    /// The container addresses as sources of a firewalld zone, over D-Bus.
    case firewalld
}

/// `ingressPolicy`: who may open connections to the container.
public enum IngressPolicy: String, Sendable, Hashable {
    /// Anyone (the default; `""` means it too).
    case open
    /// Only containers on the same bridge (and the host); other isolated bridges are cut off.
    case sameBridge = "same-bridge"
    /// Like `same-bridge`, and containers on the same bridge are cut off from each other too.
    case isolated

    /// Whether the policy installs the isolation chains.
    var isolates: Bool { self != .open }
}

/// The plugin's view of a request: the reference's `FirewallNetConf` (`types.NetConf`, `backend`,
/// `iptablesAdminChainName`, `firewalldZone`, `ingressPolicy`), read with Go's rules.
public struct FirewallConfig: Sendable {
    public var network: String
    /// `backend` as configured (nil: firewalld when it runs, else the node's default).
    public var backend: FirewallRulesBackend?
    /// `iptablesAdminChainName`, default `CNI-ADMIN`.
    public var adminChain: String = FirewallNames.firewallAdmin
    /// `firewalldZone`, default `trusted`.
    public var zone: String = "trusted"
    public var ingressPolicy: IngressPolicy = .open
    public var prevResult: CNIResult?

    static let fields = NetworkConfig.fields + ["backend", "iptablesAdminChainName", "firewalldZone", "ingressPolicy"]

    /// Parses and validates the config. Type errors are code 6; an unknown backend or ingress
    /// policy, or an admin chain name iptables would refuse, code 7: before anything is touched.
    public init(_ config: NetworkConfig) throws(FirewallPluginError) {
        network = config.name
        do {
            prevResult = try config.prevResult
        } catch {
            throw FirewallPluginError(.prevResult(error.code), error.msg)
        }
        let o = config.object(Self.fields)
        do {
            if let text = try o["backend"].string(), !text.isEmpty {
                guard let kind = FirewallRulesBackend(rawValue: text) else {
                    throw FirewallPluginError(.invalidConfig, "unknown firewall backend \"\(text)\"")
                }
                backend = kind
            }
            if let name = try o["iptablesAdminChainName"].string(), !name.isEmpty {
                try Self.validateChainName(name)
                adminChain = name
            }
            if let zone = try o["firewalldZone"].string(), !zone.isEmpty { self.zone = zone }
            if let text = try o["ingressPolicy"].string(), !text.isEmpty {
                guard let policy = IngressPolicy(rawValue: text) else {
                    throw FirewallPluginError(.invalidConfig, "unknown ingress policy: \(goQuote(text))")
                }
                ingressPolicy = policy
            }
        } catch let error as GoReadError {
            throw FirewallPluginError(error.code == .type ? .decoding : .invalidConfig, "failed to load netconf: \(error.message)")
        } catch let error as FirewallPluginError {
            throw error
        } catch {
            throw FirewallPluginError(.invalidConfig, "\(error)")
        }
    }

    /// What DEL needs, read without failing (the teardown rule, ``GoValue/readable(_:)``): the
    /// addresses and bridge of a `prevResult` that decodes, `firewalldZone`, and `backend`, which
    /// decides whether firewalld is asked (unset when it does not read). The other options shape
    /// only ADD's and CHECK's rules.
    public init(teardown config: NetworkConfig) {
        network = config.name
        prevResult = config.readablePrevResult
        let o = config.object(Self.fields)
        backend = o["backend"].readable { v throws(GoReadError) in try v.string() }.flatMap(FirewallRulesBackend.init(rawValue:))
        if let zone = o["firewalldZone"].readable({ v throws(GoReadError) in try v.string() }), !zone.isEmpty { self.zone = zone }
    }

    /// iptables' own rules for a user-defined chain name: at most 28 bytes, no blanks or quotes,
    /// not an option or a built-in target.
    static func validateChainName(_ name: String) throws(FirewallPluginError) {
        let bad = name.utf8.count > 28 || name.hasPrefix("-") || name.hasPrefix("!")
            || name.unicodeScalars.contains { $0.value <= 0x20 || $0 == "\"" || $0 == "'" || $0.value == 0x7f }
            || ["ACCEPT", "DROP", "RETURN", "QUEUE", "REJECT"].contains(name)
        if bad {
            throw FirewallPluginError(.invalidConfig, "invalid iptablesAdminChainName \(goQuote(name))")
        }
    }

    /// The attachment as DEL, CHECK and GC see it: every IP of prevResult (as the reference takes
    /// them, whatever their interface) and the bridge (prevResult's first interface).
    func attachment(containerID: String, ifName: String) -> FirewallAttachment {
        FirewallAttachment(
            network: network, containerID: containerID, ifName: ifName,
            addresses: prevResult?.ips.map(\.address) ?? [], bridge: prevResult?.interfaces.first?.name,
            adminChain: adminChain, zone: zone, ingressPolicy: ingressPolicy)
    }
}

/// One attachment's firewall: who it is, its addresses and the options that shape the rules.
public struct FirewallAttachment: Sendable {
    public var network: String
    public var containerID: String
    public var ifName: String
    /// The container's addresses (their prefixes do not matter: rules match single addresses).
    public var addresses: [IPNetwork]
    /// The bridge the container is on (prevResult's first interface), for the ingress policy.
    public var bridge: String?
    public var adminChain: String
    public var zone: String
    public var ingressPolicy: IngressPolicy

    public init(
        network: String, containerID: String, ifName: String, addresses: [IPNetwork] = [], bridge: String? = nil,
        adminChain: String = FirewallNames.firewallAdmin, zone: String = "trusted", ingressPolicy: IngressPolicy = .open
    ) {
        self.network = network
        self.containerID = containerID
        self.ifName = ifName
        self.addresses = addresses
        self.bridge = bridge
        self.adminChain = adminChain
        self.zone = zone
        self.ingressPolicy = ingressPolicy
    }

    /// "container ctr1 (network mynet, eth0)", for messages.
    public var label: String { "container \(containerID) (network \(network), \(ifName))" }

    /// `<h16(network)>-<h16(ifName:containerID)>` (the masquerade's and portmap's tag): what the
    /// attachment's nftables rules and anchor and its iptables owner rules are found by.
    var tag: String { FirewallNames.masqueradeInstanceHash(network: network, ifName: ifName, containerID: containerID) }

    /// `<tag>, net: <net>, if: <if>, id: <cid>` (cut to 128 bytes): the comment those rules carry.
    var ruleComment: String { FirewallNames.masqueradeComment(network: network, ifName: ifName, containerID: containerID) }

    /// The single addresses of `family`, without duplicates, in prevResult's order.
    public func hosts(_ family: IPFamily) -> [IPAddress] {
        var out: [IPAddress] = []
        for a in addresses where a.family == family && !out.contains(a.address) { out.append(a.address) }
        return out
    }

    /// The bridge the ingress policy isolates; throws the reference's messages when there is none.
    func isolatedBridge() throws(FirewallPluginError) -> String? {
        guard ingressPolicy.isolates else { return nil }
        guard let bridge else {
            throw FirewallPluginError(
                .invalidConfig,
                "interface needs to be set for ingress policy \(goQuote(ingressPolicy.rawValue)), make sure to chain \"firewall\" plugin with \"bridge\"")
        }
        guard !bridge.isEmpty else { throw FirewallPluginError(.invalidConfig, "got empty bridge name") }
        return bridge
    }
}

/// GC's view of one network's attachments by tag: those of the network not in the valid list are
/// stale (the tags of other networks never are).
struct StaleAttachments {
    let prefix: String
    let keep: Set<String>

    init(network: String, keeping valid: [ValidAttachment]) {
        prefix = FirewallNames.masqueradeNetworkHash(network: network) + "-"
        keep = Set(valid.map {
            FirewallNames.masqueradeInstanceHash(network: network, ifName: $0.ifName, containerID: $0.containerID)
        })
    }

    /// The length of a tag: a comment's first `tagLength` bytes are its tag.
    var tagLength: Int { prefix.utf8.count + 16 }

    /// Whether the comment (of a rule or anchor) names a stale attachment of the network.
    func isStale<S: StringProtocol>(comment: S?) -> Bool {
        guard let comment, comment.utf8.count >= tagLength else { return false }
        let tag = String(comment.prefix(tagLength))
        return tag.hasPrefix(prefix) && !keep.contains(tag)
    }
}
