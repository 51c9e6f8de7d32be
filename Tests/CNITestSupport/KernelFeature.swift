import Foundation

/// A piece of the kernel that some tests need and a machine's kernel may lack. The kernel of the
/// development machines has no loadable modules and lacks dummy, vlan, ipvlan and vrf; Debian's
/// kernel in the test VM (scripts/vm) has them all. Tests declare what they need with
/// `.needsKernel(...)` (see ``KernelRequirement``).
///
/// Each feature is probed once per process, for real: its probe creates the object in a
/// throwaway namespace. A new feature is one more case and its probe commands.
public enum KernelFeature: String, CaseIterable, Sendable, CustomStringConvertible {
    /// The `dummy` link type.
    case dummy
    /// The `vlan` link type (802.1Q, module 8021q).
    case vlan
    /// The `ipvlan` link type.
    case ipvlan
    /// The `macvlan` link type.
    case macvlan
    /// The `vrf` link type.
    case vrf
    /// The `ifb` link type (intermediate functional block, for egress shaping).
    case ifb
    /// `tap` devices (`ip tuntap`, /dev/net/tun).
    case tap
    /// VLAN filtering on bridges (`CONFIG_BRIDGE_VLAN_FILTERING`).
    case bridgeVLANFiltering = "bridge vlan_filtering"

    public var description: String { rawValue }

    /// `ip` arguments that succeed in a namespace holding a veth pair `p0`/`p1` exactly when the
    /// kernel has the feature.
    var probe: [[String]] {
        switch self {
        case .dummy: return [["link", "add", "probe0", "type", "dummy"]]
        case .vlan: return [["link", "add", "link", "p0", "name", "probe0", "type", "vlan", "id", "5"]]
        case .ipvlan: return [["link", "add", "link", "p0", "name", "probe0", "type", "ipvlan", "mode", "l2"]]
        case .macvlan: return [["link", "add", "link", "p0", "name", "probe0", "type", "macvlan", "mode", "bridge"]]
        case .vrf: return [["link", "add", "probe0", "type", "vrf", "table", "10"]]
        case .ifb: return [["link", "add", "probe0", "type", "ifb"]]
        case .tap: return [["tuntap", "add", "dev", "probe0", "mode", "tap"]]
        case .bridgeVLANFiltering: return [["link", "add", "probe0", "type", "bridge", "vlan_filtering", "1"]]
        }
    }

    /// Whether this kernel has the feature (false when not root: nothing can be probed).
    public var isAvailable: Bool { KernelProbe.shared.isAvailable(self) }

    /// The features of `features` this kernel lacks, in the order given.
    public static func missing(_ features: [KernelFeature]) -> [KernelFeature] {
        features.filter { !$0.isAvailable }
    }
}

/// Probes features on first use, each in its own throwaway namespace, and remembers the answers.
final class KernelProbe: @unchecked Sendable {
    static let shared = KernelProbe()
    private let lock = NSLock()
    private var known: [KernelFeature: Bool] = [:]

    func isAvailable(_ feature: KernelFeature) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if let answer = known[feature] { return answer }
        let answer = Self.probe(feature)
        known[feature] = answer
        return answer
    }

    private static func probe(_ feature: KernelFeature) -> Bool {
        guard isPrivileged, let ns = try? TestNamespace("probe") else { return false }
        defer { ns.delete() }
        do {
            try Command.check(["ip", "-n", ns.name, "link", "add", "p0", "type", "veth", "peer", "name", "p1"])
            for args in feature.probe { try Command.check(["ip", "-n", ns.name] + args) }
            return true
        } catch {
            return false
        }
    }
}
