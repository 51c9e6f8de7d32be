/// The members of a JSON object, in order, exactly as written: a key that repeats in the text is
/// kept once per occurrence, because what a repeated key means depends on the Go type it is
/// decoded into (a struct merges repeated objects, a map keeps the last value, …; see
/// ``GoObject``).
///
/// Lookup by key (``subscript(_:)``) reads the object as Go's `map[string]interface{}` reads it:
/// keys compare byte for byte, and the last member with the key wins. Setting a key leaves one
/// member with it, at the position of its first occurrence. Lookup is a linear scan, which beats
/// hashing for the handful of keys a CNI config has.
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

    /// The members in order, repeated keys included.
    public private(set) var members: [Member]

    /// An empty object.
    public init() { members = [] }

    /// An object with these members in this order; a repeated key keeps its first position and
    /// its last value.
    public init<S: Sequence>(_ pairs: S) where S.Element == (String, JSONValue) {
        members = []
        for (k, v) in pairs { self[k] = v }
    }

    /// The members as given, repeated keys included (the parser's constructor).
    init(members: [Member]) { self.members = members }

    /// The value of the last member named `key` (byte-wise comparison), or nil. Setting replaces
    /// the first such member's value and removes the others; setting a new key appends it;
    /// setting nil removes every member named `key`.
    public subscript(key: String) -> JSONValue? {
        get {
            for m in members.reversed() where JSONObject.sameKey(m.key, key) { return m.value }
            return nil
        }
        set {
            guard let first = index(forKey: key) else {
                if let newValue { members.append(Member(key: key, value: newValue)) }
                return
            }
            removeRepeats(of: key, after: first)
            if let newValue { members[first].value = newValue } else { members.remove(at: first) }
        }
    }

    /// The position of the first member named `key` in ``members``.
    public func index(forKey key: String) -> Int? {
        members.firstIndex { JSONObject.sameKey($0.key, key) }
    }

    /// True when the object has a member named `key` (even if its value is `null`).
    public func contains(_ key: String) -> Bool { index(forKey: key) != nil }

    /// The keys in order, each once (at its first position).
    public var keys: [String] { uniqued.members.map(\.key) }

    /// Number of members, repeated keys included.
    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }

    /// The object as a Go map holds it: each key once, at its first position, with its last value.
    public var uniqued: JSONObject {
        var out = JSONObject()
        out.members.reserveCapacity(members.count)
        for m in members { out[m.key] = m.value }
        return out
    }

    /// Removes every member named `key` and returns the last one's value, if there was one.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        let last = self[key]
        members.removeAll { JSONObject.sameKey($0.key, key) }
        return last
    }

    /// Sets `key` to `value` and moves it to the end, as re-inserting into an ordered map does.
    public mutating func append(_ key: String, _ value: JSONValue) {
        removeValue(forKey: key)
        members.append(Member(key: key, value: value))
    }

    private mutating func removeRepeats(of key: String, after first: Int) {
        var i = members.count - 1
        while i > first {
            if JSONObject.sameKey(members[i].key, key) { members.remove(at: i) }
            i -= 1
        }
    }

    /// Keys compare as bytes, as Go compares them.
    @inline(__always)
    static func sameKey(_ a: String, _ b: String) -> Bool { GoFold.sameBytes(a, b) }
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
