import NetAddress

/// The three JSON shapes results have had.
enum ResultFormat {
    /// 0.1.0 and 0.2.0: `ip4`/`ip6` objects, no interfaces.
    case v02
    /// 0.3.0, 0.3.1, 0.4.0: `interfaces`/`ips`/`routes`, each IP with `"version"`.
    case v04
    /// 1.0.0 and 1.1.0: as 0.4.0 without `"version"`, plus interface and route extras.
    case v1

    init?(_ version: String) {
        switch version {
        case "", "0.1.0", "0.2.0": self = .v02
        case "0.3.0", "0.3.1", "0.4.0": self = .v04
        case "1.0.0", "1.1.0": self = .v1
        default: return nil
        }
    }

    /// The versions libcni's result type for this shape accepts in a result's own `cniVersion`.
    var accepted: [String] {
        switch self {
        case .v02: return ["", "0.1.0", "0.2.0"]
        case .v04: return ["0.3.0", "0.3.1", "0.4.0"]
        case .v1: return ["1.0.0", "1.1.0"]
        }
    }
}

extension CNIResult {
    /// libcni's result structs, per shape (`types020`, `types040`, `types100`), and the structs
    /// they hold. Results are decoded with Go's rules too (``GoValue``): libcni unmarshals a
    /// plugin's output into these structs.
    enum Fields {
        static let v02: GoFields = ["cniVersion", "ip4", "ip6", "dns"]
        static let v02IP: GoFields = ["ip", "gateway", "routes"]
        static let result: GoFields = ["cniVersion", "interfaces", "ips", "routes", "dns"]
        static let v04Interface: GoFields = ["name", "mac", "sandbox"]
        static let v1Interface: GoFields = ["name", "mac", "mtu", "sandbox", "socketPath", "pciID"]
        static let v04IP: GoFields = ["version", "interface", "address", "gateway"]
        static let v1IP: GoFields = ["interface", "address", "gateway"]
        static let route: GoFields = ["dst", "gw", "mtu", "advmss", "priority", "table", "scope"]
    }

    /// Decodes a result in the shape of `version`, as libcni's `create.Create(version, json)`
    /// does: the result's own `cniVersion` (when present) must belong to the same shape
    /// (`result type supports [1.0.0 1.1.0] but unmarshalled CNIVersion is "0.4.0"`), and an
    /// unknown version fails with `unsupported CNI result version "X"`. Errors are code 6, or 1
    /// for an unknown version.
    public init(json: JSONValue, version: String) throws(CNIError) {
        guard let format = ResultFormat(version) else {
            throw CNIError(.incompatibleCNIVersion, "unsupported CNI result version \"\(version)\"")
        }
        do {
            try self.init(GoValue(root: json, subject: "result"), format: format, version: version)
        } catch let error as GoReadError {
            throw CNIError(.decodingFailure, error.message)
        } catch let error as CNIError {
            throw error
        } catch {
            throw CNIError(error)
        }
    }

    private init(_ value: GoValue, format: ResultFormat, version: String) throws {
        let fields = format == .v02 ? Fields.v02 : Fields.result
        let r = try value.object(fields)
        let declared = try r["cniVersion"].string() ?? ""
        if !format.accepted.contains(declared) {
            throw CNIError(
                .decodingFailure,
                "result type supports [\(format.accepted.joined(separator: " "))] but unmarshalled CNIVersion is \"\(declared)\"")
        }
        self.init(cniVersion: declared.isEmpty ? version : declared)
        dns = try DNS(r["dns"])
        switch format {
        case .v02:
            for key in ["ip4", "ip6"] {
                // types020's `IPConfig` decodes itself afresh: a repeated `ip4` replaces the first.
                let read = try r[key].whole { v throws(GoReadError) -> (IPConfig, [Route]) in
                    let ip = try v.object(Fields.v02IP)
                    var routes: [Route] = []
                    for route in try ip["routes"].slice() ?? [] { routes.append(try Route(route)) }
                    return (IPConfig(address: try Self.required(ip["ip"]), gateway: try ip["gateway"].ip()), routes)
                }
                guard let (ip, ipRoutes) = read else { continue }
                ips.append(ip)
                routes += ipRoutes
            }
        case .v04, .v1:
            for element in try r["interfaces"].slice() ?? [] {
                guard let i = try element.pointee?.object(format == .v1 ? Fields.v1Interface : Fields.v04Interface) else { continue }
                var interface = Interface(
                    name: try i["name"].string() ?? "", mac: try nonEmpty(i["mac"].string()),
                    sandbox: try nonEmpty(i["sandbox"].string()))
                if format == .v1 {
                    interface.mtu = try nonZero(i["mtu"].int())
                    interface.socketPath = try nonEmpty(i["socketPath"].string())
                    interface.pciID = try nonEmpty(i["pciID"].string())
                }
                interfaces.append(interface)
            }
            // 0.3.x/0.4.0 "version" is redundant with the address; it is recomputed on output.
            // Each `IPConfig` decodes itself afresh (its `UnmarshalJSON`): a repeated `ips` array
            // replaces elements rather than merging them.
            for element in try r["ips"].slice() ?? [] {
                let ip = try element.pointee?.whole { v throws(GoReadError) -> IPConfig in
                    let ip = try v.object(format == .v1 ? Fields.v1IP : Fields.v04IP)
                    if format == .v04 { _ = try ip["version"].string() }
                    return IPConfig(
                        interface: try ip["interface"].pointee?.int(), address: try Self.required(ip["address"]),
                        gateway: try ip["gateway"].ip())
                }
                if let ip { ips.append(ip) }
            }
            for element in try r["routes"].slice() ?? [] {
                guard let route = element.pointee else { continue }
                routes.append(try Route(route))
            }
        }
    }

    /// A `types.IPNet` that must be there: Go would decode a missing one as a zero network and
    /// print it as `<nil>`; we refuse it.
    static func required(_ value: GoValue) throws(GoReadError) -> IPNetwork {
        guard let net = try value.cidr() else { throw value.missingError() }
        return net
    }

    /// Decodes a result in the version it declares (no `cniVersion` means 0.1.0), as libcni's
    /// `create.CreateFromBytes` does.
    public init(json: JSONValue) throws(CNIError) {
        let version: String
        do {
            version = try GoValue(root: json, subject: "result").object(["cniVersion"])["cniVersion"].string() ?? ""
        } catch {
            throw CNIError(.decodingFailure, error.message)
        }
        try self.init(json: json, version: version.isEmpty ? "0.1.0" : version)
    }

    /// Parses and decodes result JSON in the version it declares.
    public init(bytes: [UInt8]) throws(CNIError) {
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw CNIError(.decodingFailure, "failed to parse result: \(error)")
        }
        try self.init(json: json)
    }
}

extension CNIResult.Route {
    /// Reads a `types.Route` variable (results' `routes`, host-local's `ipam.routes`): its
    /// `UnmarshalJSON` decodes each value into a fresh route, so the last one stored wins whole
    /// (two `routes` arrays do not merge their elements); `dst` must be there.
    public init(_ value: GoValue) throws(GoReadError) {
        guard let route = try value.whole(Self.init(decoding:)) else { throw value.missingError() }
        self = route
    }

    private init(decoding value: GoValue) throws(GoReadError) {
        let r = try value.object(CNIResult.Fields.route)
        self.init(
            dst: try CNIResult.required(r["dst"]), gw: try r["gw"].ip(), mtu: try nonZero(r["mtu"].int()),
            advmss: try nonZero(r["advmss"].int()), priority: try nonZero(r["priority"].int()),
            table: try r["table"].pointee?.int(), scope: try r["scope"].pointee?.int())
    }
}

/// Go's omitempty: an empty string is no string.
private func nonEmpty(_ s: String?) -> String? { s.flatMap { $0.isEmpty ? nil : $0 } }
/// Go's omitempty: a zero int is no int.
private func nonZero(_ i: Int?) -> Int? { i.flatMap { $0 == 0 ? nil : $0 } }
