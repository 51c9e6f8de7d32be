/// Encodes values as Go's `gob.Encoder` does on one stream: each type is described once (a
/// `wireType` message with a negative id) before the first value that uses it, then each value
/// is a message of its own. Messages are length-prefixed.
struct GobEncoder {
    private var ids: [GobType: Int] = [:]
    private var sent: Set<Int> = []
    /// User type ids start where Go's do.
    private var nextID = 65

    /// The messages that send `value` of `type` (type descriptions first, when new).
    mutating func encode(_ value: GobValue, as type: GobType) -> [UInt8] {
        var out: [UInt8] = []
        let id = assignID(type)
        sendDefinitions(type, into: &out)
        var body = GobWire.int(Int64(id))
        if case .structure(_, let fields) = type {
            encodeStruct(value, fields, into: &body)
        } else {
            body += GobWire.uint(0)  // a lone non-struct value is sent as field 0 of a struct
            encodeValue(value, type, into: &body)
        }
        out += GobWire.uint(UInt64(body.count)) + body
        return out
    }

    // MARK: Types

    private mutating func assignID(_ type: GobType) -> Int {
        if let id = type.predeclaredID { return id }
        if let id = ids[type] { return id }
        let id = nextID
        nextID += 1
        ids[type] = id
        switch type {
        case .slice(let element): _ = assignID(element)
        case .structure(_, let fields): for f in fields { _ = assignID(f.type) }
        default: break
        }
        return id
    }

    /// The type's description, then those of the types it is made of (as Go sends them).
    private mutating func sendDefinitions(_ type: GobType, into out: inout [UInt8]) {
        guard type.predeclaredID == nil, let id = ids[type], !sent.contains(id) else { return }
        sent.insert(id)
        var body = GobWire.int(Int64(-id))
        // wireType: field 1 is SliceT, field 2 StructT; each holds a CommonType{Name, Id} first.
        switch type {
        case .slice(let element):
            body += GobWire.uint(2)  // SliceT
            body += GobWire.uint(1)  // .CommonType
            commonType(name: "", id: id, into: &body)
            body += GobWire.uint(1) + GobWire.int(Int64(assignID(element)))  // .Elem
            body += GobWire.uint(0)
        case .structure(let name, let fields):
            body += GobWire.uint(3)  // StructT
            body += GobWire.uint(1)
            commonType(name: name, id: id, into: &body)
            if !fields.isEmpty {
                body += GobWire.uint(1) + GobWire.uint(UInt64(fields.count))  // .Field []fieldType
                for f in fields {
                    body += GobWire.uint(1) + GobWire.string(f.name)
                    body += GobWire.uint(1) + GobWire.int(Int64(assignID(f.type)))
                    body += GobWire.uint(0)
                }
            }
            body += GobWire.uint(0)
        default: break
        }
        body += GobWire.uint(0)  // end of wireType
        out += GobWire.uint(UInt64(body.count)) + body
        switch type {
        case .slice(let element): sendDefinitions(element, into: &out)
        case .structure(_, let fields): for f in fields { sendDefinitions(f.type, into: &out) }
        default: break
        }
    }

    private func commonType(name: String, id: Int, into body: inout [UInt8]) {
        var delta: UInt64 = 1
        if !name.isEmpty {
            body += GobWire.uint(1) + GobWire.string(name)
        } else {
            delta = 2
        }
        body += GobWire.uint(delta) + GobWire.int(Int64(id))
        body += GobWire.uint(0)
    }

    // MARK: Values

    private func encodeStruct(_ value: GobValue, _ fields: [GobField], into out: inout [UInt8]) {
        var last = -1
        for (i, field) in fields.enumerated() {
            let v = value[field.name]
            guard !Self.isOmitted(v, field.type) else { continue }
            out += GobWire.uint(UInt64(i - last))
            last = i
            encodeValue(v, field.type, into: &out)
        }
        out += GobWire.uint(0)
    }

    private func encodeValue(_ value: GobValue, _ type: GobType, into out: inout [UInt8]) {
        switch type {
        case .bool: out += GobWire.uint(value == .bool(true) ? 1 : 0)
        case .int: out += GobWire.int(value.intValue)
        case .uint: out += GobWire.uint(value.uintValue)
        case .float:
            var d = 0.0
            if case .float(let f) = value { d = f }
            out += GobWire.uint(d.bitPattern.byteSwapped)
        case .bytes, .string:
            let b = value.bytesValue
            out += GobWire.uint(UInt64(b.count)) + b
        case .slice(let element):
            let items = value.listValue
            out += GobWire.uint(UInt64(items.count))
            for item in items { encodeValue(item, element, into: &out) }
        case .structure(_, let fields):
            encodeStruct(value, fields, into: &out)
        }
    }

    /// Gob leaves out zero scalars and empty strings and slices; nested structs are always sent.
    static func isOmitted(_ value: GobValue, _ type: GobType) -> Bool {
        switch value {
        case .none: return true
        case .bool(let b): return !b
        case .int(let i): return i == 0
        case .uint(let u): return u == 0
        case .float(let f): return f == 0
        case .bytes(let b): return b.isEmpty
        case .list(let l): return l.isEmpty
        case .structure: if case .structure = type { return false } else { return true }
        case .map(let m): return m.isEmpty
        }
    }
}

/// Gob's integer and string encodings.
enum GobWire {
    /// An unsigned integer: one byte below 128, else the negated byte count and the big-endian
    /// bytes without leading zeros.
    static func uint(_ v: UInt64) -> [UInt8] {
        if v < 0x80 { return [UInt8(v)] }
        var bytes: [UInt8] = []
        var x = v
        while x > 0 {
            bytes.insert(UInt8(x & 0xFF), at: 0)
            x >>= 8
        }
        return [UInt8(truncatingIfNeeded: -bytes.count)] + bytes
    }

    /// A signed integer: shifted left one bit, complemented when negative (low bit set).
    static func int(_ v: Int64) -> [UInt8] {
        let u: UInt64 = v < 0 ? (UInt64(bitPattern: ~v) << 1) | 1 : UInt64(v) << 1
        return uint(u)
    }

    static func string(_ s: String) -> [UInt8] {
        let b = Array(s.utf8)
        return uint(UInt64(b.count)) + b
    }
}
