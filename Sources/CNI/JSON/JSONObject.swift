/// The members of a JSON object, in order, with lookup by key.
///
/// Keys are unique: setting an existing key replaces its value in place (keeping its position),
/// which is also how the parser treats a key that repeats (the last value wins, as in Go).
/// Lookup is a linear scan, which beats hashing for the handful of keys a CNI config has.
public struct JSONObject: Sendable, Hashable {
    /// One `"key": value` pair.
    public struct Member: Sendable, Hashable {
        public var key: String
        public var value: JSONValue

        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// The members in order.
    public private(set) var members: [Member]

    /// An empty object.
    public init() { members = [] }

    /// An object with these members in this order; a repeated key keeps its first position and
    /// its last value.
    public init<S: Sequence>(_ pairs: S) where S.Element == (String, JSONValue) {
        members = []
        for (k, v) in pairs { self[k] = v }
    }

    init(uniqueMembers: [Member]) { members = uniqueMembers }

    /// The value for `key`, or nil. Setting nil removes the member; setting a new key appends it.
    public subscript(key: String) -> JSONValue? {
        get {
            for m in members where m.key == key { return m.value }
            return nil
        }
        set {
            if let i = index(forKey: key) {
                if let newValue { members[i].value = newValue } else { members.remove(at: i) }
            } else if let newValue {
                members.append(Member(key: key, value: newValue))
            }
        }
    }

    /// The position of `key` in ``members``.
    public func index(forKey key: String) -> Int? {
        members.firstIndex { $0.key == key }
    }

    /// True when the object has a member named `key` (even if its value is `null`).
    public func contains(_ key: String) -> Bool { index(forKey: key) != nil }

    /// The keys in order.
    public var keys: [String] { members.map(\.key) }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }

    /// Removes `key` and returns its value, if it was present.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let i = index(forKey: key) else { return nil }
        return members.remove(at: i).value
    }

    /// Sets `key` to `value` and moves it to the end, as re-inserting into an ordered map does.
    public mutating func append(_ key: String, _ value: JSONValue) {
        removeValue(forKey: key)
        members.append(Member(key: key, value: value))
    }
}

extension JSONObject: RandomAccessCollection {
    public typealias Element = (key: String, value: JSONValue)
    public var startIndex: Int { members.startIndex }
    public var endIndex: Int { members.endIndex }
    public subscript(position: Int) -> (key: String, value: JSONValue) {
        let m = members[position]
        return (m.key, m.value)
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }
}
