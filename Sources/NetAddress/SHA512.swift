import CCryptoShim

/// SHA-512 from the system's libcrypto. The reference plugins derive firewall object names from
/// hex prefixes of it (`CNI-` + 24 hex of sha512(network + containerID)), as does cnitool for IDs.
public enum SHA512 {
    /// The 64-byte digest of `bytes`.
    public static func digest<Bytes: Collection>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        let input = Array(bytes)
        var out = [UInt8](repeating: 0, count: 64)
        input.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer { cni_sha512(raw.baseAddress, raw.count, $0.baseAddress) }
        }
        return out
    }

    /// Lowercase hex of the digest of the UTF-8 of `text`.
    public static func hex(_ text: String) -> String {
        digest(Array(text.utf8)).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// The reference's `utils.MustFormatHashWithPrefix(length, prefix, toHash)`: `prefix` followed
    /// by the lowercase hex of sha512(`toHash`), cut to `length` characters in all (firewall chain
    /// names, bandwidth's ifb devices).
    public static func name(length: Int, prefix: String = "", of toHash: String) -> String {
        precondition(prefix.utf8.count < length && length <= 128, "invalid length")
        return String((prefix + hex(toHash)).prefix(length))
    }
}
