import CLibnftnl
import CNetlinkShim
import Netlink
import SystemPackage

/// One attribute as sent, its type with the `NLA_F_NESTED` and byte-order bits kept, so that an
/// object can be sent back as it came.
struct RawAttribute: Hashable {
    var type: UInt16
    var payload: [UInt8]
    var kind: UInt16 { type & 0x3fff }
    var string: String { String(decoding: payload.prefix { $0 != 0 }, as: UTF8.self) }

    /// The attributes of an nfnetlink message (after its 4-byte `nfgenmsg`).
    static func parse(_ message: NetlinkMessage) -> [RawAttribute] {
        let bytes = message.payload
        var attributes: [RawAttribute] = []
        var position = 4
        while position + 4 <= bytes.count {
            let length = Int(bytes.integer(UInt16.self, at: position)!)
            guard length >= 4, position + length <= bytes.count else { break }
            attributes.append(RawAttribute(type: bytes.integer(UInt16.self, at: position + 2)!, payload: Array(bytes[(position + 4)..<(position + length)])))
            position += (length + 3) & ~3
        }
        return attributes
    }
}

extension [RawAttribute] {
    subscript(kind: UInt16) -> RawAttribute? { first { $0.kind == kind } }
    func string(_ kind: UInt16) -> String? { self[kind]?.string }
}

/// The nftables objects of one fake namespace, kept as the attributes they were added with.
struct FakeNFTRuleset {
    struct Object {
        var family: UInt8
        var table: String
        var chain: String?
        var name: String?
        var handle: UInt64
        var attributes: [RawAttribute]
    }

    var tables: [Object] = []
    var chains: [Object] = []
    var rules: [Object] = []
    var handles: [String: UInt64] = [:]

    func table(_ family: UInt8, _ name: String?) -> Object? { tables.first { $0.family == family && $0.table == name } }
    func chain(_ family: UInt8, _ table: String?, _ name: String?) -> Object? {
        chains.first { $0.family == family && $0.table == table && $0.name == name }
    }

    mutating func nextHandle(_ family: UInt8, _ table: String) -> UInt64 {
        let key = "\(family) \(table)"
        let handle = (handles[key] ?? 0) + 1
        handles[key] = handle
        return handle
    }

    /// Applies one batch message the way nf_tables does; the errno when the kernel refuses it.
    mutating func apply(_ message: NetlinkMessage) -> Errno? {
        let family = message.payload.first ?? 0
        let a = RawAttribute.parse(message)
        let type = Int32(message.type & 0xff)
        switch UInt32(type) {
        case NFT_MSG_NEWTABLE.rawValue:
            guard let name = a.string(t(NFTA_TABLE_NAME)) else { return .invalidArgument }
            if table(family, name) != nil { return message.flags & t(NLM_F_EXCL) != 0 ? .fileExists : nil }
            tables.append(Object(family: family, table: name, handle: nextHandle(family, name), attributes: a))
        case NFT_MSG_DELTABLE.rawValue:
            let name = a.string(t(NFTA_TABLE_NAME))
            guard table(family, name) != nil else { return .noSuchFileOrDirectory }
            tables.removeAll { $0.family == family && $0.table == name }
            chains.removeAll { $0.family == family && $0.table == name }
            rules.removeAll { $0.family == family && $0.table == name }
        case NFT_MSG_NEWCHAIN.rawValue:
            let tableName = a.string(t(NFTA_CHAIN_TABLE)), name = a.string(t(NFTA_CHAIN_NAME))
            guard let tableName, let name, table(family, tableName) != nil else { return .noSuchFileOrDirectory }
            if chain(family, tableName, name) != nil { return message.flags & t(NLM_F_EXCL) != 0 ? .fileExists : nil }
            chains.append(Object(family: family, table: tableName, name: name, handle: nextHandle(family, tableName), attributes: a))
        case NFT_MSG_DELCHAIN.rawValue:
            let tableName = a.string(t(NFTA_CHAIN_TABLE)), name = a.string(t(NFTA_CHAIN_NAME))
            guard let name, chain(family, tableName, name) != nil else { return .noSuchFileOrDirectory }
            // Its own rules go with it; a jump or goto to it from another chain's rule is EBUSY.
            let jumpTarget = Array(name.utf8) + [0]
            let referenced = rules.contains { rule in
                rule.family == family && rule.table == tableName && rule.chain != name
                    && rule.attributes[t(NFTA_RULE_EXPRESSIONS)].map { contains($0.payload, jumpTarget) } == true
            }
            if referenced { return .resourceBusy }
            rules.removeAll { $0.family == family && $0.table == tableName && $0.chain == name }
            chains.removeAll { $0.family == family && $0.table == tableName && $0.name == name }
        case NFT_MSG_NEWRULE.rawValue:
            let tableName = a.string(t(NFTA_RULE_TABLE)), chainName = a.string(t(NFTA_RULE_CHAIN))
            guard let tableName, let chainName, chain(family, tableName, chainName) != nil else { return .noSuchFileOrDirectory }
            let kept = a.filter { $0.kind != t(NFTA_RULE_POSITION) && $0.kind != t(NFTA_RULE_HANDLE) }
            let rule = Object(
                family: family, table: tableName, chain: chainName, handle: nextHandle(family, tableName), attributes: kept)
            if message.flags & t(NLM_F_APPEND) != 0 {
                rules.append(rule)
            } else {
                let first = rules.firstIndex { $0.family == family && $0.table == tableName && $0.chain == chainName }
                rules.insert(rule, at: first ?? rules.endIndex)
            }
        case NFT_MSG_DELRULE.rawValue:
            let tableName = a.string(t(NFTA_RULE_TABLE)), chainName = a.string(t(NFTA_RULE_CHAIN))
            if let handle = a[t(NFTA_RULE_HANDLE)].map({ Self.u64($0.payload) }) {
                guard let i = rules.firstIndex(where: {
                    $0.family == family && $0.table == tableName && $0.handle == handle && (chainName == nil || $0.chain == chainName)
                }) else { return .noSuchFileOrDirectory }
                rules.remove(at: i)
            } else if let chainName {
                guard chain(family, tableName, chainName) != nil else { return .noSuchFileOrDirectory }
                rules.removeAll { $0.family == family && $0.table == tableName && $0.chain == chainName }
            } else if let tableName {
                guard table(family, tableName) != nil else { return .noSuchFileOrDirectory }
                rules.removeAll { $0.family == family && $0.table == tableName }
            } else {
                rules.removeAll { $0.family == family }
            }
        default:
            return .notSupported
        }
        return nil
    }

    /// The answer to a GET (one object, or a dump).
    func answer(_ request: NetlinkMessage) -> (objects: [NetlinkMessage], errno: Errno?) {
        let family = request.payload.first ?? 0
        let a = RawAttribute.parse(request)
        let dump = request.flags & t(NLM_F_DUMP) == t(NLM_F_DUMP)
        switch UInt32(request.type & 0xff) {
        case NFT_MSG_GETTABLE.rawValue:
            let name = a.string(t(NFTA_TABLE_NAME))
            let found = tables.filter { $0.family == family && (name == nil || $0.table == name) }
            if !dump && found.isEmpty { return ([], .noSuchFileOrDirectory) }
            return (found.map { message(NFT_MSG_NEWTABLE, $0, handleType: t(NFTA_TABLE_HANDLE)) }, nil)
        case NFT_MSG_GETCHAIN.rawValue:
            let tableName = a.string(t(NFTA_CHAIN_TABLE)), name = a.string(t(NFTA_CHAIN_NAME))
            if dump {
                let found = chains.filter { $0.family == family && (tableName == nil || $0.table == tableName) }
                return (found.map { message(NFT_MSG_NEWCHAIN, $0, handleType: t(NFTA_CHAIN_HANDLE)) }, nil)
            }
            guard let found = chain(family, tableName, name) else { return ([], .noSuchFileOrDirectory) }
            return ([message(NFT_MSG_NEWCHAIN, found, handleType: t(NFTA_CHAIN_HANDLE))], nil)
        case NFT_MSG_GETRULE.rawValue:
            let tableName = a.string(t(NFTA_RULE_TABLE)), chainName = a.string(t(NFTA_RULE_CHAIN))
            let handle = a[t(NFTA_RULE_HANDLE)].map { Self.u64($0.payload) }
            let found = rules.filter {
                $0.family == family && (tableName == nil || $0.table == tableName) && (chainName == nil || $0.chain == chainName)
                    && (handle == nil || $0.handle == handle)
            }
            if !dump && found.isEmpty { return ([], .noSuchFileOrDirectory) }
            return (found.map { message(NFT_MSG_NEWRULE, $0, handleType: t(NFTA_RULE_HANDLE)) }, nil)
        default:
            return ([], .notSupported)
        }
    }

    /// An object as the kernel lists it: its attributes as added, and its handle.
    private func message(_ type: nf_tables_msg_types, _ object: Object, handleType: UInt16) -> NetlinkMessage {
        var payload: [UInt8] = [object.family, 0, 0, 0]  // nfgenmsg: family, version, res_id
        func put(_ type: UInt16, _ bytes: [UInt8]) {
            payload.appendInteger(UInt16(4 + bytes.count))
            payload.appendInteger(type)
            payload += bytes + [UInt8](repeating: 0, count: (4 - bytes.count % 4) % 4)
        }
        for attribute in object.attributes { put(attribute.type, attribute.payload) }
        put(handleType, (0..<8).map { UInt8(truncatingIfNeeded: object.handle >> (56 - 8 * $0)) })  // NLA_U64, network order
        return NetlinkMessage(type: 10 << 8 | UInt16(type.rawValue), payload: payload)
    }

    static func u64(_ bytes: [UInt8]) -> UInt64 { bytes.prefix(8).reduce(0) { $0 << 8 | UInt64($1) } }

    private func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        return (0...(haystack.count - needle.count)).contains { Array(haystack[$0..<($0 + needle.count)]) == needle }
    }
}

/// One nftables connection to a fake namespace: GETs answered at once; a batch's messages
/// gathered from BEGIN to END and applied then, all or nothing, with the kernel's verdict on each.
final class FakeNFTSession {
    let kernel: FakeKernel
    let namespace: FakeNamespace
    private var batch: [NetlinkMessage]?

    init(kernel: FakeKernel, namespace: FakeNamespace) {
        self.kernel = kernel
        self.namespace = namespace
    }

    func handle(_ request: NetlinkMessage) throws -> [[UInt8]] {
        switch request.type {
        case 0x10:  // NFNL_MSG_BATCH_BEGIN
            batch = []
            return []
        case 0x11:  // NFNL_MSG_BATCH_END
            defer { batch = nil }
            return commit(batch ?? [])
        default:
            if batch != nil {
                batch!.append(request)
                return []
            }
            return answer(request)
        }
    }

    private func label(_ request: NetlinkMessage) -> String { "\(namespace.name) nft \(Self.name(request.type & 0xff))" }

    private func answer(_ request: NetlinkMessage) -> [[UInt8]] {
        if let errno = kernel.step(label(request)) { return [NetlinkReplies.error(errno, to: request, extendedAck: "injected fault")] }
        let (objects, errno) = kernel.locked { namespace.nftables.answer(request) }
        if let errno { return [NetlinkReplies.error(errno, to: request)] }
        if request.flags & t(NLM_F_DUMP) == t(NLM_F_DUMP) {
            return [NetlinkReplies.multipart(objects, answering: request, done: true)]
        }
        return [objects.reduce(into: [UInt8]()) { datagram, object in
            var object = object
            object.sequence = request.sequence
            datagram += object.bytes
        } + NetlinkReplies.ack(to: request)]
    }

    /// Applies the batch to a copy of the ruleset, which replaces it only when every message
    /// applied. A refused message gets its error; those after it get no answer (the kernel
    /// aborts the batch).
    private func commit(_ messages: [NetlinkMessage]) -> [[UInt8]] {
        kernel.locked {
            var ruleset = namespace.nftables
            var replies: [[UInt8]] = []
            for message in messages {
                let errno = kernel.step(label(message)) ?? ruleset.apply(message)
                if let errno {
                    replies.append(NetlinkReplies.error(errno, to: message))
                    return replies
                }
                if message.flags & t(NLM_F_ACK) != 0 { replies.append(NetlinkReplies.ack(to: message)) }
            }
            namespace.nftables = ruleset
            return replies
        }
    }

    static func name(_ type: UInt16) -> String {
        let names = ["NEWTABLE", "GETTABLE", "DELTABLE", "NEWCHAIN", "GETCHAIN", "DELCHAIN", "NEWRULE", "GETRULE", "DELRULE"]
        return Int(type) < names.count ? names[Int(type)] : "type \(type)"
    }
}
