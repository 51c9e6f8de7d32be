import NetAddress

/// Typed reads of an object's members, for the spec types that decode JSON by hand (configs and
/// results: faster than Codable and with messages naming the key path). `null` and absence both
/// read as nil, as they do for Go's omitempty fields.
struct JSONFieldReader {
    let object: JSONObject
    /// Key path of this object, for messages (`ips.0`); empty at the top.
    let path: String
    /// What is being decoded, for messages (`network config`, `result`).
    let subject: String

    init(_ object: JSONObject, subject: String, path: String = "") {
        self.object = object
        self.subject = subject
        self.path = path
    }

    /// Reads `value` as an object, or throws naming `subject`.
    init(_ value: JSONValue, subject: String, path: String = "") throws(CNIError) {
        guard case .object(let o) = value else {
            let at = path.isEmpty ? "" : " \"\(path)\""
            throw CNIError(.decodingFailure, "\(subject)\(at) must be a JSON object, found \(value.kindDescription)")
        }
        self.init(o, subject: subject, path: path)
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func error(_ key: String, _ message: String) -> CNIError {
        CNIError(.decodingFailure, "\(subject): \"\(keyPath(key))\" \(message)")
    }

    func value(_ key: String) -> JSONValue? {
        guard let v = object[key], !v.isNull else { return nil }
        return v
    }

    private func typed<T>(_ key: String, _ what: String, _ get: (JSONValue) -> T?) throws(CNIError) -> T? {
        guard let v = value(key) else { return nil }
        guard let t = get(v) else { throw error(key, "must be \(what), found \(v.kindDescription)") }
        return t
    }

    func string(_ key: String) throws(CNIError) -> String? { try typed(key, "a string") { $0.stringValue } }
    func bool(_ key: String) throws(CNIError) -> Bool? { try typed(key, "a boolean") { $0.boolValue } }
    func array(_ key: String) throws(CNIError) -> [JSONValue]? { try typed(key, "an array") { $0.arrayValue } }
    func object(_ key: String) throws(CNIError) -> JSONObject? { try typed(key, "an object") { $0.objectValue } }

    func int(_ key: String) throws(CNIError) -> Int? {
        guard let v = value(key) else { return nil }
        guard case .number(let n) = v else { throw error(key, "must be an integer, found \(v.kindDescription)") }
        guard let i = n.int else { throw error(key, "must be an integer, found \(n.literal)") }
        return i
    }

    func strings(_ key: String) throws(CNIError) -> [String]? {
        guard let elements = try array(key) else { return nil }
        var out: [String] = []
        for (n, e) in elements.enumerated() {
            guard let s = e.stringValue else { throw error("\(key).\(n)", "must be a string, found \(e.kindDescription)") }
            out.append(s)
        }
        return out
    }

    /// Each element of the array under `key` as an object reader.
    func objects(_ key: String) throws(CNIError) -> [JSONFieldReader]? {
        guard let elements = try array(key) else { return nil }
        var out: [JSONFieldReader] = []
        for (n, e) in elements.enumerated() {
            out.append(try JSONFieldReader(e, subject: subject, path: keyPath("\(key).\(n)")))
        }
        return out
    }

    func nested(_ key: String) throws(CNIError) -> JSONFieldReader? {
        guard let o = try object(key) else { return nil }
        return JSONFieldReader(o, subject: subject, path: keyPath(key))
    }

    /// An IP address in Go's `net.ParseIP` syntax; "" reads as nil, as Go's `net.IP` does.
    func ipAddress(_ key: String) throws(CNIError) -> IPAddress? {
        guard let s = try string(key), !s.isEmpty else { return nil }
        guard let ip = IPAddress(s) else { throw error(key, "is not a valid IP address: \(s)") }
        return ip
    }

    /// CIDR text with the host bits kept (`10.1.2.3/24`), as libcni's `types.IPNet` parses it.
    func ipNetwork(_ key: String) throws(CNIError) -> IPNetwork? {
        guard let s = try string(key) else { return nil }
        guard let net = IPNetwork(s) else { throw error(key, "is not a valid CIDR address: \(s)") }
        return net
    }

    func requiredIPNetwork(_ key: String) throws(CNIError) -> IPNetwork {
        guard let net = try ipNetwork(key) else { throw error(key, "is missing") }
        return net
    }

    /// libcni's reading of a list's boolean flags: a boolean, or the strings "true"/"false" in
    /// any case.
    func lenientBool(_ key: String) throws(CNIError) -> Bool {
        guard let v = value(key) else { return false }
        if let b = v.boolValue { return b }
        guard let s = v.stringValue else { throw error(key, "must be a boolean, found \(v.kindDescription)") }
        switch s.lowercased() {
        case "true": return true
        case "false": return false
        default: throw error(key, "must be a boolean, found \"\(s)\"")
        }
    }
}
