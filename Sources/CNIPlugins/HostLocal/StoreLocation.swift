/// Where a network's leases live: `<dataDir>/<network>/`, as the reference lays it out.
public struct StoreLocation: Hashable, Sendable {
    public static let defaultDataDir = "/var/lib/cni/networks"
    /// Our cache directory under the data dir. It starts with a dot, which no valid network name
    /// does (the spec's names match `^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$`).
    public static let cacheDirectoryName = ".swift-cni"

    public let dataDir: String
    public let network: String

    /// Refuses a network name or data dir that would put state outside the data dir: `/`, `.`,
    /// `..` or NUL in the name, `..` components or NUL in the path. Nothing is created here.
    public init(network: String, dataDir: String?) throws {
        let dir = (dataDir?.isEmpty ?? true) ? Self.defaultDataDir : dataDir!
        if network.isEmpty || network == "." || network == ".." || network.utf8.contains(0)
            || network.utf8.contains(UInt8(ascii: "/")) || network == Self.cacheDirectoryName
        {
            throw HostLocalError.config("invalid network name \"\(Self.printable(network))\": it cannot be used as a directory name")
        }
        if dir.utf8.contains(0) || dir.split(separator: "/").contains("..") {
            throw HostLocalError.config("invalid dataDir \"\(Self.printable(dir))\": it must not contain \"..\" components or NUL")
        }
        self.dataDir = dir
        self.network = network
    }

    /// `<dataDir>/<network>`, for messages.
    public var leaseDirectory: String {
        (dataDir.hasSuffix("/") ? dataDir : dataDir + "/") + network
    }

    private static func printable(_ s: String) -> String {
        String(s.unicodeScalars.map { $0.value < 32 ? "?" : Character($0) })
    }
}
