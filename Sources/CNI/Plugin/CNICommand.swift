/// The verbs of the CNI protocol, as `CNI_COMMAND` spells them.
public enum CNICommand: String, Sendable, Hashable, CaseIterable {
    case add = "ADD"
    case check = "CHECK"
    case delete = "DEL"
    case gc = "GC"
    case status = "STATUS"
    case version = "VERSION"

    /// The `CNI_*` variables this verb requires, in the order skel reports missing ones.
    /// (skel requires `CNI_PATH` for every verb but VERSION, stricter than the spec.)
    var requiredVariables: [String] {
        switch self {
        case .add, .check: return ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_PATH"]
        case .delete: return ["CNI_CONTAINERID", "CNI_IFNAME", "CNI_PATH"]
        case .gc, .status: return ["CNI_PATH"]
        case .version: return []
        }
    }

    /// DEL and GC: the verbs that tear down, which the teardown rule (``GoValue/readable(_:)``)
    /// lets fail only on the envelope, never on a plugin's own options.
    public var tearsDown: Bool { self == .delete || self == .gc }

    /// The lowest config version that may use this verb (CHECK 0.4.0, GC/STATUS 1.1.0).
    var minimumVersion: CNIVersion? {
        switch self {
        case .check: return .v0_4_0
        case .gc, .status: return .v1_1_0
        case .add, .delete, .version: return nil
        }
    }
}
