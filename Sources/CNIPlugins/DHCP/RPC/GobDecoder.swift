/// Decodes a gob stream as Go's `gob.Decoder` does, into ``GobValue``s: type descriptions are
/// remembered as they arrive (they may refer to types described later in the same batch), and
/// each value is decoded by the description of its type, so fields and types this package does
/// not know are read past rather than refused.
struct GobDecoder {
    /// What a described type is made of.
    enum WireType {
        case slice(element: Int)
        case array(element: Int, count: Int)
        case structure(name: String, fields: [(name: String, id: Int)])
        case map(key: Int, element: Int)
        /// A type with its own encoding (GobEncoder, BinaryMarshaler, TextMarshaler): bytes.
        case opaque
    }

    private var types: [Int: WireType] = [:]
    /// The largest message accepted (Go's limit is 1 GiB; ours is far above any CNI request).
    static let maxMessage = 16 << 20

    /// Reads messages from `source` until one carries a value, and returns that value.
    mutating func decode(from source: inout some GobSource) throws -> GobValue {
        while true {
            let length = try source.readUint()
            guard length <= UInt64(Self.maxMessage) else { throw GobError("message of \(length) bytes is too large") }
            var message = GobCursor(try source.read(Int(length)))
            let id = try message.readInt()
            if id < 0 {
                types[Int(-id)] = try Self.wireType(&message)
                continue
            }
            let typeID = Int(id)
            if case .structure = types[typeID] {
                return try decodeValue(typeID, &message)
            }
            // A lone non-struct value: field 0 of an implicit struct.
            guard try message.readUint() == 0 else { throw GobError("corrupted singleton value") }
            return try decodeValue(typeID, &message)
        }
    }

    /// How deeply values may nest (a type may contain itself; a stream must not recurse without end).
    static let maxDepth = 64

    private func decodeValue(_ id: Int, _ c: inout GobCursor, depth: Int = 0) throws -> GobValue {
        guard depth < Self.maxDepth else { throw GobError("values nested too deeply") }
        switch id {
        case 1: return .bool(try c.readUint() != 0)
        case 2: return .int(try c.readInt())
        case 3: return .uint(try c.readUint())
        case 4: return .float(Double(bitPattern: try c.readUint().byteSwapped))
        case 5, 6: return .bytes(try c.readBytes())
        case 7:
            _ = try c.readUint()
            _ = try c.readUint()
            return .none
        case 8: return try decodeInterface(&c)
        default: break
        }
        guard let type = types[id] else { throw GobError("unknown type id \(id)") }
        switch type {
        case .slice(let element), .array(let element, _):
            let count = try c.readCount()
            var items: [GobValue] = []
            for _ in 0..<count { items.append(try decodeValue(element, &c, depth: depth + 1)) }
            return .list(items)
        case .map(let key, let element):
            let count = try c.readCount()
            var out: [GobValue: GobValue] = [:]
            for _ in 0..<count {
                let k = try decodeValue(key, &c, depth: depth + 1)
                out[k] = try decodeValue(element, &c, depth: depth + 1)
            }
            return .map(out)
        case .opaque:
            return .bytes(try c.readBytes())
        case .structure(_, let fields):
            var out: [String: GobValue] = [:]
            var field = -1
            while true {
                let delta = try c.readUint()
                if delta == 0 { break }
                guard delta <= UInt64(fields.count) else { throw GobError("field number out of range") }
                field += Int(delta)
                guard field < fields.count else { throw GobError("field number out of range") }
                out[fields[field].name] = try decodeValue(fields[field].id, &c, depth: depth + 1)
            }
            return .structure(out)
        }
    }

    /// An interface value: its registered name, then (unless nil) the concrete type's id and
    /// the value, length-prefixed. The value is skipped: none of ours carries one.
    private func decodeInterface(_ c: inout GobCursor) throws -> GobValue {
        let name = try c.readBytes()
        if name.isEmpty { return .none }
        _ = try c.readInt()
        _ = try c.read(try c.readCount())
        return .none
    }

    // MARK: Type descriptions

    /// `wireType{ArrayT, SliceT, StructT, MapT, GobEncoderT, BinaryMarshalerT, TextMarshalerT}`.
    private static func wireType(_ c: inout GobCursor) throws -> WireType {
        var result: WireType?
        var field = -1
        while true {
            let delta = try c.readUint()
            if delta == 0 { break }
            field += Int(delta)
            switch field {
            case 0:  // arrayType{CommonType, Elem, Len}
                let f = try fields(&c, count: 3)
                result = .array(element: Int(f[1]?.int ?? 0), count: Int(f[2]?.int ?? 0))
            case 1:  // sliceType{CommonType, Elem}
                let f = try fields(&c, count: 2)
                result = .slice(element: Int(f[1]?.int ?? 0))
            case 2:  // structType{CommonType, Field []fieldType}
                var name = ""
                var members: [(name: String, id: Int)] = []
                var sub = -1
                while true {
                    let d = try c.readUint()
                    if d == 0 { break }
                    sub += Int(d)
                    if sub == 0 {
                        name = try commonTypeName(&c)
                    } else if sub == 1 {
                        for _ in 0..<(try c.readCount()) { members.append(try fieldType(&c)) }
                    } else {
                        throw GobError("bad structType")
                    }
                }
                result = .structure(name: name, fields: members)
            case 3:  // mapType{CommonType, Key, Elem}
                let f = try fields(&c, count: 3)
                result = .map(key: Int(f[1]?.int ?? 0), element: Int(f[2]?.int ?? 0))
            case 4, 5, 6:  // gobEncoderType{CommonType}
                _ = try fields(&c, count: 1)
                result = .opaque
            default:
                throw GobError("unknown wireType field \(field)")
            }
        }
        guard let result else { throw GobError("empty type description") }
        return result
    }

    /// A struct whose field 0 is a CommonType and whose other fields are ints: the raw fields.
    private static func fields(_ c: inout GobCursor, count: Int) throws -> [Int: (int: Int64, bytes: [UInt8])] {
        var out: [Int: (int: Int64, bytes: [UInt8])] = [:]
        var field = -1
        while true {
            let delta = try c.readUint()
            if delta == 0 { break }
            field += Int(delta)
            guard field < count else { throw GobError("bad type description") }
            if field == 0 {
                out[0] = (0, Array(try commonTypeName(&c).utf8))
            } else {
                out[field] = (try c.readInt(), [])
            }
        }
        return out
    }

    /// `fieldType{Name string, Id typeId}`.
    private static func fieldType(_ c: inout GobCursor) throws -> (name: String, id: Int) {
        var name = ""
        var id = 0
        var field = -1
        while true {
            let delta = try c.readUint()
            if delta == 0 { break }
            field += Int(delta)
            switch field {
            case 0: name = String(decoding: try c.readBytes(), as: UTF8.self)
            case 1: id = Int(try c.readInt())
            default: throw GobError("bad fieldType")
            }
        }
        return (name, id)
    }

    /// `CommonType{Name string, Id typeId}`: the name.
    private static func commonTypeName(_ c: inout GobCursor) throws -> String {
        var name = ""
        var field = -1
        while true {
            let delta = try c.readUint()
            if delta == 0 { break }
            field += Int(delta)
            switch field {
            case 0: name = String(decoding: try c.readBytes(), as: UTF8.self)
            case 1: _ = try c.readInt()
            default: throw GobError("bad CommonType")
            }
        }
        return name
    }
}

/// Where gob messages come from: a connection, or bytes in memory.
protocol GobSource {
    /// Exactly `count` bytes (throws at the end of the stream).
    mutating func read(_ count: Int) throws -> [UInt8]
}

extension GobSource {
    /// A gob unsigned integer read byte by byte (the message length prefix).
    mutating func readUint() throws -> UInt64 {
        let first = try read(1)[0]
        if first < 0x80 { return UInt64(first) }
        let n = Int(UInt8(truncatingIfNeeded: -Int8(bitPattern: first)))
        guard n >= 1 && n <= 8 else { throw GobError("bad integer") }
        return try read(n).reduce(0) { $0 << 8 | UInt64($1) }
    }
}

/// A message being decoded.
struct GobCursor: GobSource {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func read(_ count: Int) throws -> [UInt8] {
        guard count >= 0, position + count <= bytes.count else { throw GobError("unexpected end of message") }
        defer { position += count }
        return Array(bytes[position..<position + count])
    }

    mutating func readInt() throws -> Int64 {
        let u = try readUint()
        return u & 1 == 1 ? ~Int64(bitPattern: u >> 1) : Int64(bitPattern: u >> 1)
    }

    mutating func readBytes() throws -> [UInt8] { try read(try readCount()) }

    /// A count, bounded by what is left of the message.
    mutating func readCount() throws -> Int {
        let n = try readUint()
        guard n <= UInt64(bytes.count - position) else { throw GobError("count \(n) beyond the message") }
        return Int(n)
    }
}
