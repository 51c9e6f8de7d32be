import CNI

/// Typed reads of the bridge's own config keys. `null` and absence both read as "not set", as
/// for the reference's Go struct fields.
struct ConfigReader {
    let object: JSONObject
    /// Key path of `object`, for messages (`vlanTrunk.0`); empty at the top.
    let path: String

    init(_ object: JSONObject, path: String = "") {
        self.object = object
        self.path = path
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func value(_ key: String) -> JSONValue? {
        guard let v = object[key], !v.isNull else { return nil }
        return v
    }

    func typeError(_ key: String, _ expected: String, _ found: JSONValue) -> BridgeError {
        BridgeError(.decoding, "network config: \"\(keyPath(key))\" must be \(expected), found \(found.kindDescription)")
    }

    func string(_ key: String) throws(BridgeError) -> String? {
        guard let v = value(key) else { return nil }
        guard let s = v.stringValue else { throw typeError(key, "a string", v) }
        return s
    }

    /// A boolean. The strings "true" and "false" are accepted too: cni.dev's bridge page shows
    /// `"portIsolation": "true"`, which the reference refuses while its docs recommend it.
    func bool(_ key: String) throws(BridgeError) -> Bool {
        guard let v = value(key) else { return false }
        if let b = v.boolValue { return b }
        switch v.stringValue?.lowercased() {
        case "true"?: return true
        case "false"?: return false
        default: throw typeError(key, "a boolean", v)
        }
    }

    func int(_ key: String) throws(BridgeError) -> Int? {
        guard let v = value(key) else { return nil }
        guard let i = v.intValue else { throw typeError(key, "an integer", v) }
        return i
    }

    func object(_ key: String) throws(BridgeError) -> ConfigReader? {
        guard let v = value(key) else { return nil }
        guard let o = v.objectValue else { throw typeError(key, "an object", v) }
        return ConfigReader(o, path: keyPath(key))
    }

    func array(_ key: String) throws(BridgeError) -> [JSONValue]? {
        guard let v = value(key) else { return nil }
        guard let a = v.arrayValue else { throw typeError(key, "an array", v) }
        return a
    }
}
