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

    private var objects: [(path: String, object: JSONObject)] {
        ([first] + rest).map { item in
            (item.key.isEmpty ? parent : parent.isEmpty ? item.key : parent + "." + item.key, item.value.objectValue ?? [:])
        }
    }

    /// The value under `key`: the last member with exactly that key (absent when none).
    public subscript(key: String) -> GoValue {
        var found: (path: String, member: Item)?
        for (path, object) in objects {
            for m in object.members where JSONObject.sameKey(m.key, key) { found = (path, m) }
        }
        guard let found else { return GoValue(first: nil, parent: parent, subject: subject, name: key) }
        return GoValue(first: found.member, parent: found.path, subject: subject)
    }

    /// Every entry, each key once (at its first position) with its last value, read by `read`.
    /// Every value is read, overridden ones too, so a bad earlier value fails as it does in Go.
    public func entries<T>(_ read: (GoValue) throws(GoReadError) -> T) throws(GoReadError) -> [(key: String, value: T)] {
        var out: [(key: String, value: T)] = []
        for (path, object) in objects {
            for m in object.members {
                let value = try read(GoValue(first: m, parent: path, subject: subject))
                if let i = out.firstIndex(where: { JSONObject.sameKey($0.key, m.key) }) {
                    out[i].value = value
                } else {
                    out.append((m.key, value))
                }
            }
        }
        return out
    }

    /// The map as JSON, as Go's `map[string]interface{}` holds it: each key once, at its first
    /// position, with its last value.
    public var object: JSONObject {
        if rest.isEmpty, let o = first.value.objectValue { return o.uniqued }
        var out = JSONObject()
        for (_, object) in objects {
            for m in object.members { out[m.key] = m.value }
        }
        return out
    }

    /// True when the map has no entries.
    public var isEmpty: Bool { objects.allSatisfy(\.object.isEmpty) }
}
