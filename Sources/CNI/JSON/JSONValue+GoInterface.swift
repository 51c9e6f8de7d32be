/// JSON after a trip through Go's `interface{}`: `json.Unmarshal` into `map[string]interface{}`
/// then `json.Marshal` again. libcni sends every config it passes on through that trip
/// (`InjectConf`, a list's plugin objects, `prevResult` before it is parsed), so the trip decides
/// what a plugin reads: a repeated key keeps only its last value, keys come out sorted bytewise
/// (and are then decoded in that order), and numbers become `float64` (`1.0` → `1`, `1e3` →
/// `1000`). Reproducing it makes our requests and cache files byte-identical to libcni's.
extension JSONValue {
    /// The value as it comes out of the trip, at every depth.
    public var throughGoInterface: JSONValue {
        switch self {
        case .object(let o): return .object(o.throughGoInterface)
        case .array(let a): return .array(a.map(\.throughGoInterface))
        case .number(let n):
            // Go refuses a number beyond float64's range outright; keep ours as written.
            guard let d = Double(n.literal), d.isFinite, let g = JSONNumber(exactly: d) else { return self }
            return .number(g)
        default: return self
        }
    }
}

extension JSONObject {
    /// The object as it comes out of the trip (see ``JSONValue/throughGoInterface``).
    public var throughGoInterface: JSONObject {
        var out = JSONObject()
        for m in uniqued.members { out[m.key] = m.value.throughGoInterface }
        return out.sortedKeys
    }

    /// The same members, keys in bytewise order (as Go marshals a map; values untouched).
    public var sortedKeys: JSONObject {
        JSONObject(members: members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) })
    }
}
