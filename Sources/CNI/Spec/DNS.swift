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

    init(_ r: JSONFieldReader) throws(CNIError) {
        self.init(
            nameservers: try r.strings("nameservers") ?? [],
            domain: try r.string("domain").flatMap { $0.isEmpty ? nil : $0 },
            search: try r.strings("search") ?? [],
            options: try r.strings("options") ?? [])
    }

    /// Reads a `dns` object.
    public init(json: JSONValue) throws(CNIError) {
        try self.init(JSONFieldReader(json, subject: "dns"))
    }
}
