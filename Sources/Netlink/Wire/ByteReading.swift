// Reads host-order integers out of received byte arrays. Netlink is host byte order; only the
// address payloads inside attributes are network order (and those are kept as bytes).

extension Array where Element == UInt8 {
    /// The integer at `offset`, or nil when the array is too short.
    @inline(__always)
    func integer<T: FixedWidthInteger>(_: T.Type, at offset: Int = 0) -> T? {
        guard offset >= 0, offset + MemoryLayout<T>.size <= count else { return nil }
        return withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
    }

    /// The bytes up to the first NUL, decoded as UTF-8 (netlink strings are NUL-terminated).
    var cString: String {
        let end = firstIndex(of: 0) ?? count
        return String(decoding: self[..<end], as: UTF8.self)
    }

    /// Appends a host-order integer.
    @inline(__always)
    mutating func appendInteger<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value) { append(contentsOf: $0) }
    }

    /// Writes a host-order integer over the bytes at `offset` (which must exist).
    @inline(__always)
    mutating func setInteger<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        precondition(offset + MemoryLayout<T>.size <= count, "write past the end of a netlink message")
        withUnsafeMutableBytes { $0.storeBytes(of: value, toByteOffset: offset, as: T.self) }
    }
}

/// Netlink's 4-byte alignment (`NLMSG_ALIGN`, `NLA_ALIGN`, `MNL_ALIGN`).
@inline(__always) func netlinkAlign(_ length: Int) -> Int { (length + 3) & ~3 }
