/// DNS settings, as both a config (`"dns": {…}`) and a result carry them.
public struct DNS: Sendable, Hashable {
    /// Resolver addresses, in priority order (kept as text, as the spec types them).
    public var nameservers: [String]
    /// The local domain used for short-name lookups.
    public var domain: String?
    /// Search domains, in priority order.
    public var search: [String]
    /// Resolver options (`ndots:5`).
    public var options: [String]

    public init(nameservers: [String] = [], domain: String? = nil, search: [String] = [], options: [String] = []) {
        self.nameservers = nameservers
        self.domain = domain
        self.search = search
        self.options = options
    }

    /// True when no field is set (it still prints as `"dns": {}` in a result).
    public var isEmpty: Bool { nameservers.isEmpty && (domain ?? "").isEmpty && search.isEmpty && options.isEmpty }

    /// `{"nameservers", "domain", "search", "options"}`, each left out when empty (Go's omitempty).
    public var json: JSONValue {
        var o = JSONObject()
        if !nameservers.isEmpty { o["nameservers"] = .array(nameservers.map(JSONValue.string)) }
        if let domain, !domain.isEmpty { o["domain"] = .string(domain) }
        if !search.isEmpty { o["search"] = .array(search.map(JSONValue.string)) }
        if !options.isEmpty { o["options"] = .array(options.map(JSONValue.string)) }
        return .object(o)
    }

    /// libcni's `types.DNS`.
    static let fields: GoFields = ["nameservers", "domain", "search", "options"]

    /// Reads a `types.DNS` variable (nil lists and an empty domain read as empty).
    public init(_ value: GoValue) throws(GoReadError) {
        let o = try value.object(Self.fields)
        self.init(
            nameservers: try o["nameservers"].strings() ?? [],
            domain: try o["domain"].string().flatMap { $0.isEmpty ? nil : $0 },
            search: try o["search"].strings() ?? [],
            options: try o["options"].strings() ?? [])
    }

    /// A config's `dns` when it sets anything, as the reference's `dnsConfSet` decides: any list
    /// that is non-nil in Go (present and not `null`, even empty) or a non-empty domain.
    init?(setIn value: GoValue) throws(GoReadError) {
        let o = try value.object(Self.fields)
        var set = !(try o["domain"].string() ?? "").isEmpty
        for list in ["nameservers", "search", "options"] where try o[list].slice() != nil { set = true }
        guard set else { return nil }
        try self.init(value)
    }

    /// Reads a `dns` object.
    public init(json: JSONValue) throws(CNIError) {
        do {
            try self.init(GoValue(root: json, subject: "dns"))
        } catch {
            throw CNIError(.decodingFailure, error.message)
        }
    }
}
