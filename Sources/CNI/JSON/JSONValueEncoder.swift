/// Encodes `Encodable` values into a ``JSONValue``. Object members appear in the order the keys
/// are encoded (for synthesized conformances: declaration order, like Go struct fields), and `nil`
/// optionals are left out (like Go's `omitempty` on pointers).
///
/// ```swift
/// let json = try JSONValueEncoder().encode(myState)
/// let text = JSONSerializer.string(json, style: .pretty)
/// ```
public struct JSONValueEncoder: Sendable {
    public init() {}

    /// The JSON for `value`. Throws `EncodingError` for non-finite floating-point numbers.
    public func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        let node = _EncodingNode()
        try _JSONValueEncoder(node: node, codingPath: []).box(value)
        return node.materialize()
    }
}

/// A value under construction. Containers are reference types in the Encoder API (a nested
/// container keeps writing into its parent after it is handed out), hence a class.
final class _EncodingNode {
    enum Kind { case unset, scalar(JSONValue), object, array }
    var kind: Kind = .unset
    var keys: [String] = []
    var children: [_EncodingNode] = []

    func materialize() -> JSONValue {
        switch kind {
        case .unset: return .object(JSONObject())
        case .scalar(let v): return v
        case .object:
            return .object(JSONObject(members: zip(keys, children).map {
                JSONObject.Member(key: $0, value: $1.materialize())
            }))
        case .array: return .array(children.map { $0.materialize() })
        }
    }

    /// The child for `key`, replacing an earlier one with the same key in place.
    func child(forKey key: String) -> _EncodingNode {
        let node = _EncodingNode()
        if let i = keys.firstIndex(of: key) {
            children[i] = node
        } else {
            keys.append(key)
            children.append(node)
        }
        return node
    }

    func appendChild() -> _EncodingNode {
        let node = _EncodingNode()
        children.append(node)
        return node
    }

    func becomeObject() {
        if case .object = kind { return }
        kind = .object
        keys = []
        children = []
    }

    func becomeArray() {
        if case .array = kind { return }
        kind = .array
        keys = []
        children = []
    }
}

struct _JSONValueEncoder: Encoder {
    let node: _EncodingNode
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.becomeObject()
        return KeyedEncodingContainer(_KeyedEncoding<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.becomeArray()
        return _UnkeyedEncoding(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { self }

    func box<T: Encodable>(_ value: T) throws {
        if let json = value as? JSONValue {
            node.kind = .scalar(json)
        } else {
            try value.encode(to: self)
        }
    }
}

extension _JSONValueEncoder: SingleValueEncodingContainer {
    func encodeNil() { node.kind = .scalar(.null) }
    func encode(_ value: Bool) { node.kind = .scalar(.bool(value)) }
    func encode(_ value: String) { node.kind = .scalar(.string(value)) }
    func encode(_ value: Double) throws {
        guard let n = JSONNumber(exactly: value) else {
            throw EncodingError.invalidValue(value, .init(codingPath: codingPath, debugDescription: "JSON cannot represent \(value)"))
        }
        node.kind = .scalar(.number(n))
    }
    func encode(_ value: Float) throws { try encode(Double(value)) }
    func encode(_ value: Int) { node.kind = .scalar(.number(JSONNumber(value))) }
    func encode(_ value: Int8) { node.kind = .scalar(.number(JSONNumber(value))) }
    func encode(_ value: Int16) { node.kind = .scalar(.number(JSONNumber(value))) }
    func encode(_ value: Int32) { node.kind = .scalar(.number(JSONNumber(value))) }
    func encode(_ value: Int64) { node.kind = .scalar(.number(JSONNumber(value))) }
    func encode(_ value: UInt) { node.kind = .scalar(.number(JSONNumber(value))) }
    func encode(_ value: UInt8) { node.kind = .scalar(.number(JSONNumber(value))) }
    func encode(_ value: UInt16) { node.kind = .scalar(.number(JSONNumber(value))) }
    func encode(_ value: UInt32) { node.kind = .scalar(.number(JSONNumber(value))) }
    func encode(_ value: UInt64) { node.kind = .scalar(.number(JSONNumber(value))) }
    func encode<T: Encodable>(_ value: T) throws { try box(value) }
}

struct _KeyedEncoding<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: _EncodingNode
    let codingPath: [any CodingKey]

    private func encoder(_ key: Key) -> _JSONValueEncoder {
        _JSONValueEncoder(node: node.child(forKey: key.stringValue), codingPath: codingPath + [key])
    }

    mutating func encodeNil(forKey key: Key) { encoder(key).encodeNil() }
    mutating func encode(_ value: Bool, forKey key: Key) { encoder(key).encode(value) }
    mutating func encode(_ value: String, forKey key: Key) { encoder(key).encode(value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { try encoder(key).encode(value) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try encoder(key).encode(value) }
    mutating func encode(_ value: Int, forKey key: Key) { encoder(key).encode(value) }
    mutating func encode(_ value: Int8, forKey key: Key) { encoder(key).encode(value) }
    mutating func encode(_ value: Int16, forKey key: Key) { encoder(key).encode(value) }
    mutating func encode(_ value: Int32, forKey key: Key) { encoder(key).encode(value) }
    mutating func encode(_ value: Int64, forKey key: Key) { encoder(key).encode(value) }
    mutating func encode(_ value: UInt, forKey key: Key) { encoder(key).encode(value) }
    mutating func encode(_ value: UInt8, forKey key: Key) { encoder(key).encode(value) }
    mutating func encode(_ value: UInt16, forKey key: Key) { encoder(key).encode(value) }
    mutating func encode(_ value: UInt32, forKey key: Key) { encoder(key).encode(value) }
    mutating func encode(_ value: UInt64, forKey key: Key) { encoder(key).encode(value) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try encoder(key).box(value) }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        encoder(key).container(keyedBy: NestedKey.self)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        encoder(key).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        _JSONValueEncoder(node: node.child(forKey: "super"), codingPath: codingPath + [_JSONKey("super")])
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder { encoder(key) }
}

struct _UnkeyedEncoding: UnkeyedEncodingContainer {
    let node: _EncodingNode
    let codingPath: [any CodingKey]
    var count: Int { node.children.count }

    private func encoder() -> _JSONValueEncoder {
        let index = count
        return _JSONValueEncoder(node: node.appendChild(), codingPath: codingPath + [_JSONKey(intValue: index)])
    }

    mutating func encodeNil() { encoder().encodeNil() }
    mutating func encode(_ value: Bool) { encoder().encode(value) }
    mutating func encode(_ value: String) { encoder().encode(value) }
    mutating func encode(_ value: Double) throws { try encoder().encode(value) }
    mutating func encode(_ value: Float) throws { try encoder().encode(value) }
    mutating func encode(_ value: Int) { encoder().encode(value) }
    mutating func encode(_ value: Int64) { encoder().encode(value) }
    mutating func encode(_ value: UInt64) { encoder().encode(value) }
    mutating func encode<T: Encodable>(_ value: T) throws { try encoder().box(value) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        encoder().container(keyedBy: NestedKey.self)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { encoder().unkeyedContainer() }
    mutating func superEncoder() -> any Encoder { encoder() }
}
