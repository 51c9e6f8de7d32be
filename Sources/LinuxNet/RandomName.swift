import CNetlinkShim
import Glibc
import SystemPackage

/// Random interface names, as the reference's `ip.RandomVethName`.
public enum RandomName {
    /// `veth` and 8 lowercase hex digits from 4 random bytes (`veth1a2b3c4d`).
    public static func veth() throws(Errno) -> String {
        "veth" + (try hex(byteCount: 4))
    }

    /// `2 * byteCount` lowercase hex digits from `getrandom(2)`.
    public static func hex(byteCount: Int) throws(Errno) -> String {
        var bytes = [UInt8](repeating: 0, count: byteCount)
        let status = bytes.withUnsafeMutableBytes { cni_getrandom($0.baseAddress, $0.count) }
        guard status == 0 else { throw Errno(rawValue: errno) }
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(byteCount * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xf)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
