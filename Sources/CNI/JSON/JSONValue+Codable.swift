/// `JSONValue` is Codable so typed structs can carry raw JSON (`var ipam: JSONValue?`). With
/// ``JSONValueDecoder``/``JSONValueEncoder`` the value passes through untouched; other coders get
/// a best-effort structural translation.
extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        if let ours = decoder as? _JSONValueDecoder {
            self = ours.value
            return
        }
        if let keyed = try? decoder.container(keyedBy: _JSONKey.self) {
            var object = JSONObject()
            for key in keyed.allKeys { object[key.stringValue] = try keyed.decode(JSONValue.self, forKey: key) }
            self = .object(object)
        } else if var unkeyed = try? decoder.unkeyedContainer() {
            var elements: [JSONValue] = []
            while !unkeyed.isAtEnd { elements.append(try unkeyed.decode(JSONValue.self)) }
            self = .array(elements)
        } else {
            let single = try decoder.singleValueContainer()
            if single.decodeNil() {
                self = .null
            } else if let b = try? single.decode(Bool.self) {
                self = .bool(b)
            } else if let i = try? single.decode(Int64.self) {
                self = .number(JSONNumber(i))
            } else if let d = try? single.decode(Double.self) {
                self = .number(JSONNumber(d))
            } else {
                self = .string(try single.decode(String.self))
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        if let ours = encoder as? _JSONValueEncoder {
            ours.node.kind = .scalar(self)
            return
        }
        switch self {
        case .null:
            var c = encoder.singleValueContainer()
            try c.encodeNil()
        case .bool(let b):
            var c = encoder.singleValueContainer()
            try c.encode(b)
        case .number(let n):
            var c = encoder.singleValueContainer()
            if let i = n.int64, n.isInteger { try c.encode(i) } else { try c.encode(n.double) }
        case .string(let s):
            var c = encoder.singleValueContainer()
            try c.encode(s)
        case .array(let a):
            var c = encoder.unkeyedContainer()
            for e in a { try c.encode(e) }
        case .object(let o):
            var c = encoder.container(keyedBy: _JSONKey.self)
            for m in o.members { try c.encode(m.value, forKey: _JSONKey(m.key)) }
        }
    }
}
