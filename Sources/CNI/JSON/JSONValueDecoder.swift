import NetAddress
/// Decodes `Decodable` types from a ``JSONValue``, so plugins can read their configuration into
/// typed structs without Foundation.
///
/// Keys match as Go's `encoding/json` matches struct fields: an exact match first, then an ASCII
/// case-insensitive one (a config saying `"ipmasq"` still sets `ipMasq`, as with the reference).
/// Integer properties accept any number with an exact integer value that fits (`1500`, `1500.0`).
/// A property of type ``JSONValue`` receives the raw JSON under its key.
///
/// ```swift
/// struct BridgeConfig: Decodable { var bridge: String?; var mtu: Int?; var isGateway: Bool? }
/// let config = try JSONValueDecoder().decode(BridgeConfig.self, from: context.config.raw)
/// ```
public struct JSONValueDecoder: Sendable {
    /// Match keys case-insensitively when there is no exact match (Go's behaviour). Default true.
    public var matchesKeysCaseInsensitively = true

    public init() {}

    /// Decodes a `T` from `value`. Throws `DecodingError` naming the key path on a mismatch.
    public func decode<T: Decodable>(_ type: T.Type = T.self, from value: JSONValue) throws -> T {
        try _JSONValueDecoder(value: value, codingPath: [], options: self).unbox(T.self)
    }

    /// Parses `bytes` and decodes a `T` from them.
    public func decode<T: Decodable>(_ type: T.Type = T.self, from bytes: [UInt8]) throws -> T {
        try decode(type, from: try JSONParser.parse(bytes))
    }
}

/// A coding key made of a string or an array index, for coding paths.
struct _JSONKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) {
        self.stringValue = "\(intValue)"
        self.intValue = intValue
    }
    init(_ string: String) { self.stringValue = string }
}

final class _JSONValueDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    let options: JSONValueDecoder
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(value: JSONValue, codingPath: [any CodingKey], options: JSONValueDecoder) {
        self.value = value
        self.codingPath = codingPath
        self.options = options
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let object) = value else {
            throw mismatch([String: JSONValue].self, value, codingPath)
        }
        return KeyedDecodingContainer(_KeyedDecoding<Key>(object: object, decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let array) = value else { throw mismatch([JSONValue].self, value, codingPath) }
        return _UnkeyedDecoding(array: array, decoder: self)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    /// Decodes `T` from this decoder's value, taking the fast path for JSON's own types.
    func unbox<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self == JSONValue.self { return value as! T }
        if T.self == String.self { return try decode(String.self) as! T }
        if T.self == Bool.self { return try decode(Bool.self) as! T }
        if T.self == Int.self { return try decode(Int.self) as! T }
        return try T(from: self)
    }

    func child(_ value: JSONValue, _ key: any CodingKey) -> _JSONValueDecoder {
        _JSONValueDecoder(value: value, codingPath: codingPath + [key], options: options)
    }

    func integer<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
        guard case .number(let n) = value else { throw mismatch(I.self, value, codingPath) }
        guard let v = n.exactInteger(I.self) else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: codingPath, debugDescription: "number \(n.literal) does not fit in \(I.self)"))
        }
        return v
    }
}

/// A type-mismatch error that says what was expected and what was found.
func mismatch(_ expected: Any.Type, _ found: JSONValue, _ path: [any CodingKey]) -> DecodingError {
    let name: String
    switch expected {
    case is String.Type: name = "a string"
    case is Bool.Type: name = "a boolean"
    case is [JSONValue].Type: name = "an array"
    case is [String: JSONValue].Type: name = "an object"
    case is Double.Type, is Float.Type: name = "a number"
    default: name = "\(expected)".containsText("Int") ? "an integer" : "\(expected)"
    }
    return DecodingError.typeMismatch(
        expected, .init(codingPath: path, debugDescription: "expected \(name), found \(found.kindDescription)"))
}

extension _JSONValueDecoder: SingleValueDecodingContainer {
    func decodeNil() -> Bool { value.isNull }

    func decode(_ type: Bool.Type) throws -> Bool {
        guard case .bool(let b) = value else { throw mismatch(Bool.self, value, codingPath) }
        return b
    }

    func decode(_ type: String.Type) throws -> String {
        guard case .string(let s) = value else { throw mismatch(String.self, value, codingPath) }
        return s
    }

    func decode(_ type: Double.Type) throws -> Double {
        guard case .number(let n) = value else { throw mismatch(Double.self, value, codingPath) }
        return n.double
    }

    func decode(_ type: Float.Type) throws -> Float {
        guard case .number(let n) = value else { throw mismatch(Float.self, value, codingPath) }
        return Float(n.double)
    }

    func decode(_ type: Int.Type) throws -> Int { try integer(Int.self) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(Int8.self) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(Int16.self) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(Int32.self) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(Int64.self) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(UInt.self) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(UInt8.self) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(UInt16.self) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(UInt32.self) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(UInt64.self) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try unbox(T.self) }
}

struct _KeyedDecoding<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let object: JSONObject
    let decoder: _JSONValueDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    var allKeys: [Key] { object.keys.compactMap { Key(stringValue: $0) } }

    private func lookup(_ key: Key) -> JSONValue? {
        if let v = object[key.stringValue] { return v }
        guard decoder.options.matchesKeysCaseInsensitively else { return nil }
        let wanted = key.stringValue.utf8
        for m in object.members where m.key.utf8.count == wanted.count {
            if zip(m.key.utf8, wanted).allSatisfy({ asciiLower($0) == asciiLower($1) }) { return m.value }
        }
        return nil
    }

    private func child(_ key: Key) throws -> _JSONValueDecoder {
        guard let v = lookup(key) else {
            throw DecodingError.keyNotFound(
                key, .init(codingPath: codingPath, debugDescription: "missing key \"\(key.stringValue)\""))
        }
        return decoder.child(v, key)
    }

    func contains(_ key: Key) -> Bool { lookup(key) != nil }
    func decodeNil(forKey key: Key) throws -> Bool { try child(key).value.isNull }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try child(key).decode(Bool.self) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try child(key).decode(String.self) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try child(key).decode(Double.self) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try child(key).decode(Float.self) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try child(key).integer(Int.self) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try child(key).integer(Int8.self) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try child(key).integer(Int16.self) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try child(key).integer(Int32.self) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try child(key).integer(Int64.self) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try child(key).integer(UInt.self) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try child(key).integer(UInt8.self) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try child(key).integer(UInt16.self) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try child(key).integer(UInt32.self) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try child(key).integer(UInt64.self) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try child(key).unbox(T.self) }

    /// `null` counts as absent, as it does for Go's pointer and slice fields.
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let v = lookup(key), !v.isNull else { return nil }
        return try decoder.child(v, key).unbox(T.self)
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try child(key).container(keyedBy: NestedKey.self)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try child(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        decoder.child(object["super"] ?? .null, _JSONKey("super"))
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        decoder.child(lookup(key) ?? .null, key)
    }
}

@inline(__always) private func asciiLower(_ c: UInt8) -> UInt8 {
    c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") ? c | 0x20 : c
}

struct _UnkeyedDecoding: UnkeyedDecodingContainer {
    let array: [JSONValue]
    let decoder: _JSONValueDecoder
    var currentIndex = 0
    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { array.count }
    var isAtEnd: Bool { currentIndex >= array.count }

    init(array: [JSONValue], decoder: _JSONValueDecoder) {
        self.array = array
        self.decoder = decoder
    }

    private mutating func next() throws -> _JSONValueDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                JSONValue.self,
                .init(codingPath: codingPath + [_JSONKey(intValue: currentIndex)], debugDescription: "unkeyed container is at end"))
        }
        defer { currentIndex += 1 }
        return decoder.child(array[currentIndex], _JSONKey(intValue: currentIndex))
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, array[currentIndex].isNull else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().unbox(T.self) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: NestedKey.self)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try next().unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder { try next() }
}
