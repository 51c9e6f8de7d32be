import DomainErrors
import Glibc

/// Finds a plugin executable by `type` in the `CNI_PATH` directories, as libcni's `FindInPath`:
/// the first directory holding a *regular file* of that name wins (the exec bit is not checked;
/// exec reports it).
public struct PluginLocator: Sendable, Hashable {
    /// The directories to search, in order.
    public var paths: [String]

    public init(paths: [String]) {
        self.paths = paths
    }

    /// Splits a `CNI_PATH` value on `:`; empty entries are dropped (libcni would search the
    /// working directory for them, which no runtime intends).
    public init(cniPath: String) {
        self.init(paths: Self.split(cniPath))
    }

    /// `CNI_PATH` as a list of directories.
    public static func split(_ cniPath: String) -> [String] {
        cniPath.split(separator: ":").map(String.init)
    }

    /// The full path of plugin `name`.
    public func find(_ name: String) throws(PluginLocatorError) -> String {
        guard !name.isEmpty else { throw .noName }
        guard !name.contains("/") else { throw .invalidName(name) }
        guard !paths.isEmpty else { throw .noPaths }
        for dir in paths {
            let full = dir.hasSuffix("/") ? dir + name : dir + "/" + name
            var st = stat()
            if stat(full, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG { return full }
        }
        throw .notFound(name: name, paths: paths)
    }
}

/// Why a plugin could not be found, with libcni's messages.
public enum PluginLocatorError: DomainError, Sendable, Hashable {
    /// `no plugin name provided` (for IPAM: the config has no `ipam.type`).
    case noName
    /// `invalid plugin name: a/b`
    case invalidName(String)
    /// `no paths provided` (`CNI_PATH` empty).
    case noPaths
    /// `failed to find plugin "x" in path [/opt/cni/bin /usr/lib/cni]`
    case notFound(name: String, paths: [String])

    public var message: String {
        switch self {
        case .noName: return "no plugin name provided"
        case .invalidName(let name): return "invalid plugin name: \(name)"
        case .noPaths: return "no paths provided"
        case .notFound(let name, let paths):
            return "failed to find plugin \(goQuote(name)) in path [\(paths.joined(separator: " "))]"
        }
    }

    /// A missing or hostile `type` (`ipam.type: "../x"`) is the config's fault: code 7 (the
    /// reference reports 999 for all of these). A plugin not found or no `CNI_PATH` stays 999.
    public var kind: ErrorKind {
        switch self {
        case .noName, .invalidName: return .invalidConfig
        case .noPaths: return .internal
        case .notFound: return .notFound
        }
    }
}
