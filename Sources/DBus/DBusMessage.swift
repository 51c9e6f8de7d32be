/// A D-Bus value of the basic types a method call here needs (the wire format's `s`, `o`, `g`,
/// `b`, `u`).
public enum DBusValue: Hashable, Sendable {
    case string(String)
    case objectPath(String)
    case signature(String)
    case bool(Bool)
    case uint32(UInt32)

    /// The value's type code in a signature.
    var code: Character {
        switch self {
        case .string: return "s"
        case .objectPath: return "o"
        case .signature: return "g"
        case .bool: return "b"
        case .uint32: return "u"
        }
    }

    public var stringValue: String? {
        switch self {
        case .string(let s), .objectPath(let s), .signature(let s): return s
        default: return nil
        }
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }
}

/// One D-Bus message as the wire format carries it (little-endian when we write it; either
/// byte order when we read it). Only what a client calling methods needs: method calls out;
/// returns, errors and signals in (signals are read and dropped).
public struct DBusMessage: Sendable {
    public enum Kind: UInt8, Sendable {
        case methodCall = 1, methodReturn = 2, error = 3, signal = 4
    }

    public var kind: Kind
    public var serial: UInt32
    public var path: String?
    public var interface: String?
    public var member: String?
    public var destination: String?
    public var errorName: String?
    public var replySerial: UInt32?
    public var body: [DBusValue]

    public init(
        kind: Kind, serial: UInt32, path: String? = nil, interface: String? = nil, member: String? = nil,
        destination: String? = nil, errorName: String? = nil, replySerial: UInt32? = nil, body: [DBusValue] = []
    ) {
        self.kind = kind
        self.serial = serial
        self.path = path
        self.interface = interface
        self.member = member
        self.destination = destination
        self.errorName = errorName
        self.replySerial = replySerial
        self.body = body
    }

    /// A method call expecting a reply.
    public static func call(
        serial: UInt32, destination: String, path: String, interface: String, member: String, _ arguments: [DBusValue]
    ) -> DBusMessage {
        DBusMessage(
            kind: .methodCall, serial: serial, path: path, interface: interface, member: member,
            destination: destination, body: arguments)
    }

    // Header field codes (the specification's HEADER_FIELD_*).
    private static let fieldPath: UInt8 = 1, fieldInterface: UInt8 = 2, fieldMember: UInt8 = 3
    private static let fieldErrorName: UInt8 = 4, fieldReplySerial: UInt8 = 5, fieldDestination: UInt8 = 6
    private static let fieldSender: UInt8 = 7, fieldSignature: UInt8 = 8

    /// The message in the wire format, little-endian.
    public func encoded() -> [UInt8] {
        var body = DBusWriter()
        for value in self.body { body.write(value) }
        var out = DBusWriter()
        out.bytes = [UInt8(ascii: "l"), kind.rawValue, 0, 1]
        out.u32(UInt32(body.bytes.count))
        out.u32(serial)
        var fields: [(UInt8, DBusValue)] = []
        if let path { fields.append((Self.fieldPath, .objectPath(path))) }
        if let interface { fields.append((Self.fieldInterface, .string(interface))) }
        if let member { fields.append((Self.fieldMember, .string(member))) }
        if let errorName { fields.append((Self.fieldErrorName, .string(errorName))) }
        if let replySerial { fields.append((Self.fieldReplySerial, .uint32(replySerial))) }
        if let destination { fields.append((Self.fieldDestination, .string(destination))) }
        if !self.body.isEmpty { fields.append((Self.fieldSignature, .signature(String(self.body.map(\.code))))) }
        let lengthAt = out.bytes.count
        out.u32(0)
        out.align(8)
        let start = out.bytes.count
        for (code, value) in fields {
            out.align(8)
            out.bytes.append(code)
            out.write(.signature(String(value.code)))
            out.write(value)
        }
        out.patch(u32: UInt32(out.bytes.count - start), at: lengthAt)
        out.align(8)
        return out.bytes + body.bytes
    }

    /// The length of the message that starts `buffer`, once its first 16 bytes are there; nil
    /// before that. Throws for a header no D-Bus peer would send.
    static func length(of buffer: ArraySlice<UInt8>) throws(DBusError) -> Int? {
        guard buffer.count >= 16 else { return nil }
        var reader = try DBusReader(buffer)
        reader.position = 4
        let bodyLength = Int(try reader.u32())
        reader.position = 12
        let fieldsLength = Int(try reader.u32())
        guard bodyLength <= 1 << 27, fieldsLength <= 1 << 26 else {
            throw DBusError(.protocolError, "message of \(bodyLength) + \(fieldsLength) bytes")
        }
        return (16 + fieldsLength + 7) / 8 * 8 + bodyLength
    }

    /// Decodes one whole message (``length(of:)`` bytes). Body values of types other than the
    /// basic ones above end the body's decoding (we never need them).
    init(decoding bytes: ArraySlice<UInt8>) throws(DBusError) {
        var r = try DBusReader(bytes)
        r.position = 1
        guard let kind = Kind(rawValue: try r.u8()) else { throw DBusError(.protocolError, "unknown message type") }
        r.position = 4
        let bodyLength = Int(try r.u32())
        let serial = try r.u32()
        let fieldsLength = Int(try r.u32())
        self.init(kind: kind, serial: serial)
        let fieldsEnd = 16 + fieldsLength
        var signature = ""
        while r.position < fieldsEnd {
            r.align(8)
            let code = try r.u8()
            let type = try r.signature()
            guard type.count == 1, let value = try r.read(type.first!) else {
                throw DBusError(.protocolError, "header field \(code) of type \(type)")
            }
            switch code {
            case Self.fieldPath: path = value.stringValue
            case Self.fieldInterface: interface = value.stringValue
            case Self.fieldMember: member = value.stringValue
            case Self.fieldErrorName: errorName = value.stringValue
            case Self.fieldDestination: destination = value.stringValue
            case Self.fieldSignature: signature = value.stringValue ?? ""
            case Self.fieldReplySerial: if case .uint32(let s) = value { replySerial = s }
            default: break
            }
        }
        r.position = fieldsEnd
        r.align(8)
        let bodyStart = r.position
        guard bodyStart + bodyLength <= bytes.count else { throw DBusError(.protocolError, "truncated body") }
        // Body alignment counts from the message's start, which is where the reader counts from.
        for code in signature {
            guard r.position < bodyStart + bodyLength, let value = try r.read(code) else { break }
            body.append(value)
        }
    }
}

/// Appends values in the wire format (little-endian), aligning as the specification requires.
struct DBusWriter {
    var bytes: [UInt8] = []

    mutating func align(_ n: Int) {
        while bytes.count % n != 0 { bytes.append(0) }
    }

    mutating func u32(_ v: UInt32) {
        align(4)
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func patch(u32 v: UInt32, at offset: Int) {
        withUnsafeBytes(of: v.littleEndian) { for (i, b) in $0.enumerated() { bytes[offset + i] = b } }
    }

    mutating func write(_ value: DBusValue) {
        switch value {
        case .string(let s), .objectPath(let s):
            u32(UInt32(s.utf8.count))
            bytes.append(contentsOf: s.utf8)
            bytes.append(0)
        case .signature(let s):
            bytes.append(UInt8(s.utf8.count))
            bytes.append(contentsOf: s.utf8)
            bytes.append(0)
        case .bool(let b): u32(b ? 1 : 0)
        case .uint32(let v): u32(v)
        }
    }
}

/// Reads values in either byte order; positions count from the message's first byte.
struct DBusReader {
    let bytes: ArraySlice<UInt8>
    let bigEndian: Bool
    var position = 0

    init(_ bytes: ArraySlice<UInt8>) throws(DBusError) {
        self.bytes = bytes
        switch bytes.first {
        case UInt8(ascii: "l"): bigEndian = false
        case UInt8(ascii: "B"): bigEndian = true
        default: throw DBusError(.protocolError, "unknown byte order")
        }
    }

    mutating func align(_ n: Int) { position = (position + n - 1) / n * n }

    mutating func u8() throws(DBusError) -> UInt8 {
        guard position < bytes.count else { throw DBusError(.protocolError, "truncated message") }
        defer { position += 1 }
        return bytes[bytes.startIndex + position]
    }

    mutating func u32() throws(DBusError) -> UInt32 {
        align(4)
        guard position + 4 <= bytes.count else { throw DBusError(.protocolError, "truncated message") }
        let base = bytes.startIndex + position
        position += 4
        let b = (0..<4).map { UInt32(bytes[base + $0]) }
        return bigEndian ? b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3] : b[3] << 24 | b[2] << 16 | b[1] << 8 | b[0]
    }

    mutating func text(length: Int) throws(DBusError) -> String {
        guard length >= 0, position + length + 1 <= bytes.count else { throw DBusError(.protocolError, "truncated string") }
        let base = bytes.startIndex + position
        position += length + 1
        return String(decoding: bytes[base..<base + length], as: UTF8.self)
    }

    mutating func signature() throws(DBusError) -> String { try text(length: Int(try u8())) }

    /// One value of a basic type; nil for a type this reader does not decode.
    mutating func read(_ code: Character) throws(DBusError) -> DBusValue? {
        switch code {
        case "s": return .string(try text(length: Int(try u32())))
        case "o": return .objectPath(try text(length: Int(try u32())))
        case "g": return .signature(try signature())
        case "b": return .bool(try u32() != 0)
        case "u": return .uint32(try u32())
        default: return nil
        }
    }
}
