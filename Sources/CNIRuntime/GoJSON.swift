import CNI

/// Go's `json.Marshal` of values that went through `interface{}` (see
/// `JSONValue.throughGoInterface`): libcni's stdin and cache files, byte for byte.
enum GoJSON {
    /// Compact text, as `json.Marshal`.
    static func marshal(_ value: JSONValue) -> [UInt8] {
        JSONSerializer.bytes(value)
    }
}
