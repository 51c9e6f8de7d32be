import CNI
import Glibc

/// libcni's result cache: one file per attachment under `<directory>/results/`, named
/// `<network>-<containerID>-<ifname>`, in a 0700 directory with 0600 files. Files written here
/// are read by libcni-based runtimes (containerd, CRI-O, upstream cnitool) and theirs by us.
public struct ResultCache: Sendable, Hashable {
    /// The cache directory (libcni's `CacheDir`); results live in its `results/` subdirectory.
    public var directory: String

    /// libcni's default.
    public static let defaultDirectory = "/var/lib/cni"

    public init(directory: String = ResultCache.defaultDirectory) {
        self.directory = directory
    }

    public var resultsDirectory: String { directory + "/results" }

    /// The file for an attachment. All three parts are required (libcni's message otherwise), and
    /// none may hold a `/` or be `..`, so a hostile name cannot point outside the cache.
    public func path(network: String, containerID: String, ifName: String) throws(RuntimeError) -> String {
        guard !network.isEmpty, !containerID.isEmpty, !ifName.isEmpty else {
            throw RuntimeError(
                "cache file path requires network name (\(goQuote(network))), container ID (\(goQuote(containerID))), and interface name (\(goQuote(ifName)))")
        }
        for part in [network, containerID, ifName] where part.contains("/") || part == ".." || part.contains("\0") {
            throw RuntimeError("cache file path part \(goQuote(part)) contains a path separator")
        }
        return "\(resultsDirectory)/\(network)-\(containerID)-\(ifName)"
    }

    /// Stores an entry (directories created 0700, file 0600).
    public func write(_ entry: CachedAttachment) throws(RuntimeError) {
        let file = try path(network: entry.networkName, containerID: entry.containerID, ifName: entry.ifName)
        do {
            try FileSystem.makeDirectories(resultsDirectory, mode: 0o700)
            try FileSystem.writeFileAtomically(file, entry.encoded, mode: 0o600)
        } catch {
            throw RuntimeError("\(error)")
        }
    }

    /// The raw bytes of an attachment's file; nil when there is none.
    public func read(network: String, containerID: String, ifName: String) throws(RuntimeError) -> [UInt8]? {
        let file = try path(network: network, containerID: containerID, ifName: ifName)
        do {
            return try FileSystem.readFile(file)
        } catch {
            throw RuntimeError("\(error)")
        }
    }

    /// The cached entry of an attachment, nil when there is no file. Throws when the file is
    /// not a `cniCacheV1` entry (a legacy cache holds a bare result; see ``result(network:attachment:)``).
    public func entry(network: String, containerID: String, ifName: String) throws(RuntimeError) -> CachedAttachment? {
        guard let bytes = try read(network: network, containerID: containerID, ifName: ifName) else { return nil }
        let entry = try CachedAttachment(bytes: bytes)
        guard entry.kind == CachedAttachment.kindV1 else {
            throw RuntimeError("read cached network \(goQuote(network)) config has wrong kind: \(entry.kind)")
        }
        return entry
    }

    /// The cached ADD result of an attachment converted to `version`, as libcni's
    /// `getCachedResult`: nil when nothing is cached; a file that is not a `cniCacheV1` entry is
    /// read as a legacy cache (the bare result).
    public func result(network: NetworkConfigList, attachment: NetworkAttachment) throws(RuntimeError) -> CNIResult? {
        guard let bytes = try read(network: network.name, containerID: attachment.containerID, ifName: attachment.ifName)
        else { return nil }
        let resultJSON: JSONValue
        if let entry = try? CachedAttachment(bytes: bytes), entry.kind == CachedAttachment.kindV1 {
            // libcni marshals the cached map again before decoding it.
            resultJSON = .object((entry.result ?? JSONObject()).throughGoInterface)
        } else {
            do {
                resultJSON = try JSONParser.parse(bytes)
            } catch {
                throw RuntimeError("\(error)")
            }
        }
        let result: CNIResult
        do {
            result = try CNIResult(json: resultJSON)
        } catch {
            throw RuntimeError(error.description, cause: error)
        }
        do {
            return try result.converted(to: network.cniVersion)
        } catch {
            throw RuntimeError(
                "failed to convert cached result to config version \(goQuote(network.cniVersion)): \(error.description)",
                cause: error)
        }
    }

    /// Removes an attachment's file; true if there was one.
    @discardableResult
    public func remove(network: String, containerID: String, ifName: String) throws(RuntimeError) -> Bool {
        let file = try path(network: network, containerID: containerID, ifName: ifName)
        do {
            return try FileSystem.remove(file)
        } catch {
            throw RuntimeError("\(error)")
        }
    }

    /// Every readable `cniCacheV1` entry with a network and interface name, in file-name order,
    /// optionally only those of one container (libcni's `GetCachedAttachments`). Other files are
    /// skipped. Empty when there is no results directory yet; nil when it cannot be read.
    public func attachments(containerID: String? = nil) -> [(file: String, entry: CachedAttachment)]? {
        let listing: [(name: String, isDirectory: Bool)]
        do {
            guard let entries = try FileSystem.listDirectory(resultsDirectory) else { return [] }
            listing = entries
        } catch {
            return nil
        }
        let part = containerID.map { "-\($0)-" } ?? ""
        var out: [(file: String, entry: CachedAttachment)] = []
        for item in listing where !item.isDirectory {
            // libcni's filter on the name: "-<id>-" neither first nor last.
            if !part.isEmpty && part != "--" {
                let name = Array(item.name.utf8)
                guard let at = Self.firstIndex(of: Array(part.utf8), in: name), at > 0, at + part.utf8.count < name.count
                else { continue }
            }
            let file = resultsDirectory + "/" + item.name
            guard let bytes = try? FileSystem.readFile(file), let entry = try? CachedAttachment(bytes: bytes),
                entry.kind == CachedAttachment.kindV1, !entry.ifName.isEmpty, !entry.networkName.isEmpty
            else { continue }
            if let containerID, !containerID.isEmpty, entry.containerID != containerID { continue }
            out.append((file, entry))
        }
        return out
    }

    static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i..<(i + needle.count)].elementsEqual(needle) {
            return i
        }
        return nil
    }
}
