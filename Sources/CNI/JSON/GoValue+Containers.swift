extension GoValue {
    /// Go `[]T`: nil for a nil slice (absent, or `null` last), else one ``GoValue`` per element of
    /// the last array, read as `T`.
    ///
    /// Go decodes a repeated array into the slice it already holds: each element is decoded over
    /// the element at its index while the backing array still has it, so with
    /// `"l": [{"a":1},{"a":2}], "l": [{"s":"x"}]` the slice is one element holding both `a` and
    /// `s`. That reuse is reproduced here, capacity growth (`cap + cap/2`, at least 4) included;
    /// an empty array starts afresh, and `null` drops everything.
    public func slice() throws(GoReadError) -> [GoValue]? {
        // The common case: one array, read once.
        if rest.isEmpty, let first {
            switch first.value {
            case .null: return nil
            case .array(let elements):
                let at = path(of: first)
                return elements.indices.map { i in
                    GoValue(first: Item(key: String(i), value: elements[i]), parent: at, subject: subject)
                }
            default: throw typeError(first, expected: "an array")
            }
        }
        var isNil = true
        var length = 0
        var backing: [[Item]] = []  // count is the capacity
        var at = parent
        for item in items {
            switch item.value {
            case .null:
                isNil = true
                length = 0
                backing = []
            case .array(let elements):
                isNil = false
                at = path(of: item)
                for (i, element) in elements.enumerated() {
                    if i >= backing.count {
                        // reflect.MakeSlice(len, newcap) + reflect.Copy: only the first `length` survive.
                        let capacity = max(backing.count + backing.count / 2, 4)
                        var grown = Array(backing.prefix(length))
                        grown += repeatElement([], count: capacity - grown.count)
                        backing = grown
                    }
                    if i >= length { length = i + 1 }
                    backing[i].append(Item(key: String(i), value: element))
                }
                if elements.isEmpty {
                    length = 0
                    backing = []
                } else if elements.count < length {
                    length = elements.count
                }
            default:
                throw typeError(item, expected: "an array")
            }
        }
        if isNil { return nil }
        return backing.prefix(length).map { stored in
            GoValue(first: stored.first, rest: Array(stored.dropFirst()), parent: at, subject: subject)
        }
    }

    /// Go `[]string`: the elements' strings (an element that got only `null` is "").
    public func strings() throws(GoReadError) -> [String]? {
        guard let elements = try slice() else { return nil }
        var out: [String] = []
        out.reserveCapacity(elements.count)
        for e in elements { out.append(try e.string() ?? "") }
        return out
    }

    /// Go `map[string]T`: nil for a nil map (absent, or `null` last), else the objects stored
    /// since, read as one map: keys compare exactly (no folding), and the last value of a key
    /// wins whole (Go zeroes a map element before decoding into it).
    public func map() throws(GoReadError) -> GoMap? {
        var head: Item?
        var more: [Item] = []
        for item in items {
            switch item.value {
            case .null:
                head = nil
                more = []
            case .object:
                if head == nil { head = item } else { more.append(item) }
            default:
                throw typeError(item, expected: "an object")
            }
        }
        guard let head else { return nil }
        return GoMap(first: head, rest: more, parent: parent, subject: subject)
    }
}

/// A Go map variable (`map[string]T`) as `encoding/json` fills it. See ``GoValue/map()``.
public struct GoMap: Sendable {
    typealias Item = JSONObject.Member
    /// The objects stored since the map was last reset, each with its key, in order.
    let first: Item
    let rest: [Item]
    let parent: String
    let subject: String

    /// Calls `body` with each member of each object stored, in order, and the object's path.
    private func forEachMember(_ body: (String, Item) throws(GoReadError) -> Void) throws(GoReadError) {
        func visit(_ item: Item) throws(GoReadError) {
            guard case .object(let object) = item.value else { return }
            let path = item.key.isEmpty ? parent : parent.isEmpty ? item.key : parent + "." + item.key
            for m in object.members { try body(path, m) }
        }
        try visit(first)
        for item in rest { try visit(item) }
    }

    /// The value under `key`: the last member with exactly that key (absent when none).
    public subscript(key: String) -> GoValue {
        var found: GoValue?
        try? forEachMember { path, m in
            if JSONObject.sameKey(m.key, key) { found = GoValue(first: m, parent: path, subject: subject) }
        }
        return found ?? GoValue(first: nil, parent: parent, subject: subject, name: key)
    }

    /// Calls `body` with every entry in document order, overridden ones too, so that a bad
    /// earlier value fails as it does in Go. The map is what remains when each key keeps its last
    /// value (assigning each entry to a dictionary in turn gives it).
    public func forEach(_ body: (_ key: String, _ value: GoValue) throws(GoReadError) -> Void) throws(GoReadError) {
        try forEachMember { path, m throws(GoReadError) in try body(m.key, GoValue(first: m, parent: path, subject: subject)) }
    }

    /// The map as JSON, as Go's `map[string]interface{}` holds it: each key once, at its first
    /// position, with its last value.
    public var object: JSONObject {
        if rest.isEmpty, let o = first.value.objectValue { return o.uniqued }
        var out = JSONObject()
        try? forEachMember { _, m in out[m.key] = m.value }
        return out
    }

    /// True when the map has no entries.
    public var isEmpty: Bool {
        var empty = true
        try? forEachMember { _, _ in empty = false }
        return empty
    }
}
