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
    var accepted: [String]? {
        switch self {
        case .v02: return nil  // types020 accepts anything
        case .v04: return ["0.3.0", "0.3.1", "0.4.0"]
        case .v1: return ["1.0.0", "1.1.0"]
        }
    }
}

extension CNIResult {
    /// Decodes a result in the shape of `version`, as libcni's `create.Create(version, json)`
    /// does: the result's own `cniVersion` (when present) must belong to the same shape
    /// (`result type supports [1.0.0 1.1.0] but unmarshalled CNIVersion is "0.4.0"`), and an
    /// unknown version fails with `unsupported CNI result version "X"`. Errors are code 6, or 1
    /// for an unknown version.
    public init(json: JSONValue, version: String) throws(CNIError) {
        guard let format = ResultFormat(version) else {
            throw CNIError(.incompatibleCNIVersion, "unsupported CNI result version \"\(version)\"")
        }
        let r = try JSONFieldReader(json, subject: "result")
        let declared = try r.string("cniVersion") ?? ""
        if let accepted = format.accepted, !accepted.contains(declared) {
            throw CNIError(
                .decodingFailure,
                "result type supports [\(accepted.joined(separator: " "))] but unmarshalled CNIVersion is \"\(declared)\"")
        }
        self.init(cniVersion: declared.isEmpty ? version : declared)
        dns = try r.nested("dns").map { d throws(CNIError) in try DNS(d) } ?? DNS()
        switch format {
        case .v02:
            for key in ["ip4", "ip6"] {
                guard let ip = try r.nested(key) else { continue }
                ips.append(IPConfig(address: try ip.requiredIPNetwork("ip"), gateway: try ip.ipAddress("gateway")))
                for route in try ip.objects("routes") ?? [] {
                    routes.append(Route(dst: try route.requiredIPNetwork("dst"), gw: try route.ipAddress("gw")))
                }
            }
        case .v04, .v1:
            for i in try r.objects("interfaces") ?? [] {
                var interface = Interface(
                    name: try i.string("name") ?? "", mac: try nonEmpty(i.string("mac")),
                    sandbox: try nonEmpty(i.string("sandbox")))
                if format == .v1 {
                    interface.mtu = try nonZero(i.int("mtu"))
                    interface.socketPath = try nonEmpty(i.string("socketPath"))
                    interface.pciID = try nonEmpty(i.string("pciID"))
                }
                interfaces.append(interface)
            }
            // 0.3.x/0.4.0 "version" is redundant with the address; it is recomputed on output.
            for ip in try r.objects("ips") ?? [] {
                ips.append(
                    IPConfig(
                        interface: try ip.int("interface"), address: try ip.requiredIPNetwork("address"),
                        gateway: try ip.ipAddress("gateway")))
            }
            for route in try r.objects("routes") ?? [] {
                routes.append(try Route(route))
            }
        }
    }

    /// Decodes a result in the version it declares (no `cniVersion` means 0.1.0), as libcni's
    /// `create.CreateFromBytes` does.
    public init(json: JSONValue) throws(CNIError) {
        guard case .object(let o) = json else {
            throw CNIError(.decodingFailure, "result must be a JSON object, found \(json.kindDescription)")
        }
        var version = "0.1.0"
        if let v = o["cniVersion"], !v.isNull {
            guard let s = v.stringValue else {
                throw CNIError(.decodingFailure, "result: \"cniVersion\" must be a string, found \(v.kindDescription)")
            }
            if !s.isEmpty { version = s }
        }
        try self.init(json: json, version: version)
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
    init(_ r: JSONFieldReader) throws(CNIError) {
        self.init(
            dst: try r.requiredIPNetwork("dst"), gw: try r.ipAddress("gw"), mtu: try nonZero(r.int("mtu")),
            advmss: try nonZero(r.int("advmss")), priority: try nonZero(r.int("priority")), table: try r.int("table"),
            scope: try r.int("scope"))
    }
}

/// Go's omitempty: an empty string is no string.
private func nonEmpty(_ s: String?) -> String? { s.flatMap { $0.isEmpty ? nil : $0 } }
/// Go's omitempty: a zero int is no int.
private func nonZero(_ i: Int?) -> Int? { i.flatMap { $0 == 0 ? nil : $0 } }
