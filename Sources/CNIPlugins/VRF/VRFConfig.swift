import CNI
import PluginKit

/// vrf's options (the reference's `VRFNetConf`):
///
/// | key | meaning |
/// |---|---|
/// | `vrfname` | the VRF device in the container that `CNI_IFNAME` is enslaved to (created if missing) |
/// | `table` | its routing table; 0 or absent picks the lowest table no VRF of the namespace uses |
public struct VRFConfig: Sendable {
    static let fields = NetworkConfig.fields + ["vrfname", "table"]

    public var vrfName: String
    /// nil: any (a new VRF gets a free one).
    public var table: UInt32?

    public init(_ config: NetworkConfig) throws(PluginError) {
        let o = config.object(Self.fields)
        let (name, table) = try PluginError.reading { () throws -> (String, UInt32) in
            (try o["vrfname"].string() ?? "", try o["table"].int(UInt32.self) ?? 0)
        }
        guard !name.isEmpty else { throw PluginError.config("configuration is expected to have a valid vrf name") }
        // A VRF is a link: its name obeys the kernel's rules for interface names.
        do {
            try CNIValidation.validateInterfaceName(name)
        } catch {
            throw PluginError.config("invalid vrfname \"\(name)\": \(error.msg)")
        }
        vrfName = name
        self.table = table == 0 ? nil : table
    }

    /// What DEL needs, read without failing; nil without a usable `vrfname`.
    public static func lenient(_ config: NetworkConfig) -> String? {
        let name = (try? config.object(Self.fields)["vrfname"].string()) ?? nil
        return (name ?? "").isEmpty ? nil : name
    }
}
