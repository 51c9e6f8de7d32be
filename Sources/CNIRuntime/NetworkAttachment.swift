import CNI
import NetAddress

/// One attachment of a container to a network: everything a request needs besides the network
/// config (libcni's `RuntimeConf`). The attachment is identified by (network, container ID,
/// interface name); its result is cached under that key.
public struct NetworkAttachment: Sendable, Hashable {
    /// `CNI_CONTAINERID`.
    public var containerID: String
    /// `CNI_NETNS`: the path of the container's network namespace.
    public var netns: String
    /// `CNI_IFNAME`: the interface to create inside the namespace.
    public var ifName: String
    /// `CNI_ARGS` pairs, in order (sent as `K=V;K=V`).
    public var args: [CNIArgs.Pair]
    /// Capability args (`portMappings`, `ipRanges`, …); each plugin gets the ones it declares in
    /// `capabilities`, under `runtimeConfig`.
    public var capabilityArgs: JSONObject?

    public init(
        containerID: String, netns: String, ifName: String = "eth0", args: [CNIArgs.Pair] = [],
        capabilityArgs: JSONObject? = nil
    ) {
        self.containerID = containerID
        self.netns = netns
        self.ifName = ifName
        self.args = args
        self.capabilityArgs = capabilityArgs
    }

    /// `CNI_ARGS` as plugins receive it.
    public var argsText: String { args.map { "\($0.key)=\($0.value)" }.joined(separator: ";") }

    /// The key GC compares against its valid list.
    public var validAttachment: ValidAttachment { ValidAttachment(containerID: containerID, ifName: ifName) }
}

/// How cnitool turns its command line and environment into an ``NetworkAttachment``, exactly as
/// upstream cnitool does, so the same netns path gives the same container ID (and the same cache
/// file and IPAM reservation) with either tool.
public enum CNIToolConventions {
    /// Where `ip netns add` keeps named namespaces.
    public static let namedNamespaceDirectory = "/var/run/netns"

    /// The netns path for a command-line argument. A bare name (no `/`) is a named namespace,
    /// `/var/run/netns/<name>`; anything else is made absolute lexically against `workingDirectory`
    /// (Go's `filepath.Abs`: no symlinks resolved, no existence check).
    public static func netnsPath(_ argument: String, workingDirectory: String) -> String {
        if !argument.contains("/") && argument != "." && argument != ".." && !argument.isEmpty {
            return namedNamespaceDirectory + "/" + argument
        }
        return absolutePath(argument, workingDirectory: workingDirectory)
    }

    /// ``netnsPath(_:workingDirectory:)`` against this process's working directory.
    public static func netnsPath(_ argument: String) -> String {
        netnsPath(argument, workingDirectory: FileSystem.currentDirectory())
    }

    /// `cnitool-` + the first 10 bytes of SHA-512(netns path) in hex.
    public static func containerID(netnsPath: String) -> String {
        "cnitool-" + String(SHA512.hex(netnsPath).prefix(20))
    }

    /// `CNI_ARGS` as cnitool reads it: `K=V` pairs split on `;`, each with exactly one `=` and
    /// both sides non-empty (so a trailing `;` is an error). Empty means no args.
    public static func parseCNIArgs(_ text: String) throws(RuntimeError) -> [CNIArgs.Pair] {
        guard !text.isEmpty else { return [] }
        var pairs: [CNIArgs.Pair] = []
        for pair in text.split(separator: ";", omittingEmptySubsequences: false) {
            let kv = pair.split(separator: "=", omittingEmptySubsequences: false)
            guard kv.count == 2, !kv[0].isEmpty, !kv[1].isEmpty else {
                throw RuntimeError("invalid CNI_ARGS pair \(goQuote(String(pair)))")
            }
            pairs.append(CNIArgs.Pair(key: String(kv[0]), value: String(kv[1])))
        }
        return pairs
    }

    /// `CAP_ARGS`: a JSON object of capability args (`null` or empty means none).
    public static func parseCapabilityArgs(_ text: String) throws(RuntimeError) -> JSONObject? {
        guard !text.isEmpty else { return nil }
        let value: JSONValue
        do {
            value = try JSONParser.parse(Array(text.utf8))
        } catch {
            throw RuntimeError("invalid CAP_ARGS: \(error)")
        }
        // A Go map[string]interface{}: the last of a repeated key wins.
        switch value {
        case .null: return nil
        case .object(let o): return o.uniqued
        default: throw RuntimeError("invalid CAP_ARGS: expected a JSON object, found \(value.kindDescription)")
        }
    }

    /// Go's `filepath.Abs` + `Clean`: join with the working directory, then resolve `.`, `..` and
    /// repeated slashes lexically.
    public static func absolutePath(_ path: String, workingDirectory: String) -> String {
        let joined = path.hasPrefix("/") ? path : workingDirectory + "/" + path
        var parts: [Substring] = []
        for part in joined.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }
}
