import CNI
import Glibc
import LinuxNet
import NetAddress

/// The leases the daemon maintains, kept on disk (`-statedir`, one JSON file per lease named by
/// a hash of its client ID) so that a restarted daemon takes them over: it goes on renewing
/// them and releases them on DEL. The reference keeps leases only in memory, so after its
/// restart DEL cannot release them and nothing renews them.
struct LeaseStore: Sendable {
    var directory: String

    func save(_ record: LeaseRecord, _ grant: DHCPExchange.Grant) {
        do {
            try makeDirectory()
            let path = file(record.clientID)
            let scratch = path + ".tmp"
            try write(JSONSerializer.bytes(.object(Self.json(record, grant))), to: scratch)
            guard rename(scratch, path) == 0 else { throw DHCPError(.failed, "rename \(scratch): \(errnoText())") }
        } catch {
            DaemonLog.print("\(record.clientID): cannot keep the lease in \(directory): \(error)")
        }
    }

    func remove(_ clientID: String) { unlink(file(clientID)) }

    /// Every lease kept; unreadable files are reported and removed.
    func load() -> [(LeaseRecord, DHCPExchange.Grant)] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var out: [(LeaseRecord, DHCPExchange.Grant)] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name.hasSuffix(".json") else { continue }
            let path = directory + "/" + name
            if let bytes = try? read(path), let json = try? JSONParser.parse(bytes).objectValue, let lease = Self.lease(json) {
                out.append(lease)
            } else {
                DaemonLog.print("dropping unreadable lease file \(path)")
                unlink(path)
            }
        }
        return out
    }

    private func file(_ clientID: String) -> String { directory + "/" + String(SHA512.hex(clientID).prefix(32)) + ".json" }

    // MARK: Format

    static func json(_ r: LeaseRecord, _ g: DHCPExchange.Grant) -> JSONObject {
        var o: JSONObject = [
            "clientID": .string(r.clientID), "containerID": .string(r.containerID), "network": .string(r.network),
            "ifName": .string(r.ifName), "netns": .string(r.netns),
            "provide": .array(r.options.provided.map { ["code": .number(JSONNumber(Int($0.code))), "value": .string(Base64.encode($0.value))] }),
            "request": .array(r.options.requested.map { .number(JSONNumber(Int($0))) }),
            "ack": .string(Base64.encode(g.ackBytes)), "serverMAC": .string(Base64.encode(g.serverMAC)),
            "received": .number(JSONNumber(exactly: g.received) ?? JSONNumber(Int(g.received))),
        ]
        if let id = r.identity {
            o["nsDevice"] = .string(String(id.device))
            o["nsInode"] = .string(String(id.inode))
        }
        return o
    }

    static func lease(_ o: JSONObject) -> (LeaseRecord, DHCPExchange.Grant)? {
        func string(_ key: String) -> String? { o[key]?.stringValue }
        guard let clientID = string("clientID"), let containerID = string("containerID"), let network = string("network"),
            let ifName = string("ifName"), let netns = string("netns"), let ackText = string("ack"),
            let ackBytes = Base64.decode(ackText), let ack = DHCPMessage(bytes: ackBytes),
            let serverMAC = string("serverMAC").flatMap(Base64.decode), let received = o["received"]?.doubleValue
        else { return nil }
        var identity: NamespaceKey?
        if let device = string("nsDevice").flatMap(UInt64.init), let inode = string("nsInode").flatMap(UInt64.init) {
            identity = NamespaceKey(device: device, inode: inode)
        }
        var provided: [DHCPOptions.Provided] = []
        for p in o["provide"]?.arrayValue ?? [] {
            guard let code = p["code"]?.intValue, let value = p["value"]?.stringValue.flatMap(Base64.decode), let c = UInt8(exactly: code)
            else { return nil }
            provided.append(.init(code: c, value: value))
        }
        let requested = (o["request"]?.arrayValue ?? []).compactMap { $0.intValue.flatMap { UInt8(exactly: $0) } }
        let record = LeaseRecord(
            clientID: clientID, containerID: containerID, network: network, ifName: ifName, netns: netns, identity: identity,
            options: DHCPOptions(provided: provided, requested: requested))
        return (record, DHCPExchange.Grant(ack: ack, ackBytes: ackBytes, serverMAC: serverMAC, received: received))
    }

    // MARK: Files

    private func makeDirectory() throws {
        var prefix = ""
        for part in directory.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST { throw DHCPError(.failed, "mkdir \(prefix): \(errnoText())") }
        }
    }

    private func write(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw DHCPError(.failed, "open \(path): \(errnoText())") }
        defer { close(fd) }
        var done = 0
        while done < bytes.count {
            let n = bytes[done...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw DHCPError(.failed, "write \(path): \(errnoText())") }
            done += n
        }
    }

    private func read(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DHCPError(.failed, "open \(path): \(errnoText())") }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 8192)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw DHCPError(.failed, "read \(path): \(errnoText())") }
            if n == 0 { return out }
            out += buffer[..<n]
        }
    }
}
