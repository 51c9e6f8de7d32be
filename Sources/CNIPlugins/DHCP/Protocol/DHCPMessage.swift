import NetAddress

/// A DHCPv4 message (RFC 2131 §2): the BOOTP header and the options after the magic cookie.
struct DHCPMessage: Equatable, Sendable {
    /// Option 53.
    enum MessageType: UInt8, Sendable {
        case discover = 1, offer, request, decline, ack, nak, release, inform
    }

    /// Well-known option codes (RFC 2132, RFC 3442).
    enum Option {
        static let pad: UInt8 = 0
        static let subnetMask: UInt8 = 1
        static let router: UInt8 = 3
        static let dns: UInt8 = 6
        static let hostName: UInt8 = 12
        static let staticRoutes: UInt8 = 33
        static let requestedIP: UInt8 = 50
        static let leaseTime: UInt8 = 51
        static let overload: UInt8 = 52
        static let messageType: UInt8 = 53
        static let serverID: UInt8 = 54
        static let parameterRequestList: UInt8 = 55
        static let renewalTime: UInt8 = 58
        static let rebindingTime: UInt8 = 59
        static let vendorClass: UInt8 = 60
        static let clientID: UInt8 = 61
        static let userClass: UInt8 = 77
        static let classlessRoutes: UInt8 = 121
        static let end: UInt8 = 255
    }

    static let bootRequest: UInt8 = 1
    static let bootReply: UInt8 = 2
    static let magicCookie: [UInt8] = [99, 130, 83, 99]
    /// The BROADCAST bit of `flags`: the client cannot receive unicast before it has its address.
    static let broadcastFlag: UInt16 = 0x8000

    var op: UInt8 = bootRequest
    var xid: UInt32 = 0
    var secs: UInt16 = 0
    var flags: UInt16 = 0
    var ciaddr = IPAddress(v4: 0)
    var yiaddr = IPAddress(v4: 0)
    var siaddr = IPAddress(v4: 0)
    var giaddr = IPAddress(v4: 0)
    /// The client's hardware address (Ethernet: 6 bytes).
    var chaddr: [UInt8] = []
    /// Options in the order they are sent; a code appears once (set replaces).
    var options: [(code: UInt8, value: [UInt8])] = []

    static func == (a: DHCPMessage, b: DHCPMessage) -> Bool {
        a.op == b.op && a.xid == b.xid && a.secs == b.secs && a.flags == b.flags && a.ciaddr == b.ciaddr && a.yiaddr == b.yiaddr
            && a.siaddr == b.siaddr && a.giaddr == b.giaddr && a.chaddr == b.chaddr
            && a.options.map(\.code) == b.options.map(\.code) && a.options.map(\.value) == b.options.map(\.value)
    }

    subscript(option code: UInt8) -> [UInt8]? {
        get { options.first { $0.code == code }?.value }
        set {
            if let i = options.firstIndex(where: { $0.code == code }) {
                if let newValue { options[i].value = newValue } else { options.remove(at: i) }
            } else if let newValue {
                options.append((code, newValue))
            }
        }
    }

    var messageType: MessageType? { self[option: Option.messageType].flatMap { $0.count == 1 ? MessageType(rawValue: $0[0]) : nil } }
    var serverID: IPAddress? { address(Option.serverID) }
    var subnetMask: IPAddress? { address(Option.subnetMask) }
    var routers: [IPAddress] { addresses(Option.router) }
    var leaseTime: UInt32? { seconds(Option.leaseTime) }
    var renewalTime: UInt32? { seconds(Option.renewalTime) }
    var rebindingTime: UInt32? { seconds(Option.rebindingTime) }

    private func address(_ code: UInt8) -> IPAddress? {
        guard let v = self[option: code], v.count == 4 else { return nil }
        return IPAddress(bytes: v)
    }

    private func addresses(_ code: UInt8) -> [IPAddress] {
        guard let v = self[option: code], v.count % 4 == 0 else { return [] }
        return stride(from: 0, to: v.count, by: 4).compactMap { IPAddress(bytes: v[$0..<$0 + 4]) }
    }

    private func seconds(_ code: UInt8) -> UInt32? {
        guard let v = self[option: code], v.count == 4 else { return nil }
        return v.reduce(0) { $0 << 8 | UInt32($1) }
    }

    // MARK: Wire

    /// The message as sent: 236 header bytes, the cookie, the options (each split into
    /// 255-byte pieces, RFC 3396), END, padded to BOOTP's 300-byte minimum.
    var bytes: [UInt8] {
        var out: [UInt8] = [op, 1, UInt8(chaddr.count), 0]
        out += be(xid) + be16(secs) + be16(flags)
        for a in [ciaddr, yiaddr, siaddr, giaddr] { out += a.bytes }
        out += chaddr.prefix(16) + [UInt8](repeating: 0, count: 16 - min(16, chaddr.count))
        out += [UInt8](repeating: 0, count: 64 + 128)
        out += Self.magicCookie
        // Message type first, as clients conventionally send it.
        for (code, value) in options.sorted(by: { ($0.code == Option.messageType ? 0 : 1) < ($1.code == Option.messageType ? 0 : 1) }) {
            var rest = value[...]
            repeat {
                let piece = rest.prefix(255)
                out += [code, UInt8(piece.count)] + piece
                rest = rest.dropFirst(piece.count)
            } while !rest.isEmpty
        }
        out.append(Option.end)
        if out.count < 300 { out += [UInt8](repeating: 0, count: 300 - out.count) }
        return out
    }

    /// Parses a message; nil when it is not a DHCP message. Repeated options are concatenated
    /// (RFC 3396); with option 52, options in `file` and `sname` are read too.
    init?(bytes b: [UInt8]) {
        guard b.count >= 240, Array(b[236..<240]) == Self.magicCookie, b[1] == 1 || b[2] <= 16 else { return nil }
        op = b[0]
        xid = b[4..<8].reduce(0) { $0 << 8 | UInt32($1) }
        secs = UInt16(b[8]) << 8 | UInt16(b[9])
        flags = UInt16(b[10]) << 8 | UInt16(b[11])
        ciaddr = IPAddress(bytes: b[12..<16])!
        yiaddr = IPAddress(bytes: b[16..<20])!
        siaddr = IPAddress(bytes: b[20..<24])!
        giaddr = IPAddress(bytes: b[24..<28])!
        chaddr = Array(b[28..<28 + Int(min(b[2], 16))])
        var collected: [(code: UInt8, value: [UInt8])] = []
        guard Self.readOptions(b[240...], into: &collected) else { return nil }
        if let overload = collected.first(where: { $0.code == Option.overload })?.value.first {
            if overload & 1 != 0 { _ = Self.readOptions(b[108..<236], into: &collected) }
            if overload & 2 != 0 { _ = Self.readOptions(b[44..<108], into: &collected) }
        }
        options = []
        for (code, value) in collected {
            if let i = options.firstIndex(where: { $0.code == code }) { options[i].value += value } else { options.append((code, value)) }
        }
    }

    init() {}

    private static func readOptions(_ area: ArraySlice<UInt8>, into out: inout [(code: UInt8, value: [UInt8])]) -> Bool {
        var i = area.startIndex
        while i < area.endIndex {
            let code = area[i]
            if code == Option.pad { i += 1; continue }
            if code == Option.end { return true }
            guard i + 1 < area.endIndex else { return false }
            let length = Int(area[i + 1])
            guard i + 2 + length <= area.endIndex else { return false }
            out.append((code, Array(area[(i + 2)..<(i + 2 + length)])))
            i += 2 + length
        }
        return true
    }
}

func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)] }
func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(truncatingIfNeeded: v)] }
