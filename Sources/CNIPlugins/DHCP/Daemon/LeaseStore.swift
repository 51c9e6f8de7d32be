import CNI
import LinuxNet
import NetAddress
import Posix

/// The leases the daemon maintains, kept on disk (`-statedir`, one JSON file per lease named by
/// a hash of its client ID) so that a restarted daemon takes them over: it goes on renewing
/// them and releases them on DEL. The reference keeps leases only in memory, so after its
/// restart DEL cannot release them and nothing renews them.
struct LeaseStore: Sendable {
    var directory: String

    func save(_ record: LeaseRecord, _ grant: DHCPExchange.Grant) {
        do {
            try Files.makeDirectories(directory, mode: 0o700)
            try Files.writeAtomically(file(record.clientID), JSONSerializer.bytes(.object(Self.json(record, grant))), mode: 0o600)
        } catch {
            DaemonLog.print("\(record.clientID): cannot keep the lease in \(directory): \(error)")
        }
    }

    func remove(_ clientID: String) { _ = try? Files.remove(file(clientID)) }

    /// Every lease kept; unreadable files are reported and removed.
    func load() -> [(LeaseRecord, DHCPExchange.Grant)] {
        var out: [(LeaseRecord, DHCPExchange.Grant)] = []
        for entry in ((try? Files.entries(ofDirectory: directory)) ?? nil) ?? [] where entry.name.hasSuffix(".json") {
            let path = directory + "/" + entry.name
            if let bytes = (try? Files.read(path)) ?? nil, let json = try? JSONParser.parse(bytes).objectValue, let lease = Self.lease(json) {
                out.append(lease)
            } else {
                DaemonLog.print("dropping unreadable lease file \(path)")
                _ = try? Files.remove(path)
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
}
