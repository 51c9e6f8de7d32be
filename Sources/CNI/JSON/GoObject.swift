/// The JSON names of a Go struct's fields in declaration order (embedded structs' fields at the
/// embedding's place), which decide where each member of an object goes: the field with exactly
/// the key's name, else the first field whose name folds to the key (``GoFold``). Declare one per
/// Go struct a config is read as, mirroring the reference's type:
///
/// ```swift
/// static let fields = GoFields.netConf + ["bridge", "isGateway", "mtu", /* … */]
/// ```
public struct GoFields: Sendable, ExpressibleByArrayLiteral {
    /// The field names, in declaration order.
    public let names: [String]

    public init(_ names: [String]) {
        assert(names.allSatisfy { $0.utf8.allSatisfy { $0 < 0x80 } }, "Go field names here are ASCII")
        self.names = names
    }

    public init(arrayLiteral names: String...) { self.init(names) }

    /// `embedded`'s fields followed by `own`; a name declared in both is the outer struct's (Go
    /// gives the shallower field precedence).
    public static func + (embedded: GoFields, own: [String]) -> GoFields {
        GoFields(embedded.names.filter { !own.contains($0) } + own)
    }

    /// The field `key` is stored in, if any (exact name first, then the first that folds).
    public func field(forKey key: String) -> String? {
        if let exact = names.first(where: { GoFold.sameBytes($0, key) }) { return exact }
        return names.first { GoFold.equal(key, $0) }
    }

    func contains(_ name: String) -> Bool { names.contains { GoFold.sameBytes($0, name) } }
}

/// A Go struct variable as `encoding/json` fills it: the JSON objects stored into it, in order,
/// read as one (repeated objects merge, as decoding into the same struct again does; `null` left
/// it alone). `object[field]` is the ``GoValue`` for a field: every member that Go stores there,
/// in document order. Members whose key matches no field are ignored, as Go ignores them.
public struct GoObject: Sendable {
    /// The objects merged, in order.
    let first: JSONObject?
    let rest: [JSONObject]
    /// The struct's fields.
    public let fields: GoFields
    /// The path of the struct in the document ("" at the top), for messages.
    public let path: String
    let subject: String

    init(first: JSONObject?, rest: [JSONObject], fields: GoFields, path: String, subject: String) {
        self.first = first
        self.rest = rest
        self.fields = fields
        self.path = path
        self.subject = subject
    }

    /// A top-level object (its path is empty).
    public init(_ object: JSONObject, fields: GoFields, subject: String) {
        self.init(first: object, rest: [], fields: fields, path: "", subject: subject)
    }

    /// The members Go stores in `field` (which must be one of ``fields``), in document order.
    public subscript(_ field: String) -> GoValue {
        assert(fields.contains(field), "\(field) is not a field of this struct")
        var head: GoValue.Item?
        var more: [GoValue.Item] = []
        func scan(_ object: JSONObject) {
            let members = object.members
            for i in members.indices where stores(members[i].key, in: field) {
                if head == nil { head = members[i] } else { more.append(members[i]) }
            }
        }
        if let first { scan(first) }
        for object in rest { scan(object) }
        return GoValue(first: head, rest: more, parent: path, subject: subject, name: field)
    }

    /// True when no object was stored (absent, or only `null`): Go's zero struct.
    public var isAbsent: Bool { first == nil }

    /// True when no object was stored, or only empty ones.
    public var isEmpty: Bool { (first?.isEmpty ?? true) && rest.allSatisfy(\.isEmpty) }

    /// Every member stored, in order, repeated keys included: the objects concatenated.
    public var members: [JSONObject.Member] {
        guard let first else { return [] }
        return rest.isEmpty ? first.members : first.members + rest.flatMap(\.members)
    }

    /// The struct's members as one JSON object (for passing a section on whole).
    public var json: JSONObject { rest.isEmpty ? first ?? JSONObject() : JSONObject(members: members) }

    /// Whether Go stores a member named `key` in `field`.
    @inline(__always)
    private func stores(_ key: String, in field: String) -> Bool {
        switch GoFold.match(key, field) {
        case .exact: return true
        case .none: return false
        case .folded: return fields.field(forKey: key).map { GoFold.sameBytes($0, field) } ?? false
        }
    }
}

extension GoValue {
    /// Go struct `T` (not a pointer): the objects stored merge; `null` is skipped; any other JSON
    /// type is a type error. Empty when nothing was stored (Go's zero struct).
    public func object(_ fields: GoFields) throws(GoReadError) -> GoObject {
        var head: JSONObject?
        var more: [JSONObject] = []
        for item in items {
            switch item.value {
            case .null: continue
            case .object(let o): if head == nil { head = o } else { more.append(o) }
            default: throw typeError(item, expected: "an object")
            }
        }
        return GoObject(first: head, rest: more, fields: fields, path: path(of: first), subject: subject)
    }
}
