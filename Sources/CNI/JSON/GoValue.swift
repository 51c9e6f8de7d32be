import NetAddress

/// A Go variable (a struct field, a slice element, a map value, a whole document) as Go's
/// `encoding/json` fills it: every JSON value the decoder stores into it, in document order, and
/// accessors that read them the way the variable's Go type does. This is the one way configs,
/// results and caches are read in this package, so that a config means to us what it means to
/// the reference plugins, written as they are by runtimes and people:
///
/// ```swift
/// let conf = try GoValue(root: json, subject: "network config").object(BridgeConfig.fields)
/// let mtu = try conf["mtu"].int() ?? 0                      // Go `int`
/// let trunk = try conf["vlanTrunk"].slice() ?? []           // Go `[]*VlanTrunk`
/// let minID = try trunk.first?.pointee?.object(VLANTrunk.fields)["minID"].pointee?.int()
/// ```
///
/// The rules, from Go 1.19's `decode.go` (the reference plugins' toolchain):
/// - a struct's members are matched to fields by ``GoObject``: the exact name, else the first
///   field whose name folds to the key (``GoFold``); keys matching no field are ignored;
/// - every member matching a variable is decoded into it, in order, so the accessor sees them
///   all: a scalar keeps the last value; a struct merges repeated objects; a map accumulates
///   keys (the last value of a key wins); an `interface{}` takes the last value whole; a slice
///   takes the last array's length, each element decoded over the element that was at its index
///   while the slice's capacity kept it (Go reuses its backing array);
/// - `null` does nothing to a scalar or a struct (the earlier value or the default stays) and
///   resets a pointer, slice, map or `interface{}` to nil;
/// - every value is type-checked, even one a later duplicate overrides: `{"mtu":"x","mtu":1}`
///   fails, as Go's first `UnmarshalTypeError` fails the whole decode;
/// - integers take integer literals only (`1500`, not `1500.0` or `1.5e3`) within the Go type's
///   range; floats take any number that fits a `float64`.
///
/// One rule is ours: a boolean may also be written as the string `"true"` or `"false"` (any
/// case), as libcni reads a list's `disableCheck` and as cni.dev's pages write some plugin
/// options. Go would refuse the string, so this accepts every config the reference accepts.
///
/// Errors are ``GoReadError``s naming the member by its path as written.
public struct GoValue: Sendable {
    typealias Item = JSONObject.Member

    /// The values stored, in order; each with the key (or index) it came under, for messages.
    let first: Item?
    let rest: [Item]
    /// Path of the enclosing value, for messages ("" at the top).
    let parent: String
    /// What the document is, for messages ("network config", "result").
    let subject: String
    /// The field's name, naming it in messages when nothing was stored.
    let name: String

    init(first: Item?, rest: [Item] = [], parent: String, subject: String, name: String = "") {
        self.first = first
        self.rest = rest
        self.parent = parent
        self.subject = subject
        self.name = name
    }

    /// A whole document (the target of `json.Unmarshal`).
    public init(root value: JSONValue, subject: String) {
        self.init(first: Item(key: "", value: value), parent: "", subject: subject)
    }

    /// True when nothing was stored: no member matched the field.
    public var isAbsent: Bool { first == nil }

    /// The values stored, in order.
    var items: Items { Items(first: first, rest: rest) }

    /// The last value stored (null included), as written.
    public var last: JSONValue? { rest.last?.value ?? first?.value }

    /// Where the last value stored sits in the document (`ipam.ranges.0.0`), for messages.
    public var path: String { path(of: rest.last ?? first) }

    func path(of item: Item?) -> String {
        let key = item?.key ?? name
        guard !key.isEmpty else { return parent }
        return parent.isEmpty ? key : parent + "." + key
    }

    // MARK: Scalars (non-pointer: null keeps the earlier value)

    /// Go `string`.
    public func string() throws(GoReadError) -> String? {
        try scalar("a string") { v in
            if case .string(let s) = v { return s }
            return nil
        }
    }

    /// Go `bool`, also read from the strings "true" and "false" in any case (ours; see above).
    public func bool() throws(GoReadError) -> Bool? {
        try scalar("a boolean") { v in
            switch v {
            case .bool(let b): return b
            case .string(let s):
                switch s.lowercased() {
                case "true": return true
                case "false": return false
                default: return nil
                }
            default: return nil
            }
        }
    }

    /// Go's integer types: an integer literal (no fraction, no exponent) within `T`'s range, as
    /// `strconv.ParseInt`/`ParseUint` read it. `Int` is Go's `int` (64 bits here).
    public func int<T: FixedWidthInteger>(_ type: T.Type = Int.self) throws(GoReadError) -> T? {
        try scalar(T.isSigned ? "an integer" : "a non-negative integer") { v in
            guard case .number(let n) = v, n.isInteger else { return nil }
            if !T.isSigned && n.literal.utf8.first == UInt8(ascii: "-") { return nil }  // ParseUint refuses "-0"
            return T(n.literal)
        }
    }

    /// Go `float64`: any number whose magnitude fits (underflow reads as 0, as `ParseFloat` does).
    public func float() throws(GoReadError) -> Double? {
        try scalar("a number") { v in
            guard case .number(let n) = v, let d = Double(n.literal), d.isFinite else { return nil }
            return d
        }
    }

    private func scalar<T>(_ expected: String, _ convert: (JSONValue) -> T?) throws(GoReadError) -> T? {
        var out: T?
        for item in items where !item.value.isNull {
            guard let t = convert(item.value) else { throw typeError(item, expected: expected) }
            out = t
        }
        return out
    }

    // MARK: Addresses

    /// Go `net.IP` (a slice with `UnmarshalText`): `null` and `""` reset it to nil; any other
    /// string must be an address (`invalid IP address: x`, code 7); other JSON types are type errors.
    public func ip() throws(GoReadError) -> IPAddress? {
        var out: IPAddress?
        for item in items {
            switch item.value {
            case .null: out = nil
            case .string(let s) where s.isEmpty: out = nil
            case .string(let s):
                guard let ip = IPAddress(s) else { throw valueError(item, "invalid IP address: \(s)") }
                out = ip
            default: throw typeError(item, expected: "an IP address string")
            }
        }
        return out
    }

    /// CNI's `types.IPNet` (`UnmarshalJSON` through `net.ParseCIDR`, host bits kept): every value
    /// stored must be CIDR text; `null` and `""` are refused as Go refuses them
    /// (`invalid CIDR address: `). A pointer to one (`*types.IPNet`) reads through ``pointee``.
    public func cidr() throws(GoReadError) -> IPNetwork? {
        var out: IPNetwork?
        for item in items {
            switch item.value {
            case .string(let s):
                guard let net = IPNetwork(s) else { throw valueError(item, "invalid CIDR address: \(s)") }
                out = net
            case .null: throw valueError(item, "invalid CIDR address: ")
            default: throw typeError(item, expected: "a CIDR string")
            }
        }
        return out
    }

    /// Go `[]byte` (a `net.IPMask`, a cached config): base64 text; `null` resets it to nil.
    /// Like Go, an array of byte-sized integers is accepted too.
    public func bytes() throws(GoReadError) -> [UInt8]? {
        var out: [UInt8]?
        for item in items {
            switch item.value {
            case .null: out = nil
            case .string(let s):
                guard let decoded = Base64.decode(s) else { throw valueError(item, "illegal base64 data: \(s)") }
                out = decoded
            case .array(let elements):
                var bytes: [UInt8] = []
                for e in elements {
                    guard case .number(let n) = e, n.isInteger, let b = UInt8(n.literal) else {
                        throw typeError(item, expected: "base64 text or an array of bytes")
                    }
                    bytes.append(b)
                }
                out = bytes
            default: throw typeError(item, expected: "base64 text")
            }
        }
        return out
    }

    // MARK: Pointers and interface{}

    /// Go `*T`: the values stored after the last `null` (which resets the pointer), read as `T`;
    /// nil when there are none (absent, or `null` last).
    public var pointee: GoValue? {
        guard let lastNull = items.lastIndex(where: \.value.isNull) else { return isAbsent ? nil : self }
        var kept = Array(items.dropFirst(lastNull + 1))
        guard !kept.isEmpty else { return nil }
        let head = kept.removeFirst()
        return GoValue(first: head, rest: kept, parent: parent, subject: subject)
    }

    /// A Go type with its own `UnmarshalJSON` that decodes into a fresh value and assigns it whole
    /// (`types.Route`, libcni's result `IPConfig`s): each value stored is read by `read` on its own
    /// (an earlier one must read too, as Go decodes it) and the last one wins, so repeated objects
    /// replace rather than merge. `null` is skipped; nil when nothing else was stored.
    public func whole<T>(_ read: (GoValue) throws(GoReadError) -> T) throws(GoReadError) -> T? {
        if rest.isEmpty {
            guard let first, !first.value.isNull else { return nil }
            return try read(self)
        }
        var out: T?
        for item in items where !item.value.isNull {
            out = try read(GoValue(first: item, parent: parent, subject: subject))
        }
        return out
    }

    /// Go `interface{}`: the last value stored, whole; nil for `null` or when absent.
    public func any() -> JSONValue? {
        guard let v = last, !v.isNull else { return nil }
        return v
    }

    // MARK: Errors

    /// A ``GoReadError/Code/value`` error for a field that must be there: `<subject>: "<path>" is missing`.
    public func missingError() -> GoReadError {
        GoReadError(.value, "\(subject): \"\(path)\" is missing")
    }

    /// A ``GoReadError/Code/value`` error about the last value stored: `<subject>: "<path>": <text>`.
    public func valueError(_ text: String) -> GoReadError { valueError(rest.last ?? first, text) }

    func valueError(_ item: Item?, _ text: String) -> GoReadError {
        let at = path(of: item)
        return GoReadError(.value, at.isEmpty ? "\(subject): \(text)" : "\(subject): \"\(at)\": \(text)")
    }

    func typeError(_ item: Item, expected: String) -> GoReadError {
        let at = path(of: item)
        let found = Self.describe(item.value, expected: expected)
        if at.isEmpty { return GoReadError(.type, "\(subject) must be \(expected), found \(found)") }
        return GoReadError(.type, "\(subject): \"\(at)\" must be \(expected), found \(found)")
    }

    /// A number's literal when a number was expected (it is out of range or not an integer), a
    /// string's text when a boolean was, else the JSON type in words.
    static func describe(_ value: JSONValue, expected: String) -> String {
        switch value {
        case .number(let n) where expected.hasSuffix("integer") || expected == "a number": return n.literal
        case .string(let s) where expected == "a boolean": return "\"\(s)\""
        default: return value.kindDescription
        }
    }
}

extension GoValue {
    /// The values a Go variable received, in order (usually one; no allocation then).
    struct Items: Sequence, IteratorProtocol {
        var first: Item?
        var rest: [Item]
        var position = -1

        init(first: Item?, rest: [Item]) {
            self.first = first
            self.rest = rest
        }

        mutating func next() -> Item? {
            defer { position += 1 }
            if position < 0 { return first }
            return position < rest.count ? rest[position] : nil
        }

        /// The position of the last item satisfying `predicate` (0 is `first`).
        func lastIndex(where predicate: (Item) -> Bool) -> Int? {
            if let i = rest.lastIndex(where: predicate) { return i + 1 }
            if let first, predicate(first) { return 0 }
            return nil
        }
    }
}
